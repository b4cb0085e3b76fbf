"""Filter fields whose every accepted value is a valid database value: an absurd value in a
query string is a 400, never a database error."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField

MAX_ID = 2**63 - 1


class IdFilter(filters.NumberFilter):  # type: ignore[misc]
    """An integer id, bounded to PostgreSQL's bigint."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UtcIsoDateTimeField(IsoDateTimeField):  # type: ignore[misc]
    """An ISO 8601 time, converted to UTC (PostgreSQL refuses offsets beyond 15:59)."""

    def to_python(self, value: Any) -> dt.datetime | None:
        parsed: dt.datetime | None = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except (OverflowError, ValueError) as exc:
            raise ValidationError("The time is out of range.", code="invalid") from exc


class UtcDateTimeFilter(filters.IsoDateTimeFilter):  # type: ignore[misc]
    field_class = UtcIsoDateTimeField
