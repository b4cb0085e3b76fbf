"""Serializer fields shared by the API."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.fields import INT256_MAX, INT256_MIN, UINT256_MAX

_UNSIGNED = re.compile(r"^[0-9]{1,78}$")
_SIGNED = re.compile(r"^-?[0-9]{1,77}$")


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^-?[0-9]{1,78}$",
        "description": "An on-chain integer in base units, as a decimal string.",
        "example": "1000000000000000000",
    }
)
class AmountField(serializers.Field[int, str, str, Any]):
    """An on-chain amount: a decimal string both ways, never a JSON number (no float rounding)."""

    default_error_messages = {
        "invalid": 'Must be a whole number written as a decimal string, e.g. "1000".',
        "range": "Out of range for a {kind} amount.",
    }

    def __init__(self, *, signed: bool = False, **kwargs: Any) -> None:
        self.signed = signed
        super().__init__(**kwargs)

    def to_representation(self, value: int) -> str:
        return str(int(value))

    def to_internal_value(self, data: Any) -> int:
        pattern = _SIGNED if self.signed else _UNSIGNED
        if not isinstance(data, str) or not pattern.match(data):
            self.fail("invalid")
        number = int(data)
        low, high = (INT256_MIN, INT256_MAX) if self.signed else (0, UINT256_MAX)
        if not low <= number <= high:
            self.fail("range", kind="int256" if self.signed else "uint256")
        return number
