"""JWT pairs: obtain, refresh with rotation, logout. Race-free blacklisting.

simplejwt checks the blacklist and then writes it in two steps, so two refreshes of one
token racing each other could both succeed. Here the outstanding-token row is locked
(``select_for_update``) before the check, so exactly one refresh of a token wins.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.audit import AuditAction, audit_record


def _refresh_token(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)  # type: ignore[arg-type]
    except TokenError as exc:
        raise InvalidToken({"detail": str(exc), "code": "token_not_valid"}) from exc


def _user_for(token: RefreshToken) -> Any:
    """The token's user, if it may still use the token: active, and the same password."""
    user_id = token.payload.get(api_settings.USER_ID_CLAIM)
    user = get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
    if user is None or not user.is_active:
        raise InvalidToken({"detail": "The account is not active.", "code": "user_inactive"})
    claim = token.payload.get(api_settings.REVOKE_TOKEN_CLAIM)
    if api_settings.CHECK_REVOKE_TOKEN and claim != get_md5_hash_password(user.password):
        raise InvalidToken(
            {
                "detail": "The password was changed since this token was issued.",
                "code": "password_changed",
            }
        )
    return user


def _spend(token: RefreshToken) -> OutstandingToken:
    """Lock the token's outstanding row and blacklist it; refuse if it is already spent."""
    jti = token.payload[api_settings.JTI_CLAIM]
    outstanding = OutstandingToken.objects.select_for_update().filter(jti=jti).first()
    if outstanding is None:
        # Every refresh token this service issues is recorded; an unknown one is not ours.
        raise InvalidToken({"detail": "Unknown token.", "code": "token_not_valid"})
    if BlacklistedToken.objects.filter(token=outstanding).exists():
        raise InvalidToken({"detail": "Token is blacklisted", "code": "token_not_valid"})
    BlacklistedToken.objects.create(token=outstanding)
    return outstanding


def token_pair_for(*, user: Any) -> dict[str, str]:
    """A new refresh token (recorded as outstanding) and its access token."""
    refresh = RefreshToken.for_user(user)
    return {"refresh": str(refresh), "access": str(refresh.access_token)}


@transaction.atomic
def token_refresh(*, refresh: str) -> dict[str, str]:
    """Spend a refresh token and issue a new pair (rotation with blacklisting)."""
    token = _refresh_token(refresh)
    user = _user_for(token)
    _spend(token)
    return token_pair_for(user=user)


@transaction.atomic
def token_logout(*, refresh: str) -> None:
    """Blacklist the refresh token: it can no longer be refreshed (logout)."""
    token = _refresh_token(refresh)
    user_id = token.payload.get(api_settings.USER_ID_CLAIM)
    user = get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
    _spend(token)
    audit_record(action=AuditAction.AUTH_LOGOUT, actor=user, target=user, after={"method": "jwt"})
