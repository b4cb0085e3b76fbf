"""Celery: Redis broker from REDIS_URL, a queue per stage (bulkheads), schedules in the database.

Each choice and its reason: docs/resilience.md.
"""

from __future__ import annotations

from kombu import Queue

from config.env import env

REDIS_URL: str = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

CELERY_BROKER_URL: str = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# A message taken by a worker that dies without acknowledging it (acks_late) goes back to its
# queue after this many seconds (Redis's default is an hour). It must exceed the longest task's
# hard time limit (150 s, the sync's: arbitrage/tasks.py), or a task still running would be
# handed to a second worker; the tasks that acknowledge late are idempotent all the same.
# The socket timeouts bound every synchronous command of a worker (an acknowledgement, a
# publish) on a broker that accepts connections and never answers; the workers' BRPOP runs in
# their event loop, which kombu's health checks watch instead. The product's own producers
# publish through core/handoff.py with shorter ones.
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=5.0),
    "socket_connect_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=5.0),
    "health_check_interval": 10,
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
# Early acknowledgement unless a task says otherwise: only an idempotent task may run twice, so
# only those acknowledge late and go back to the queue when their worker is lost (each sets
# acks_late and reject_on_worker_lost itself: arbitrage/tasks.py, compliance/tasks.py).
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = False
# A publish that fails is not retried for ever (Celery's default: three times, up to a second
# apart): the product's own producers go through the bounded hand-off anyway.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that loses the broker keeps reconnecting for as long as the outage lasts (Celery's
# default gives up after 100 attempts and the worker exits). A task it is running when the
# connection drops runs to its end: its steps are idempotent, and its message, unacknowledged,
# comes back once the visibility timeout has passed and finds the state moved on.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Enqueue on commit: no setting does it; each producer queues after the rows its task reads
# have committed (transaction.on_commit for an approval, after approve()'s own transactions for
# the scan's executions; see docs/resilience.md).
# Keep each worker's database connection between tasks (Celery's Django fix-up otherwise closes
# it before and after every task: a new PostgreSQL connection and authentication, about 8 ms,
# three times on the path from a block to its trade). Django's own CONN_MAX_AGE and health
# checks then apply, through close_old_connections before each task (config/celery_app.py).
CELERY_DB_REUSE_MAX = 1_000_000
