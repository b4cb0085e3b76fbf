"""The suite really runs against PostgreSQL and Redis, not a stand-in."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_the_database_is_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int")
        row = cursor.fetchone()
    assert row is not None
    assert row[0] >= 130000


def test_the_broker_is_redis():
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=3)
    assert client.ping() is True
