"""The one hand-off to the broker: every producer of the product queues its tasks through here.

Celery's own `apply_async` waits on a broker that accepts TCP but never answers (a Redis frozen
by SIGSTOP, a half-open connection): its connections have no socket timeout and it retries for
as long as its policy allows. Here a publish goes over this process's own broker connection,
opened with a short connect and socket timeout (`PUBLISH_TIMEOUT_SECONDS`), and is tried once:
it succeeds within that time or raises `HandoffError`.

What a producer does with a publish that could not be made:

- `publish` (the API's approval): raises `HandoffError`; the caller records it and answers 503.
  The trade stays APPROVED, and the reconciler's approved pass executes (or expires) it.
- `send(..., wait=True)` (the tasks' hand-ons): tried now; on failure the message is kept in the
  process's outbox, published again by the outbox's thread when the broker answers.
- `send(..., wait=False)` (the block watcher): never waits. The message goes to the outbox and
  its thread publishes it, so the watcher's loop (and its fast lane) runs on whatever the broker
  does. While the broker is down, a message with a `key` replaces the older one of that key still
  waiting: a chain's sync waits as the newest block's only (a sync reads from the last synced
  block, so the newest covers the others).

A publish that timed out may still have reached the broker (a frozen Redis reads its socket when
it wakes): queued again, a task may then run twice. Every task queued through here is idempotent
(each step checks the state it expects under a row lock), so the hand-off is at-least-once.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from kombu import Connection
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# How long one publish may take, connecting included.
PUBLISH_TIMEOUT_SECONDS = 0.5
# The outbox's bound: past it the oldest message is dropped (and counted). Keyed messages
# coalesce while the broker is down, so a watcher holds about two per chain.
OUTBOX_LIMIT = 1000
# The outbox thread's wait between failed publishes: doubles from the first to the last.
RETRY_FIRST_SECONDS = 0.2
RETRY_LAST_SECONDS = 1.0


class HandoffError(OperationalError):
    """The broker did not take a message within the hand-off's timeout (a broker outage: the
    API answers it with 503, see core/api/errors.py)."""

    def __init__(self, task: str, cause: BaseException) -> None:
        super().__init__(f"could not queue {task}: broker unavailable ({type(cause).__name__})")
        self.task = task
        self.cause = type(cause).__name__


@dataclass(frozen=True)
class Message:
    """A task message: the task's name, its arguments (ids and public chain facts, never
    secrets), its queue; `key` coalesces it with a waiting message of the same key."""

    task: str
    args: Sequence[Any]
    queue: str
    countdown: float | None = None
    key: Hashable | None = None


def _transport_options() -> dict[str, Any]:
    options = dict(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {})
    options.update(
        socket_timeout=PUBLISH_TIMEOUT_SECONDS,
        socket_connect_timeout=PUBLISH_TIMEOUT_SECONDS,
        max_retries=0,
    )
    return options


class _Publisher:
    """One broker connection and producer per thread (kombu's are not thread-safe), opened with
    the hand-off's timeouts; dropped after any failure and opened again on the next publish."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _producer(self) -> Any:
        local = self._local
        url = settings.CELERY_BROKER_URL
        if getattr(local, "key", None) != (os.getpid(), url):  # a forked child opens its own
            local.key, local.connection, local.producer = (os.getpid(), url), None, None
        if local.producer is None:
            local.connection = Connection(
                url,
                transport_options=_transport_options(),
                connect_timeout=PUBLISH_TIMEOUT_SECONDS,
            )
            local.producer = local.connection.Producer()
        return local.producer

    def drop(self) -> None:
        """Forget this thread's connection without talking to the broker (it may be hung)."""
        local = self._local
        connection = getattr(local, "connection", None)
        local.connection = local.producer = None
        if connection is not None:
            try:
                connection.collect(socket_timeout=0.1)
            except Exception:
                logger.debug("hand-off: collecting a broken connection failed", exc_info=True)

    def publish(self, message: Message) -> None:
        from config.celery_app import app

        started = time.monotonic()
        try:
            app.send_task(
                message.task,
                args=list(message.args),
                queue=message.queue,
                countdown=message.countdown,
                producer=self._producer(),
                retry=False,
            )
        except Exception as exc:
            self.drop()
            waited = time.monotonic() - started
            logger.warning(
                "hand-off: %s not queued on %s after %.2f s: %s",
                message.task,
                message.queue,
                waited,
                type(exc).__name__,
            )
            raise HandoffError(message.task, exc) from exc


_publisher = _Publisher()


def publish(task: str, args: Sequence[Any], *, queue: str, countdown: float | None = None) -> None:
    """Publish now, within the hand-off's timeout, or raise `HandoffError`."""
    _publisher.publish(Message(task=task, args=args, queue=queue, countdown=countdown))


@dataclass
class OutboxStats:
    queued: int = 0  # messages put in the outbox
    published: int = 0  # of them, published by its thread
    failures: int = 0  # publishes that failed (and were tried again)
    coalesced: int = 0  # replaced by a newer message of the same key
    dropped: int = 0  # past the bound
    down_since: float | None = None  # monotonic time of the first failure of an outage
    outages: list[float] = field(default_factory=list)  # each outage's length, seconds


class Outbox:
    """Messages waiting for the broker, in order, published by one daemon thread."""

    def __init__(self, limit: int = OUTBOX_LIMIT) -> None:
        self.limit = limit
        self.stats = OutboxStats()
        self._messages: OrderedDict[Hashable, Message] = OrderedDict()
        self._serial = itertools.count()
        self._lock = threading.Condition()
        self._busy = False  # the thread holds a message it is publishing
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    @property
    def broker_down(self) -> bool:
        return self.stats.down_since is not None

    def pending(self) -> int:
        with self._lock:
            return len(self._messages) + int(self._busy)

    def put(self, message: Message) -> None:
        """Keep the message for the thread to publish; never waits on the broker."""
        with self._lock:
            self._ensure_thread()
            slot: Hashable = ("once", next(self._serial))
            if message.key is not None and self.broker_down:
                slot = ("key", message.key)
                # The older messages of the key, queued before or during the outage, give way
                # to the newest, which goes last (in the order of arrival).
                older = [k for k, m in self._messages.items() if m.key == message.key]
                for key in older:
                    del self._messages[key]
                self.stats.coalesced += len(older)
            self._messages[slot] = message
            self.stats.queued += 1
            while len(self._messages) > self.limit:
                _, lost = self._messages.popitem(last=False)
                self.stats.dropped += 1
                logger.error("hand-off: outbox full, %s on %s dropped", lost.task, lost.queue)
            self._lock.notify()

    def flush(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for every message to be published; whether they were."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._messages or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(min(left, 0.05))
        return True

    def _ensure_thread(self) -> None:
        if self._pid != os.getpid():  # a forked child: the parent's thread is not here
            self._pid, self._thread = os.getpid(), None
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="broker-handoff", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        wait = RETRY_FIRST_SECONDS
        while True:
            with self._lock:
                while not self._messages:
                    self._lock.wait()
                slot, message = next(iter(self._messages.items()))
                del self._messages[slot]
                self._busy = True
            try:
                _publisher.publish(message)
            except HandoffError:
                with self._lock:
                    self._busy = False
                    self.stats.failures += 1
                    if self.stats.down_since is None:
                        self.stats.down_since = time.monotonic()
                    replaced = message.key is not None and any(
                        m.key == message.key for m in self._messages.values()
                    )
                    if not replaced:  # not replaced by a newer one meanwhile: first in line
                        self._messages[slot] = message
                        self._messages.move_to_end(slot, last=False)
                    else:
                        self.stats.coalesced += 1
                    self._lock.notify_all()
                time.sleep(wait)
                wait = min(wait * 2, RETRY_LAST_SECONDS)
                continue
            with self._lock:
                self._busy = False
                self.stats.published += 1
                if self.stats.down_since is not None:
                    outage = time.monotonic() - self.stats.down_since
                    self.stats.outages.append(outage)
                    self.stats.down_since = None
                    logger.warning("hand-off: broker back after %.1f s", outage)
                self._lock.notify_all()
            wait = RETRY_FIRST_SECONDS


_outbox = Outbox()


def outbox() -> Outbox:
    """This process's outbox."""
    return _outbox


def send(message: Message, *, wait: bool) -> bool:
    """Queue a task message. With `wait`, published now (within the hand-off's timeout) when
    the broker answers and nothing waits before it; else, or when that fails, kept in the
    outbox for its thread. Whether it was published now."""
    if wait and not _outbox.broker_down and _outbox.pending() == 0:
        try:
            _publisher.publish(message)
        except HandoffError:
            pass
        else:
            return True
    _outbox.put(message)
    return False
