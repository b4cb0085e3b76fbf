"""Filters of the accounts API."""

from __future__ import annotations

from django_filters import rest_framework as filters

from accounts.audit import AuditAction, AuditCategory
from accounts.models import AuditEvent, User
from accounts.roles import Role
from core.api.filters import IdFilter, UtcDateTimeFilter


class UserFilter(filters.FilterSet):  # type: ignore[misc]
    role = filters.ChoiceFilter(
        field_name="groups__name", choices=[(role.value, role.value) for role in Role]
    )
    is_active = filters.BooleanFilter()
    username = filters.CharFilter(lookup_expr="icontains", max_length=150)

    class Meta:
        model = User
        fields = ("role", "is_active", "username")


class AuditEventFilter(filters.FilterSet):  # type: ignore[misc]
    category = filters.ChoiceFilter(choices=[(c.value, c.value) for c in AuditCategory])
    action = filters.ChoiceFilter(choices=[(a.value, a.value) for a in AuditAction])
    actor = IdFilter(field_name="actor_id")
    actor_username = filters.CharFilter(max_length=150)
    target_type = filters.CharFilter(max_length=100)
    target_id = filters.CharFilter(max_length=64)
    request_id = filters.CharFilter(max_length=64)
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = (
            "category",
            "action",
            "actor",
            "actor_username",
            "target_type",
            "target_id",
            "request_id",
            "created_after",
            "created_before",
        )
