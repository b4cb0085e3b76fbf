"""One error shape for every API failure: ``{"code": ..., "message": ..., "detail": {...}}``.

``code`` is stable (programs branch on it), ``message`` is for people, ``detail`` is always an
object (field errors, the throttle's wait, a domain error's context). Domain errors from the
services (any ``core.errors.DomainError``, Django's ``ValidationError``) map here, so views
stay thin.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import DomainError

logger = logging.getLogger(__name__)

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


def json_server_error(request: HttpRequest) -> JsonResponse:
    if not _is_api(request):
        from django.views.defaults import server_error

        return server_error(request)  # type: ignore[return-value]
    return JsonResponse(error_body("server_error", "Internal server error."), status=500)
