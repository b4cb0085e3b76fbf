"""Django REST framework and the OpenAPI schema."""

from __future__ import annotations

REST_FRAMEWORK: dict[str, object] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ArbitrageX Plus API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}
