"""Celery workers keep their database connection between tasks, as Django keeps it between
requests: closed before a task only when it is past CONN_MAX_AGE or fails its health check."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from config.celery_app import _fresh_enough_connections, app


def test_the_django_fixup_does_not_close_the_connection_around_every_task():
    # Celery's Django fix-up closes every connection before and after each task unless this
    # is set: a new PostgreSQL connection and authentication per task.
    assert app.conf.get("CELERY_DB_REUSE_MAX")


@pytest.mark.django_db(transaction=True)
def test_a_connection_is_kept_while_fresh_and_closed_when_past_its_age():
    connection.ensure_connection()
    raw = connection.connection
    _fresh_enough_connections()
    assert connection.connection is raw  # kept: a task reuses it
    connection.close_at = time.monotonic() - 1  # as if CONN_MAX_AGE had passed
    _fresh_enough_connections()
    assert connection.connection is None
