"""The base of every domain error: a stable code, a message for people, detail for programs,
and the HTTP status the API answers with. Apps extend it (`arbitrage.errors.ArbitrageError`);
`core.api.errors` turns any of them into `{code, message, detail}` without knowing the app."""

from __future__ import annotations

from enum import StrEnum


class DomainError(Exception):
    """An error a service raises for its callers to act on (not a bug)."""

    def __init__(
        self, code: StrEnum | str, message: str, detail: dict[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail or {}

    @property
    def http_status(self) -> int:
        """The API's status for this error (400 unless the app's error says otherwise)."""
        return 400
