"""Django REST framework and the OpenAPI schema."""

from __future__ import annotations

from config.env import env

API_THROTTLE_ANON: str = env.str("API_THROTTLE_ANON", default="60/min")
API_THROTTLE_USER: str = env.str("API_THROTTLE_USER", default="1200/min")

REST_FRAMEWORK: dict[str, object] = {
    # JWT first: its WWW-Authenticate header makes a missing credential a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.AnonThrottle",
        "core.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": API_THROTTLE_ANON, "user": API_THROTTLE_USER},
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ArbitrageX Plus API",
    "DESCRIPTION": (
        "JWT-authenticated API: obtain a pair at /api/v1/auth/token/, send "
        "`Authorization: Bearer <access>`. Amounts are decimal strings. Every error is "
        "`{code, message, detail}`. See docs/api.md and docs/permissions.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files, not a CDN: works offline and under a CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets that share a field name get names of their own in the schema.
    "ENUM_NAME_OVERRIDES": {
        "TradeStateEnum": "arbitrage.models.Trade.State",
        "KycStateEnum": "compliance.models.KycCase.State",
        "PayoutStateEnum": "compliance.models.Payout.State",
        "PartyKindEnum": "compliance.models.Party.Kind",
        "DocumentKindEnum": "compliance.models.KycDocument.Kind",
        "DexKindEnum": "arbitrage.models.Dex.Kind",
    },
}
