"""Logins, failed logins, logouts and lockouts from Django's auth and django-axes.

These are the integration points that Django and axes offer for the admin login (and for
every ``authenticate`` call, the token endpoint's too); each receiver only writes the audit row.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.audit import AuditAction, audit_record


def _username(credentials: dict[str, Any] | None) -> str:
    value = (credentials or {}).get("username", "")
    return str(value)[:150] if isinstance(value, str) else ""


@receiver(user_logged_in, dispatch_uid="accounts.audit_login")
def audit_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(
        action=AuditAction.AUTH_LOGIN_SUCCEEDED,
        actor=user,
        target=user,
        after={"method": "session"},
        request=request,
    )


@receiver(user_login_failed, dispatch_uid="accounts.audit_login_failed")
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    audit_record(
        action=AuditAction.AUTH_LOGIN_FAILED,
        target_label=_username(credentials),
        after={"username": _username(credentials)},
        request=request,
    )


@receiver(user_logged_out, dispatch_uid="accounts.audit_logout")
def audit_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    audit_record(
        action=AuditAction.AUTH_LOGOUT,
        actor=user,
        target=user,
        after={"method": "session"},
        request=request,
    )


@receiver(user_locked_out, dispatch_uid="accounts.audit_locked_out")
def audit_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None = None, **kwargs: Any
) -> None:
    audit_record(
        action=AuditAction.AUTH_LOCKED_OUT,
        target_label=(username or "")[:150],
        after={"username": (username or "")[:150], "ip_address": kwargs.get("ip_address")},
        request=request,
    )
