"""The demo and local development: embedded defaults that need no server.

SQLite and kombu's filesystem transport stand in for PostgreSQL and Redis only so
that the demo runs on a bare machine (DESIGN decision 5); set DATABASE_URL and
REDIS_URL to use the real services.
"""

from __future__ import annotations

from pathlib import Path

from config.env import BASE_DIR, env
from config.settings.base import *  # noqa: F403

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret")
# The personal data keys: ARBX_PII_KEYS and ARBX_PII_INDEX_KEY when set, else derived from the
# key above (development only).
PII_KEYS_FROM_SECRET_KEY = True

RUN_DIR = env.path("ARBX_RUN_DIR", default=str(BASE_DIR / ".run"))

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{RUN_DIR}/demo.sqlite3"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several demo processes write at once: WAL lets readers go on while one writes,
    # IMMEDIATE takes the write lock up front (no lock-upgrade deadlock) and waits for it.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

if "REDIS_URL" not in env.ENVIRON:
    # Every folder of the filesystem broker under the run folder (kombu puts its exchange
    # table in ./control unless told otherwise), made here: kombu makes none of them.
    _broker = {name: Path(RUN_DIR) / "broker" / name for name in ("queue", "processed", "control")}
    for _folder in _broker.values():
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker["queue"]),
        "data_folder_out": str(_broker["queue"]),
        "control_folder": str(_broker["control"]),
        "processed_folder": str(_broker["processed"]),
        "store_processed": False,
        "polling_interval": 0.1,
    }
