"""The OpenAPI schema: every operation documents the error answers it can give."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as _AutoSchema

from core.api.errors import ErrorSerializer

# Every operation can answer these (authentication, role, unknown object or cursor, throttle).
_ALWAYS = {
    "400": "The input is not valid.",
    "401": "Not authenticated, or the token is not valid.",
    "403": "Your role does not allow this action.",
    "404": "Not found.",
    "429": "Too many requests (throttled or locked out).",
}


class AutoSchema(_AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code, description in _ALWAYS.items():
            if code not in responses:
                response = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    ErrorSerializer, code, direction=direction
                )
                response["description"] = description
                responses[code] = response
        return responses
