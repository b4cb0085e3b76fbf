"""Liveness and readiness probes, answered within a second whatever hangs.

`/healthz` answers as long as the process serves requests: it touches no dependency. `/readyz`
probes each dependency the product cannot work without, all at once, each on a thread of its
own with its own short timeouts (`PROBE_TIMEOUT_SECONDS`), and waits for them no longer than
`READY_DEADLINE_SECONDS` in all. A probe that has not answered by then counts as down and is
left to finish on its own (its timeouts end it soon after): a database or a broker that accepts
connections and never answers (a frozen process, a half-open connection) cannot hold the answer.
503 names the parts that are down; their reasons go to the log only.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connections
from django.db.utils import load_backend
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)

# Each probe's own connect and read timeouts, seconds.
PROBE_TIMEOUT_SECONDS = 0.4
# How long /readyz waits for all its probes together.
READY_DEADLINE_SECONDS = 0.6
# What a 503 of /readyz tells a client to wait before it asks again.
RETRY_AFTER_SECONDS = 1


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip()[:300]


def check_database() -> str | None:
    """`SELECT 1` on a connection of its own (never the request's), opened with a connect
    timeout and a statement timeout on PostgreSQL, and closed after."""
    params = copy.deepcopy(connections.settings["default"])
    options = dict(params.get("OPTIONS") or {})
    options.pop("pool", None)  # a probe's connection is its own, never a pool's
    if params["ENGINE"] == "django.db.backends.postgresql":
        # libpq's connect timeout counts whole seconds (2 at the least); the statement's is
        # in milliseconds.
        options["connect_timeout"] = 2
        statement = f"-c statement_timeout={int(PROBE_TIMEOUT_SECONDS * 1000)}"
        options["options"] = f"{options.get('options', '')} {statement}".strip()
    elif params["ENGINE"] == "django.db.backends.sqlite3":
        options["timeout"] = PROBE_TIMEOUT_SECONDS
    params["OPTIONS"] = options
    params["CONN_MAX_AGE"] = 0
    params["CONN_HEALTH_CHECKS"] = False
    wrapper = load_backend(params["ENGINE"]).DatabaseWrapper(params, "default")
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        return _reason(exc)
    finally:
        try:
            wrapper.close()
        except Exception:
            logger.debug("readiness: closing the probe's connection failed", exc_info=True)
    return None


def check_broker() -> str | None:
    """PING on Redis with connect and socket timeouts; any other broker (the demo's filesystem
    transport) through kombu with a connect timeout."""
    url = settings.CELERY_BROKER_URL
    try:
        if url.startswith(("redis://", "rediss://")):
            import redis

            client = redis.Redis.from_url(
                url,
                socket_timeout=PROBE_TIMEOUT_SECONDS,
                socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
                retry_on_timeout=False,
            )
            try:
                client.ping()
            finally:
                client.close()
        else:
            with Connection(
                url,
                transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                connect_timeout=PROBE_TIMEOUT_SECONDS,
            ) as conn:
                conn.ensure_connection(max_retries=1, timeout=1)
    except Exception as exc:  # any transport error means "not ready"
        return _reason(exc)
    return None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "broker": check_broker,
}


def probe(deadline: float = READY_DEADLINE_SECONDS) -> dict[str, str | None]:
    """Each check's failure (None when it passed), all run at once; a check still running at
    the deadline fails as a timeout and is abandoned."""
    results: dict[str, str | None] = {}
    lock = threading.Lock()

    def run(name: str, check: Callable[[], str | None]) -> None:
        try:
            outcome = check()
        except Exception as exc:
            outcome = _reason(exc)
        finally:
            connections.close_all()  # this thread's own connections, if the check made any
        with lock:
            results[name] = outcome

    threads = [
        threading.Thread(target=run, args=(name, check), name=f"readyz-{name}", daemon=True)
        for name, check in CHECKS.items()
    ]
    for thread in threads:
        thread.start()
    end = time.monotonic() + deadline
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    with lock:
        return {name: results.get(name, f"no answer within {deadline} s") for name in CHECKS}


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    failures = {name: error for name, error in probe().items() if error is not None}
    if failures:
        # The reasons go to the log only: a public probe names the part, not its internals.
        logger.warning("not ready", extra={"failing": failures})
        return JsonResponse(
            {"status": "unavailable", "failing": sorted(failures)},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return JsonResponse({"status": "ok", "checks": dict.fromkeys(CHECKS, "ok")})
