"""Beat schedules in the database (django-celery-beat): editable in the admin and the API,
no redeploy. Beat reloads a changed schedule by itself (django-celery-beat's change marker);
a change through `schedule_update` is validated, audited, and made from the version read: a
schedule's version is its change time in microseconds (the row has no counter of its own), so
an edit made from an older version is refused (409) like any other run-time setting."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from accounts.audit import AuditAction, audit_record, changed
from arbitrage.errors import ArbitrageError, ArbitrageErrorCode
from arbitrage.models import Chain
from arbitrage.services import config_bus

MAX_EVERY_SECONDS = 86_400

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


def schedule_version(task: PeriodicTask) -> int:
    """The schedule's version: its last change, in microseconds since the epoch."""
    return int(task.date_changed.timestamp() * 1_000_000) if task.date_changed else 0


def schedule_state(task: PeriodicTask) -> dict[str, Any]:
    interval = task.interval
    every = interval.every if interval and interval.period == IntervalSchedule.SECONDS else None
    return {"every_seconds": every, "enabled": task.enabled}


@transaction.atomic
def schedule_update(
    *,
    task: PeriodicTask,
    every_seconds: int | None = None,
    enabled: bool | None = None,
    version: int | None = None,
    actor: Any = None,
) -> PeriodicTask:
    """Run a periodic task every `every_seconds`, or switch it on or off."""
    row = PeriodicTask.objects.select_for_update().get(pk=task.pk)
    current = schedule_version(row)
    if version is not None and version != current:
        raise ArbitrageError(
            ArbitrageErrorCode.CONFLICT,
            f"schedule {row.name!r} changed since it was read: read it again and redo the change",
            {"version": current, "expected": version},
        )
    before = schedule_state(row)
    if every_seconds is not None:
        if isinstance(every_seconds, bool) or not 1 <= every_seconds <= MAX_EVERY_SECONDS:
            raise ValidationError(
                {"every_seconds": f"must be from 1 to {MAX_EVERY_SECONDS} seconds"}
            )
        row.interval, _ = IntervalSchedule.objects.get_or_create(
            every=every_seconds, period=IntervalSchedule.SECONDS
        )
        row.crontab = row.solar = row.clocked = None
    if enabled is not None:
        row.enabled = enabled
    old, new = changed(before, schedule_state(row))
    if not new:
        return row
    row.full_clean()
    row.save()
    audit_record(action=AuditAction.CONFIG_UPDATED, actor=actor, target=row, before=old, after=new)
    config_bus.config_changed(what=f"schedule:{row.pk}")
    return row
