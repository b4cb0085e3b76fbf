"""The Celery application: configured from Django settings (CELERY_* names)."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("arbitragex")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _fresh_enough_connections(**_: Any) -> None:
    """What Django does at the start of each request: close database connections that are
    past CONN_MAX_AGE or fail the health check (CONN_HEALTH_CHECKS), keep the others."""
    from django.db import close_old_connections

    close_old_connections()


@worker_process_init.connect
def _listen_for_configuration(**_: Any) -> None:
    """Each pool process listens for run-time configuration changes from its start
    (arbitrage/services/config_bus.py); a solo worker starts listening at its first task."""
    from arbitrage.services import config_bus

    config_bus.start()


@task_prerun.connect
def _configuration_current(**_: Any) -> None:
    """A change heard since the last task is applied before this one: the warm engine and the
    chain clients are rebuilt from the rows on use. A flag check when nothing changed."""
    from arbitrage.services import config_bus

    config_bus.refresh()


@app.task(name="arbitrage.config_state", ignore_result=True)
def config_state(reply_to: str) -> dict[str, Any]:
    """This worker's view of the run-time configuration (the epoch heard and applied), pushed
    to the Redis list `reply_to` for a minute: how an operator (or a test) sees that a change
    reached the workers."""
    import json

    import redis
    from django.conf import settings

    from arbitrage.services import config_bus

    state = config_bus.state()
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2.0)
    client.rpush(reply_to, json.dumps(state))
    client.expire(reply_to, 60)
    return state
