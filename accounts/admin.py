"""Users (with audited role changes), the read-only audit log, and audited third-party admins."""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from accounts.admin_audit import AuditedAdminMixin, ReadOnlyAdminMixin
from accounts.audit import AuditAction, AuditCategory, audit_record
from accounts.models import AuditEvent, User
from accounts.services import USER_AUDIT_FIELDS, user_roles

# The fields of a user that grant privileges: only a superuser may change them.
PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin[User]):
    list_display = ("username", "email", "is_active", "is_staff", "is_superuser", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    audit_created = AuditAction.USERS_CREATED
    audit_updated = AuditAction.USERS_UPDATED
    audit_deleted = AuditAction.USERS_DELETED
    audit_fields = USER_AUDIT_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        """A user who is not a superuser sees the privilege fields but cannot set them: with
        them it could grant itself, or anyone, more than it holds (superuser, staff, roles,
        single permissions). Role changes are a superuser's, and audited (save_related)."""
        fields = tuple(super().get_readonly_fields(request, obj))
        user = getattr(request, "user", None)
        if obj is not None and not getattr(user, "is_superuser", False):
            fields += PRIVILEGE_FIELDS
        return fields

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Groups are saved here, after the user row: compare the roles around it.
        user = form.instance
        before = user_roles(user=user) if change else []
        super().save_related(request, form, formsets, change)
        after = user_roles(user=user)
        if before != after:
            audit_record(
                action=AuditAction.USERS_ROLES_CHANGED,
                target=user,
                before={"roles": before},
                after={"roles": after},
                request=request,
            )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[AuditEvent]):
    list_display = (
        "sequence",
        "created_at",
        "action",
        "actor_username",
        "target_type",
        "target_repr",
        "ip",
        "request_id",
    )
    list_filter = ("category", "action")
    search_fields = ("actor_username", "target_repr", "=target_id", "=request_id")
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        queryset = super().get_queryset(request)
        if request.user.has_perm("accounts.view_auditevent"):
            return queryset
        return queryset.filter(category=AuditCategory.COMPLIANCE)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = request.user
        if user.has_perm("accounts.view_auditevent"):
            return True
        compliance = user.has_perm("accounts.view_compliance_auditevent")
        return compliance and (obj is None or obj.category == AuditCategory.COMPLIANCE)


# Deleting an access attempt lifts a lockout: audited as a lockout reset.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AuditedAdminMixin, AxesAccessAttemptAdmin):  # type: ignore[misc]
    audit_deleted = AuditAction.AUTH_LOCKOUT_RESET


# Celery beat schedules are configuration: edited in the admin, audited here.
class _ConfigAudit(AuditedAdminMixin):
    audit_created = AuditAction.CONFIG_CREATED
    audit_updated = AuditAction.CONFIG_UPDATED
    audit_deleted = AuditAction.CONFIG_DELETED


for _model, _base in (
    (PeriodicTask, beat_admin.PeriodicTaskAdmin),
    (IntervalSchedule, beat_admin.IntervalScheduleAdmin),
    (CrontabSchedule, beat_admin.CrontabScheduleAdmin),
    (SolarSchedule, beat_admin.SolarScheduleAdmin),
    (ClockedSchedule, beat_admin.ClockedScheduleAdmin),
):
    admin.site.unregister(_model)
    admin.site.register(_model, type(f"Audited{_base.__name__}", (_ConfigAudit, _base), {}))
