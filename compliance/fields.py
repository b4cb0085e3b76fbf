"""Model fields whose values are personal data: encrypted in the row, plaintext in Python.

The row holds a Fernet token (compliance.crypto); reading the model decrypts it. A query can
only ask whether the value is empty: every other lookup is refused, because a ciphertext
never equals another (exact names are found through a blind index column instead).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from compliance.crypto import decrypt, encrypt

_ALLOWED_LOOKUPS = frozenset({"isnull"})


class _Personal:
    """Marks a field as personal data: the audit log, logs and exports never show it."""

    personal = True

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in _ALLOWED_LOOKUPS:
            raise FieldError(
                f"personal data cannot be queried with '{lookup_name}' (use the blind index)"
            )
        return super().get_lookup(lookup_name)  # type: ignore[misc]


class PersonalTextField(_Personal, models.TextField[str, str]):
    """A text of personal data (a name, a birth date, a document number, an address)."""

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value.encode()).decode()

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value).encode()).decode()


class PersonalBytesField(_Personal, models.BinaryField[bytes, bytes]):
    """Bytes of personal data (a document's content)."""

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if value is None or len(value) == 0:
            return value
        return decrypt(bytes(value))

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        if value is not None and len(value) > 0 and not prepared:
            value = encrypt(bytes(value))
        return super().get_db_prep_value(value, connection, prepared=True)


def is_personal(field: object) -> bool:
    return bool(getattr(field, "personal", False))
