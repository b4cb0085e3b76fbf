"""The answer to a locked-out login, for the admin login page and the token endpoint alike."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off, get_failure_limit
from django.http import HttpRequest, JsonResponse

from core.api.errors import error_body

LOCKOUT_STATUS = 429


def lockout_body(request: Any, credentials: dict[str, Any] | None = None) -> dict[str, Any]:
    cool_off = get_cool_off(request)
    detail: dict[str, Any] = {"failure_limit": get_failure_limit(request, credentials)}
    if cool_off:
        detail["cooloff_seconds"] = int(cool_off.total_seconds())
    return error_body(
        "locked_out",
        "Too many failed logins for this username from this address; try again later "
        "or ask an admin to reset the lockout.",
        detail,
    )


def lockout_response(
    request: HttpRequest,
    original_response: Any = None,
    credentials: dict[str, Any] | None = None,
) -> JsonResponse:
    """AXES_LOCKOUT_CALLABLE: a JSON answer in the API's error shape."""
    return JsonResponse(lockout_body(request, credentials), status=LOCKOUT_STATUS)
