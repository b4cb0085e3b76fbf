"""Liveness and readiness probes.

`/healthz` answers as long as the process serves requests. `/readyz` checks each
dependency the product cannot work without and names the failing one with 503.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2


def check_database() -> str | None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        connections["default"].close()
        return f"{type(exc).__name__}: {exc}".strip()[:300]
    return None


def check_broker() -> str | None:
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            connect_timeout=CHECK_TIMEOUT_SECONDS,
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)
    except Exception as exc:  # any transport error means "not ready"
        return f"{type(exc).__name__}: {exc}".strip()[:300]
    return None


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    failures = {
        name: error
        for name, error in (("database", check_database()), ("broker", check_broker()))
        if error is not None
    }
    if failures:
        # The reasons go to the log only: a public probe names the part, not its internals.
        logger.warning("not ready", extra={"failing": failures})
        return JsonResponse({"status": "unavailable", "failing": sorted(failures)}, status=503)
    return JsonResponse({"status": "ok", "checks": {"database": "ok", "broker": "ok"}})
