"""Sentry and OpenTelemetry set-up, done once at start when configured."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)
_done = False


def sentry_options() -> dict[str, Any]:
    """What Sentry is started with. No local variables, request bodies or PII defaults: a
    frame's locals and a request's body can hold personal data (a party's name, a document)
    or a secret; an error report carries the stack, the message and ids."""
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    return {
        "dsn": settings.SENTRY_DSN,
        "environment": settings.SENTRY_ENVIRONMENT,
        "traces_sample_rate": settings.SENTRY_TRACES_SAMPLE_RATE,
        "integrations": [DjangoIntegration(), CeleryIntegration()],
        "send_default_pii": False,
        "include_local_variables": False,
        "max_request_body_size": "never",
    }


def setup() -> None:
    global _done  # noqa: PLW0603 - one-time process set-up
    if _done:
        return
    _done = True
    if settings.SENTRY_DSN:
        import sentry_sdk

        sentry_sdk.init(**sentry_options())
    if settings.OTEL_ENABLED:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider

        trace.set_tracer_provider(
            TracerProvider(resource=Resource.create({"service.name": settings.OTEL_SERVICE_NAME}))
        )
