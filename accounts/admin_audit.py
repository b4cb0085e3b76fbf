"""Admin pages that write an audit row for every add, change, delete and bulk action.

The admin's change and delete views run in a transaction, so the audit row commits with the
change; bulk deletes and actions are wrapped here.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.audit import AuditAction, audit_record, changed, snapshot


class AuditedAdminMixin:
    """Mix into a ``ModelAdmin``: set the three actions this admin's writes are recorded as."""

    audit_created: AuditAction = AuditAction.MARKET_CREATED
    audit_updated: AuditAction = AuditAction.MARKET_UPDATED
    audit_deleted: AuditAction = AuditAction.MARKET_DELETED
    # The fields recorded (None: every concrete field but secrets and timestamps).
    audit_fields: tuple[str, ...] | None = None

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = (
            snapshot(type(obj)._default_manager.get(pk=obj.pk), self.audit_fields)
            if change
            else None
        )
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        after = snapshot(obj, self.audit_fields)
        if before is None:
            audit_record(action=self.audit_created, target=obj, after=after, request=request)
            return
        old, new = changed(before, after)
        if new:
            audit_record(
                action=self.audit_updated, target=obj, before=old, after=new, request=request
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(
            action=self.audit_deleted,
            target=obj,
            before=snapshot(obj, self.audit_fields),
            request=request,
        )
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                audit_record(
                    action=self.audit_deleted,
                    target=obj,
                    before=snapshot(obj, self.audit_fields),
                    request=request,
                )
            super().delete_queryset(request, queryset)  # type: ignore[misc]

    def audited_update(self, request: HttpRequest, queryset: QuerySet[Any], **values: Any) -> int:
        """``queryset.update(**values)`` for an admin action, one audit row per changed row."""
        count = 0
        fields = tuple(values)
        with transaction.atomic():
            for obj in queryset.select_for_update(of=("self",)):
                before = snapshot(obj, fields)
                for name, value in values.items():
                    setattr(obj, name, value)
                old, new = changed(before, snapshot(obj, fields))
                if not new:
                    continue
                type(obj)._default_manager.filter(pk=obj.pk).update(**values)
                audit_record(
                    action=self.audit_updated, target=obj, before=old, after=new, request=request
                )
                count += 1
        return count


class ReadOnlyAdminMixin:
    """Nothing can be added, changed or deleted from the admin."""

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False
