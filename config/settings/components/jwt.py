"""djangorestframework-simplejwt: short access tokens, rotated and blacklisted refresh tokens.

The signing key is JWT_SIGNING_KEY (production requires it, see production.py); without it
(demo, tests) simplejwt signs with DJANGO_SECRET_KEY. Only HMAC algorithms are allowed, and
tokens are decoded with exactly the configured one, so `alg=none` or a swapped algorithm is
refused.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from config.env import env

JWT_ALLOWED_ALGORITHMS = ("HS256", "HS384", "HS512")
JWT_MAX_ACCESS_MINUTES = 15

JWT_SIGNING_KEY: str = env.str("JWT_SIGNING_KEY", default="")
JWT_ALGORITHM: str = env.str("JWT_ALGORITHM", default="HS256")
JWT_ACCESS_MINUTES: int = env.int("JWT_ACCESS_MINUTES", default=5)
JWT_REFRESH_HOURS: int = env.int("JWT_REFRESH_HOURS", default=24)

if JWT_ALGORITHM not in JWT_ALLOWED_ALGORITHMS:
    raise ImproperlyConfigured(
        f"JWT_ALGORITHM must be one of {', '.join(JWT_ALLOWED_ALGORITHMS)}, got {JWT_ALGORITHM!r}"
    )
if not 1 <= JWT_ACCESS_MINUTES <= JWT_MAX_ACCESS_MINUTES:
    raise ImproperlyConfigured(
        f"JWT_ACCESS_MINUTES must be from 1 to {JWT_MAX_ACCESS_MINUTES}, got {JWT_ACCESS_MINUTES}"
    )
if not 1 <= JWT_REFRESH_HOURS <= 24 * 30:
    raise ImproperlyConfigured(f"JWT_REFRESH_HOURS must be from 1 to 720, got {JWT_REFRESH_HOURS}")

SIMPLE_JWT: dict[str, object] = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=JWT_ACCESS_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(hours=JWT_REFRESH_HOURS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": JWT_ALGORITHM,
    "LEEWAY": 0,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    # Tokens carry a digest of the password hash: a password change revokes them.
    "CHECK_REVOKE_TOKEN": True,
    "REVOKE_TOKEN_CLAIM": "hash_password",
    # A deactivated user's tokens stop working at once.
    "CHECK_USER_IS_ACTIVE": True,
}
if JWT_SIGNING_KEY:
    SIMPLE_JWT["SIGNING_KEY"] = JWT_SIGNING_KEY
