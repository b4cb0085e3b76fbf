"""Run-time configuration reaches every process within two seconds, without a restart.

A change (a service of arbitrage/services/) calls `config_changed()` inside its transaction:
the one `ConfigEpoch` row is raised there (F() + 1), and once the transaction commits the new
epoch is published on a Redis channel, with short socket timeouts: a Redis outage never blocks
nor fails the change, the epoch in the database is the fallback.

Each long-running process (a Celery worker's pool process, the watcher's fast lane) runs one
listener thread: it is subscribed to the channel, and once a second it reads the epoch row
itself (in its own database connection), so a lost notification is made good within a second.
Either way it only sets a process-local flag. `refresh()`, called at the top of each task and
of each block of the fast lane, checks that flag and, when set, runs the reset hooks in the
caller's thread: the warm engine and the chain clients are dropped (rebuilt from the rows on
next use) and whatever else registered with `on_change` (the fast lane) reloads. The hot path
costs a flag check and a process id check: no query, no network.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, connections, models, transaction
from django.db.models import F

from accounts.audit import AuditAction, audit_record, changed, snapshot
from arbitrage.errors import ArbitrageError, ArbitrageErrorCode
from arbitrage.models import ConfigEpoch

M = TypeVar("M", bound=models.Model)

logger = logging.getLogger(__name__)

EPOCH_NAME = "runtime"
POLL_SECONDS = 1.0  # the fallback: the epoch row read at most this often
PUBLISH_TIMEOUT = 0.25  # seconds: connect and answer, when publishing a change

_changed = threading.Event()  # set by the listener, cleared by refresh()
_state_lock = threading.Lock()
_known: int | None = None  # the newest epoch the listener has seen (message or row)
_applied: int | None = None  # the epoch the last run of the hooks was for
_resets = 0  # how many times refresh() ran the hooks in this process
_listener_pid: int | None = None
_stop = threading.Event()
_hooks: list[weakref.ref[Any] | Callable[[], Any]] = []
_publish_client: Any = None


def _after_fork() -> None:
    """A forked child (a Celery pool process) has none of its parent's threads: its own lock,
    flag and listener (started by its first `refresh` or `start`)."""
    global _state_lock, _changed, _listener_pid, _publish_client
    _state_lock, _changed = threading.Lock(), threading.Event()
    _listener_pid, _publish_client = None, None


os.register_at_fork(after_in_child=_after_fork)


# --- the change side ------------------------------------------------------------------------


def channel() -> str:
    """One channel per database: processes that share a database share its configuration
    (Redis channels are not scoped by the Redis database number)."""
    name = connections["default"].settings_dict.get("NAME") or "default"
    return f"arbx:config:{name}"


def redis_url() -> str | None:
    """The Redis the notifications go through; none when the broker is not Redis (the demo's
    filesystem broker): the database epoch alone then carries changes."""
    broker = str(getattr(settings, "CELERY_BROKER_URL", ""))
    url = getattr(settings, "REDIS_URL", None)
    if not url or not broker.startswith(("redis://", "rediss://")):
        return None
    return str(url)


def config_changed(*, what: str = "") -> None:
    """Record a run-time configuration change: call inside the change's transaction."""
    with transaction.atomic():
        updated = ConfigEpoch.objects.filter(name=EPOCH_NAME).update(epoch=F("epoch") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    ConfigEpoch.objects.create(name=EPOCH_NAME, epoch=1)
            except IntegrityError:  # made meanwhile by another writer
                ConfigEpoch.objects.filter(name=EPOCH_NAME).update(epoch=F("epoch") + 1)
        epoch = ConfigEpoch.objects.filter(name=EPOCH_NAME).values_list("epoch", flat=True).get()
    transaction.on_commit(lambda: publish(epoch, what))


def publish(epoch: int, what: str = "") -> bool:
    """Tell every listener (after the commit); False when Redis could not be told in time."""
    global _publish_client  # noqa: PLW0603 - one client per process
    url = redis_url()
    if url is None:
        return False
    try:
        import redis

        if _publish_client is None:
            _publish_client = redis.Redis.from_url(
                url, socket_timeout=PUBLISH_TIMEOUT, socket_connect_timeout=PUBLISH_TIMEOUT
            )
        _publish_client.publish(channel(), json.dumps({"epoch": epoch, "what": what[:64]}))
    except Exception as exc:
        logger.warning("configuration epoch %s not published (%s): polled instead", epoch, exc)
        return False
    return True


# --- the listening side ---------------------------------------------------------------------


def on_change(hook: Callable[[], Any]) -> None:
    """Run `hook` (in the thread calling `refresh`) after each configuration change. A bound
    method is held weakly: an object that is gone stops being called."""
    with _state_lock:
        if hasattr(hook, "__self__") and hasattr(hook, "__func__"):
            _hooks.append(weakref.WeakMethod(hook))
        else:
            _hooks.append(hook)


def _default_hooks() -> list[Callable[[], Any]]:
    from arbitrage.chain.registry import clients_reset
    from arbitrage.pipeline.scan import engine_reset

    return [engine_reset, clients_reset]


def _registered() -> list[Callable[[], Any]]:
    alive: list[Callable[[], Any]] = []
    with _state_lock:
        for entry in list(_hooks):
            if isinstance(entry, weakref.WeakMethod):
                method = entry()
                if method is None:
                    _hooks.remove(entry)
                    continue
                alive.append(method)
            else:
                alive.append(entry)
    return alive


def refresh() -> bool:
    """Apply a configuration change heard since the last call: True when the hooks ran.
    Microseconds when nothing changed."""
    global _applied, _resets
    if _listener_pid != os.getpid():
        start()
    if not _changed.is_set():
        return False
    _changed.clear()
    epoch = _known
    for hook in (*_default_hooks(), *_registered()):
        try:
            hook()
        except Exception:
            logger.exception("configuration reset hook %r failed", hook)
    _applied, _resets = epoch, _resets + 1
    logger.info("configuration epoch %s applied in process %s", epoch, os.getpid())
    return True


def state() -> dict[str, Any]:
    """What this process knows: the newest epoch heard, the one applied, resets so far."""
    return {
        "known": _known,
        "applied": _applied,
        "resets": _resets,
        "pending": _changed.is_set(),
        "listening": _listener_pid == os.getpid(),
    }


def _heard(epoch: int | None, *, baseline: bool = False) -> None:
    """An epoch from a message or from the row: a different one than known is a change (the
    first read at start is the baseline the process's caches are built from)."""
    global _known  # noqa: PLW0603 - process-local state
    if epoch is None:
        return  # no row (a test database flushed): nothing to tell
    with _state_lock:
        if epoch == _known:
            return
        _known = epoch
    if not baseline:
        _changed.set()


def _read_epoch() -> int | None:
    """The epoch row, read in the poll thread's own connection (closed again: the listener
    holds no idle connection)."""
    try:
        value: int | None = (
            ConfigEpoch.objects.filter(name=EPOCH_NAME).values_list("epoch", flat=True).first()
        )
        return value
    finally:
        connections["default"].close()


def _poll_loop(ready: threading.Event, stop: threading.Event) -> None:
    try:
        _heard(_read_epoch(), baseline=True)  # what the caches about to be built hold
    except Exception as exc:
        logger.warning("configuration epoch not read at start (%s)", exc)
    ready.set()
    failing = False
    while not stop.wait(POLL_SECONDS):
        try:
            _heard(_read_epoch())
        except Exception as exc:
            # Once per outage, not once a second: the database is down or unreachable.
            (logger.debug if failing else logger.warning)("configuration epoch not read (%s)", exc)
            failing = True
        else:
            failing = False


def _subscribe_loop(stop: threading.Event) -> None:
    import redis

    url = redis_url()
    if url is None:
        return
    backoff = 0.5
    while not stop.is_set():
        client = redis.Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=2.0)
        pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        try:
            pubsub.subscribe(channel())
            backoff = 0.5
            while not stop.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                try:
                    epoch = int(json.loads(message["data"])["epoch"])
                except (ValueError, KeyError, TypeError):
                    continue
                _heard(epoch)
        except Exception as exc:
            logger.warning("configuration channel lost (%s): retrying in %.1f s", exc, backoff)
            stop.wait(backoff)
            backoff = min(backoff * 2, 10.0)
        finally:
            pubsub.close()
            client.close()


