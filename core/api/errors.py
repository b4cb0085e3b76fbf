"""One error shape for every API failure: ``{"code": ..., "message": ..., "detail": {...}}``.

``code`` is stable (programs branch on it), ``message`` is for people, ``detail`` is always an
object (field errors, the throttle's wait, a domain error's context). Domain errors from the
services (any ``core.errors.DomainError``, Django's ``ValidationError``) map here, so views
stay thin.

An outage is not a bug: a database or broker that is down or does not answer in time (the
driver's connection and timeout errors, the hand-off's ``HandoffError``, which is a kombu
``OperationalError``) answers 503 with ``Retry-After``, in the same shape, on every path under
/api/ (DRF views here, anything else through ``handler500``). Everything else unexpected stays
500.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from kombu.exceptions import OperationalError as BrokerOperationalError
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import DomainError

logger = logging.getLogger(__name__)

# What an outage's answer tells clients to wait before they ask again.
RETRY_AFTER_SECONDS = 5


def _outage_classes() -> dict[str, tuple[type[BaseException], ...]]:
    database: list[type[BaseException]] = [DatabaseOperationalError, DatabaseInterfaceError]
    broker: list[type[BaseException]] = [BrokerOperationalError]
    try:  # the drivers' own errors, when one escapes Django's or kombu's wrapping
        import psycopg

        database += [psycopg.OperationalError, psycopg.InterfaceError]
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    try:
        import redis

        broker += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    return {"database": tuple(database), "broker": tuple(broker)}


_OUTAGES = _outage_classes()

_OUTAGE_MESSAGES = {
    "database": "The database is unavailable; try again later.",
    "broker": "The task queue is unavailable; what was recorded stays recorded; try again later.",
}


def outage_of(exc: BaseException | None) -> str | None:
    """The dependency an exception says is unavailable ("database", "broker"), or None."""
    for part, classes in _OUTAGES.items():
        if isinstance(exc, classes):
            return part
    return None


def _outage_answer(part: str, exc: BaseException) -> tuple[dict[str, Any], dict[str, str]]:
    # The driver's text stays in the log (it may name hosts); the answer names the part.
    logger.warning("%s unavailable: %s", part, type(exc).__name__)
    body = error_body(
        f"{part}_unavailable",
        _OUTAGE_MESSAGES[part],
        {"dependency": part, "retry_after_seconds": RETRY_AFTER_SECONDS},
    )
    return body, {"Retry-After": str(RETRY_AFTER_SECONDS)}


_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ValidationError: "invalid",
    exceptions.ParseError: "parse_error",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


class ErrorSerializer(serializers.Serializer[Any]):
    """The body of every error answer (documented on every operation of the schema)."""

    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `invalid`.")
    message = serializers.CharField(help_text="What went wrong, for people.")
    detail = serializers.DictField(help_text="Context: field errors, limits, states.")


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    if detail is None:
        detail = {}
    elif not isinstance(detail, dict):
        detail = {"errors": detail if isinstance(detail, list) else [detail]}
    return {"code": code, "message": message, "detail": detail}


def _code_for(exc: exceptions.APIException) -> str:
    """The raiser's specific code when it gave one (``no_active_account``), else the class's."""
    codes = exc.get_codes()
    if isinstance(codes, str) and codes != exc.default_code:
        return codes
    for klass in type(exc).__mro__:
        if klass in _CODES:
            return _CODES[klass]
    return codes if isinstance(codes, str) else "error"


def _api_exception_body(exc: exceptions.APIException) -> dict[str, Any]:
    code = _code_for(exc)
    data = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        return error_body(code, "The input is not valid.", data)
    if isinstance(exc, exceptions.Throttled):
        return error_body(code, "Too many requests.", {"wait_seconds": getattr(exc, "wait", None)})
    # simplejwt's InvalidToken carries {"detail": ..., "messages": [...]}: keep both.
    if isinstance(data, dict):
        message = str(data.get("detail", exc.default_detail))
        detail = {key: value for key, value in data.items() if key != "detail"}
        token_code = data.get("code")
        return error_body(str(token_code) if token_code else code, message, detail)
    return error_body(code, str(data))


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every failure of a DRF view answers in the one shape."""
    headers: dict[str, str] = {}
    if isinstance(exc, DomainError):
        set_rollback()
        body = error_body(str(exc.code), exc.message, exc.detail)
        return Response(body, status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"errors": exc.messages}
        return Response(error_body("invalid", "The input is not valid.", detail), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        wait = getattr(exc, "wait", None)
        if wait is not None:
            headers["Retry-After"] = str(int(wait))
        set_rollback()
        return Response(_api_exception_body(exc), status=exc.status_code, headers=headers)
    part = outage_of(exc)
    if part is not None:
        set_rollback()
        body, headers = _outage_answer(part, exc)
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers=headers)
    # A bug: log it with its traceback (Sentry picks it up) and answer in the same shape.
    logger.exception("unhandled error in an API view")
    set_rollback()
    return Response(
        error_body("server_error", "Internal server error."),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """handler404 for paths that no view matched: JSON under /api/, Django's page elsewhere."""
    if not _is_api(request):
        from django.views.defaults import page_not_found

        return page_not_found(request, exception or Http404())  # type: ignore[return-value]
    return JsonResponse(error_body("not_found", "Not found."), status=404)


def json_server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it while handling the exception, so an outage is still known
    here: 503 with Retry-After (JSON under /api/), a bug 500."""
    exc = sys.exception()
    part = outage_of(exc)
    if part is not None and exc is not None:
        body, headers = _outage_answer(part, exc)
        if _is_api(request):
            return JsonResponse(body, status=503, headers=headers)
        return HttpResponse(
            body["message"], status=503, headers=headers, content_type="text/plain; charset=utf-8"
        )
    if not _is_api(request):
        from django.views.defaults import server_error

        return server_error(request)
    return JsonResponse(error_body("server_error", "Internal server error."), status=500)
