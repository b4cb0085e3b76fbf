"""Exact on-chain integers in the database.

On PostgreSQL an amount is ``NUMERIC(78,0)``: every uint256 fits and nothing is
rounded. Python always sees ``int``; a float, a fraction or a bool is refused.

SQLite (the demo's embedded default only) has no exact wide numeric type: its
NUMERIC affinity turns large values into 8-byte floats. There the value is stored
as fixed-width decimal text, offset by 2**256 so that text order is numeric order
for negative values too; comparisons and ordering stay correct, but SQL
arithmetic (SUM) is not available, so the code sums money in Python.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.core import exceptions
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Combinable

UINT256_MAX = 2**256 - 1
INT256_MIN = -(2**255)
INT256_MAX = 2**255 - 1
_SQLITE_OFFSET = 2**256
_SQLITE_WIDTH = 79


def to_exact_int(value: object) -> int:
    """Convert an input to int without ever rounding; raise ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            raise ValueError(f"{value} is not a whole number")
        return int(value)
    if isinstance(value, float):
        raise ValueError("floats are not accepted for on-chain amounts; pass an int or a string")
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        if text.startswith(("+", "-")):
            sign, digits = text[0], text[1:]
        else:
            sign, digits = "", text
        if not digits.isdigit() or not digits.isascii():
            raise ValueError(f"{value!r} is not a whole number")
        return int(sign + digits)
    raise ValueError(f"{type(value).__name__} is not an amount")


_ST_contra = TypeVar("_ST_contra", contravariant=True)
_GT_co = TypeVar("_GT_co", covariant=True)


class AmountField(models.Field[_ST_contra, _GT_co]):
    """A uint256 (``signed=False``) or int256 (``signed=True``) amount in base units."""

    # Read by django-stubs' mypy plugin: the Python types of a model attribute (None when null).
    _pyi_private_set_type: int | str | Decimal | Combinable
    _pyi_private_get_type: int

    description = "On-chain integer amount (NUMERIC(78,0))"

    def __init__(self, *args: Any, signed: bool = False, **kwargs: Any) -> None:
        self.signed = signed
        super().__init__(*args, **kwargs)

    @property
    def bounds(self) -> tuple[int, int]:
        return (INT256_MIN, INT256_MAX) if self.signed else (0, UINT256_MAX)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.signed:
            kwargs["signed"] = True
        return name, path, args, kwargs

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        if connection.vendor == "postgresql":
            return "numeric(78,0)"
        return f"varchar({_SQLITE_WIDTH})"

    def to_python(self, value: Any) -> int | None:
        if value is None:
            return None
        try:
            number = to_exact_int(value)
        except ValueError as exc:
            raise exceptions.ValidationError(str(exc), code="invalid") from exc
        low, high = self.bounds
        if not low <= number <= high:
            kind = "int256" if self.signed else "uint256 (non-negative)"
            raise exceptions.ValidationError(f"{number} is out of range for a {kind} amount")
        return number

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if value is None:
            return None
        if isinstance(value, str) and connection.vendor != "postgresql":
            return int(value) - _SQLITE_OFFSET
        return to_exact_int(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return to_exact_int(value)

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if connection.vendor == "postgresql":
            return Decimal(value)
        return f"{value + _SQLITE_OFFSET:0{_SQLITE_WIDTH}d}"

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else str(value)

    def formfield(
        self,
        form_class: type[forms.Field] | None = None,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field | None:
        low, high = self.bounds
        defaults: dict[str, Any] = {
            "form_class": form_class or forms.IntegerField,
            "min_value": low,
            "max_value": high,
            "widget": forms.TextInput(attrs={"inputmode": "numeric", "size": 40}),
        }
        defaults.update(kwargs)
        return super().formfield(choices_form_class=choices_form_class, **defaults)