def start() -> None:
    """Start this process's listener (idempotent; again in a forked child)."""
    global _listener_pid, _known, _stop  # noqa: PLW0603 - process-local state
    with _state_lock:
        if _listener_pid == os.getpid():
            return
        _listener_pid = os.getpid()
        _known = None
        _stop = stop = threading.Event()
    ready = threading.Event()
    threading.Thread(target=_poll_loop, args=(ready, stop), name="config-poll", daemon=True).start()
    threading.Thread(
        target=_subscribe_loop, args=(stop,), name="config-listen", daemon=True
    ).start()
    ready.wait(2.0)


def stop() -> None:
    """Stop the listener threads of this process (tests)."""
    global _listener_pid  # noqa: PLW0603 - process-local state
    _stop.set()  # the threads end within a second
    with _state_lock:
        _listener_pid = None


# --- versioned changes (the services' one implementation of optimistic locking) -------------


def locked(model: type[M], pk: object, expected_version: int | None) -> M:
    """The row locked for a change (inside the service's transaction), refused when it is no
    longer at the version the caller read: an edit made from an older version never
    overwrites a newer one. ``None`` skips the check (a caller that read nothing, e.g. the
    kill switch engaged in an emergency)."""
    row = model._default_manager.select_for_update().get(pk=pk)
    current = row.version  # type: ignore[attr-defined]
    if expected_version is not None and int(expected_version) != current:
        raise ArbitrageError(
            ArbitrageErrorCode.CONFLICT,
            f"{model._meta.verbose_name} {pk} changed since it was read (version "
            f"{expected_version}, now {current}): read it again and redo the change",
            {"version": current, "expected": int(expected_version)},
        )
    return row


def changed_row(
    row: models.Model,
    before: dict[str, Any],
    *,
    action: AuditAction,
    actor: Any,
    fields: tuple[str, ...] | None = None,
) -> bool:
    """After a row's fields were set and validated: save it with its version raised, audit
    the fields that changed (before and after), and raise the configuration epoch. Does
    nothing when no field changed. Inside the service's transaction."""
    old, new = changed(before, snapshot(row, fields))
    if not new:
        return False
    row.version += 1  # type: ignore[attr-defined]  # the row is locked (see `locked`)
    row.save()
    audit_record(action=action, actor=actor, target=row, before=old, after=new)
    config_changed(what=f"{row._meta.label_lower}:{row.pk}")
    return True
