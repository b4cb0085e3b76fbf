"""Writes to users and their roles; each writes its audit row in the same transaction."""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.audit import AuditAction, audit_record, changed, snapshot
from accounts.models import User
from accounts.roles import Role

USER_AUDIT_FIELDS = (
    "username",
    "email",
    "first_name",
    "last_name",
    "is_active",
    "is_staff",
    "is_superuser",
)


def user_roles(*, user: User) -> list[str]:
    names = set(user.groups.values_list("name", flat=True))
    return [role.value for role in Role if role.value in names]


def _roles_set(*, user: User, roles: list[Role]) -> None:
    user.groups.set(Group.objects.filter(name__in=[role.value for role in roles]))


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    roles: list[Role] | None = None,
    actor: Any = None,
) -> User:
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    # Every role works in the admin console too (what it sees there follows its permissions).
    user.is_staff = bool(roles)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.full_clean()
    user.save()
    _roles_set(user=user, roles=roles or [])
    after = snapshot(user, USER_AUDIT_FIELDS) | {"roles": user_roles(user=user)}
    audit_record(action=AuditAction.USERS_CREATED, actor=actor, target=user, after=after)
    return user


@transaction.atomic
def user_update(
    *,
    user: User,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    is_active: bool | None = None,
    actor: Any = None,
) -> User:
    """Change a user's profile or deactivate them (a deactivated user's tokens stop working)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user, USER_AUDIT_FIELDS)
    for name, value in (
        ("email", email),
        ("first_name", first_name),
        ("last_name", last_name),
        ("is_active", is_active),
    ):
        if value is not None:
            setattr(user, name, value)
    user.full_clean()
    user.save()
    old, new = changed(before, snapshot(user, USER_AUDIT_FIELDS))
    if new:
        audit_record(
            action=AuditAction.USERS_UPDATED, actor=actor, target=user, before=old, after=new
        )
    return user


@transaction.atomic
def user_roles_set(*, user: User, roles: list[Role], actor: Any = None) -> User:
    """Replace a user's roles (a role change is audited with both lists)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    before = user_roles(user=user)
    _roles_set(user=user, roles=roles)
    after = user_roles(user=user)
    staff = bool(after) or user.is_superuser
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])
    if before != after:
        audit_record(
            action=AuditAction.USERS_ROLES_CHANGED,
            actor=actor,
            target=user,
            before={"roles": before},
            after={"roles": after},
        )
    return user


@transaction.atomic
def user_lockout_reset(*, user: User, actor: Any = None) -> int:
    """Lift django-axes' lockout of this username (from every address)."""
    removed = int(axes_reset(username=user.get_username()))
    audit_record(
        action=AuditAction.AUTH_LOCKOUT_RESET,
        actor=actor,
        target=user,
        after={"attempts_removed": removed},
    )
    return removed
