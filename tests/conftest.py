"""Shared fixtures. The suite runs against the PostgreSQL and Redis that `make test` starts."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT.parent / "shared" / "data" / "uniswap_v2_pairs_2020.json"


def pytest_report_header(config: pytest.Config) -> list[str]:
    import psycopg

    db = settings.DATABASES["default"]
    lines = [f"database: {db['ENGINE']} {db.get('HOST')}:{db.get('PORT')}/{db.get('NAME')}"]
    try:
        with psycopg.connect(
            host=str(db["HOST"]),
            port=int(str(db["PORT"] or 5432)),
            user=str(db["USER"]),
            password=str(db["PASSWORD"]),
            dbname=str(db["NAME"]),
            connect_timeout=3,
        ) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            lines.append(f"PostgreSQL server {row[0] if row else '?'}")
    except psycopg.Error as exc:
        lines.append(f"PostgreSQL not reachable: {exc}")
    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=3)
        version = client.info("server")["redis_version"]  # type: ignore[index]
        lines.append(f"Redis server {version} at {settings.CELERY_BROKER_URL}")
    except redis.RedisError as exc:
        lines.append(f"Redis not reachable: {exc}")
    return lines


@pytest.fixture
def snapshot_path() -> Path:
    if not SNAPSHOT.is_file():
        pytest.fail(f"the shared snapshot is missing: {SNAPSHOT}")
    return SNAPSHOT
