"""The test suite: real PostgreSQL and Redis (started by `make test`)."""

from __future__ import annotations

from config.env import env
from config.settings.base import *  # noqa: F403

SECRET_KEY = "test-only-not-a-secret"  # noqa: S105
PII_KEYS_FROM_SECRET_KEY = True
DEBUG = False

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://arbx:arbx@127.0.0.1:5432/arbx"),
}
# Workers keep their connection: a new PostgreSQL connection per task costs ~10 ms.
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A hung PostgreSQL fails a new connection in seconds (503), not after the kernel's timeout.
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5  # type: ignore[index]

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/15")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOG_FORMAT = "plain"
LOGGING["handlers"]["console"]["formatter"] = "plain"  # type: ignore[index]  # noqa: F405
