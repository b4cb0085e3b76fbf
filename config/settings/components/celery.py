"""Celery: Redis broker from REDIS_URL, a queue per stage (bulkheads), schedules in the database."""

from __future__ import annotations

from kombu import Queue

from config.env import env

REDIS_URL: str = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

CELERY_BROKER_URL: str = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# A message taken by a worker that dies without acknowledging it (acks_late) goes back to its
# queue after this many seconds (Redis's default is an hour). Every task is idempotent (each
# step checks the state it expects under a row lock), so a redelivery of a task that is still
# running does no harm.
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300)
}
CELERY_RESULT_BACKEND: str | None = None
CELERY_TASK_QUEUES = (
    Queue("default"),
    Queue("sync"),
    Queue("scan"),
    Queue("execute"),
)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "arbitrage.tasks.sync_*": {"queue": "sync"},
    "arbitrage.tasks.scan_*": {"queue": "scan"},
    "arbitrage.tasks.execute_*": {"queue": "execute"},
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Keep each worker's database connection between tasks (Celery's Django fix-up otherwise closes
# it before and after every task: a new PostgreSQL connection and authentication, about 8 ms,
# three times on the path from a block to its trade). Django's own CONN_MAX_AGE and health
# checks then apply, through close_old_connections before each task (config/celery_app.py).
CELERY_DB_REUSE_MAX = 1_000_000
