"""A benchmark's own PostgreSQL database, made afresh (never the test suite's)."""

from __future__ import annotations

import os


def prepare_database(name: str) -> None:
    """Drop and create database `name` and point DATABASE_URL at it."""
    import psycopg

    base = os.environ.get("BENCH_ADMIN_DATABASE_URL", "postgresql://arbx:arbx@127.0.0.1:5432/arbx")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + f"/{name}"
