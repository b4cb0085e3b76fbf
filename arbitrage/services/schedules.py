"""Beat schedules in the database (django-celery-beat): editable in the admin, no redeploy."""

from __future__ import annotations

import json

from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from arbitrage.models import Chain

# The event-driven path (watch_blocks) is the fast one; these are the safety net.
DEFAULT_SCHEDULES = (
    ("sync", "arbitrage.tasks.sync_chain", 5, "sync"),
    ("confirm", "arbitrage.tasks.execute_confirm", 3, "execute"),
    # Every trade in flight compared with the chain; repairs after a crash or a lost task.
    ("reconcile", "arbitrage.tasks.reconcile_chain", 15, "execute"),
)


@transaction.atomic
def schedules_install(*, chain: Chain) -> list[PeriodicTask]:
    tasks = []
    for label, task, seconds, queue in DEFAULT_SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=seconds, period=IntervalSchedule.SECONDS
        )
        periodic, _ = PeriodicTask.objects.update_or_create(
            name=f"{label} chain {chain.chain_id}",
            defaults={
                "task": task,
                "interval": interval,
                "args": json.dumps([chain.chain_id]),
                "queue": queue,
                "enabled": True,
            },
        )
        tasks.append(periodic)
    return tasks
