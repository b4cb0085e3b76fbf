"""The Celery application: configured from Django settings (CELERY_* names)."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import task_prerun

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
