"""Outages of Redis and PostgreSQL: the product degrades, it does not stop, and loses nothing.

- Redis killed (SIGKILL) and restarted during a burst of executions: every approved trade is
  executed, once (a real Celery worker on a Redis of the test's own).
- Redis frozen (SIGSTOP) for 20 s: /readyz of a real web server answers 503 within a second
  throughout, the watcher's fast lane trades the mispricings of every block on anvil meanwhile,
  and the syncs it could not queue go out when Redis wakes, as the newest block's.
- PostgreSQL cut under a web server (a TCP proxy in front of the shared server closes every
  connection and refuses new ones): the API answers 503 with Retry-After, then recovers.
- An approval through the API with Redis down: 503, the trade stays approved, and the
  reconciler's approved pass executes it once Redis is back.

Every server here binds to 127.0.0.1 and is stopped by the test that started it; the shared
PostgreSQL and Redis are never stopped. Run with `pytest -s` to read the figures.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from django.db import connection
from rest_framework_simplejwt.tokens import AccessToken

from accounts.audit import AuditAction
from accounts.models import AuditEvent
from accounts.roles import Role
from arbitrage.localnet.anvil import free_port
from arbitrage.management.commands.watch_blocks import HEADER_FIELDS, Command
from arbitrage.models import Trade
from arbitrage.pipeline import loop as pipeline
from arbitrage.pipeline.decisions import trade_approve
from core import handoff
from tests.conftest import ROOT
from tests.integration.pipeline_helpers import push_price, twin_pairs
from tests.integration.processes import celery_worker, product_env, stop, wait_for
from tests.personas import make_user

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    # The test settings' SECRET_KEY signs the test JWTs: short on purpose.
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]

FREEZE_SECONDS = float(os.environ.get("ARBX_TEST_FREEZE_SECONDS", "20"))
EXECUTE_TASK = "arbitrage.tasks.execute_trade"
RECONCILE_TASK = "arbitrage.tasks.reconcile_chain"


# --- The test's own servers -------------------------------------------------------------------


class RedisServer:
    """A redis-server of the test's own on a free loopback port (its AOF fsynced on every write
    when `durable`, as a production broker is configured)."""

    def __init__(self, folder: Path, *, durable: bool = False) -> None:
        self.port = free_port()
        self.folder = folder
        self.durable = durable
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def start(self) -> None:
        durability = ["--appendonly", "yes", "--appendfsync", "always"] if self.durable else []
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                *durability,
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(lambda: _pings(self), timeout=10, step=0.05)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # abrupt: no shutdown, no final save
        self.process.wait(timeout=10)

    def freeze(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.thaw()
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _pings(server: RedisServer) -> bool:
    try:
        return bool(server.client().ping())
    except redis.RedisError:
        return False


@pytest.fixture
def own_redis(tmp_path, settings) -> Iterator[RedisServer]:
    """The test's Redis, the broker of this process's producers (the hand-off reads the setting
    on each connection it opens)."""
    server = RedisServer(tmp_path, durable=True)
    server.start()
    settings.CELERY_BROKER_URL = server.url
    yield server
    server.stop()


class CuttableProxy:
    """A TCP proxy on loopback in front of a server; `cut()` closes every connection through it
    and refuses new ones (accepted and closed at once), `restore()` lets them through again."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = int(self.listener.getsockname()[1])
        self.up = True
        self.cuts = 0
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.up = False
        self.cuts += 1
        with self.lock:
            open_sockets, self.sockets = self.sockets, []
        for sock in open_sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()


def _database_url(port: int | None = None) -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{port or db['PORT']}/{db['NAME']}"
    )


def _env(broker: str, **overrides: str) -> dict[str, str]:
    """A product process on `broker`, dry-run unless told otherwise."""
    env = {
        "DATABASE_URL": _database_url(),
        "REDIS_URL": broker,
        "CELERY_BROKER_URL": broker,
        "ARBX_EXECUTION_MODE": "dry_run",
    }
    return product_env(**{**env, **overrides})


@contextmanager
def web_server(env: dict[str, str], log: Path) -> Iterator[str]:
    """The product's WSGI application under gunicorn on a free loopback port; its base URL."""
    port = free_port()
    stderr = log.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "8",
            "--timeout",
            "60",
            "config.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _answers(f"{base}/healthz"), timeout=30, step=0.1)
        yield base
    finally:
        stop(process)
        stderr.close()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def solo_worker(env: dict[str, str], queues: str = "execute,default") -> Iterator[None]:
    name = f"outage-{queues.split(',', maxsplit=1)[0]}@%h"
    process = celery_worker(queues, "-P", "solo", "-n", name, "--without-heartbeat", env=env)
    try:
        yield
    finally:
        stop(process)


def _wait_for(predicate: Any, timeout: float, step: float = 0.25) -> Any:
    return wait_for(predicate, timeout=timeout, step=step)


def _approved_trades(chain: Any, most: int) -> list[int]:
    """The seeded market's opportunities at the head, each approved (a dry run: simulated, never
    sent, so every one of them can be executed)."""
    result = pipeline.pipeline_sync(chain)
    found = pipeline.pipeline_scan(chain, result.changed_pool_ids, result.head)
    assert found, "the seeded market holds arbitrages"
    return [
        trade_approve(opportunity_id=opportunity.pk, mode=Trade.Mode.DRY_RUN).pk
        for opportunity in found[:most]
    ]


def _finished_rows(trade_ids: list[int]) -> dict[int, int]:
    """How many times each trade was finished (its audit rows): 1 is once, 2 a double."""
    counts = dict.fromkeys(trade_ids, 0)
    for target in AuditEvent.objects.filter(
        action=AuditAction.EXECUTION_TRADE_FINISHED,
        target_type="arbitrage.trade",
        target_id__in=[str(t) for t in trade_ids],
    ).values_list("target_id", flat=True):
        counts[int(target)] += 1
    return counts


def _bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {AccessToken.for_user(user)}"}


# --- Redis killed and restarted during a burst ------------------------------------------------


def test_redis_killed_and_restarted_during_a_burst_loses_no_execution(
    local_chain, own_redis, tmp_path
):
    trade_ids = _approved_trades(local_chain, most=24)
    env = _env(own_redis.url, ARBX_RECONCILE_GRACE_SECONDS="0")
    outbox = handoff.outbox()
    with solo_worker(env):
        started = time.monotonic()
        published_now = 0
        down_at = up_at = 0.0
        for index, trade_id in enumerate(trade_ids):
            if index == len(trade_ids) // 3:
                # The worker is consuming (the first trades are executed), then Redis dies.
                _wait_for(
                    lambda: Trade.objects.filter(
                        pk__in=trade_ids, finished_at__isnull=False
                    ).exists(),
                    timeout=30,
                )
                own_redis.kill()
                down_at = time.monotonic()
            if index == 2 * len(trade_ids) // 3:
                time.sleep(max(0.0, 2.0 - (time.monotonic() - down_at)))  # down for 2 s
                own_redis.start()
                up_at = time.monotonic()
            message = handoff.Message(EXECUTE_TASK, (trade_id, local_chain.pk), queue="execute")
            published_now += handoff.send(message, wait=True)
        assert outbox.flush(timeout=15), "the outbox published what it kept"

        def open_trades() -> list[int]:
            return list(
                Trade.objects.filter(pk__in=trade_ids, state=Trade.State.APPROVED).values_list(
                    "pk", flat=True
                )
            )

        with suppress(AssertionError):
            _wait_for(lambda: not open_trades(), timeout=25, step=0.5)
        left_to_reconciler = open_trades()
        if left_to_reconciler:
            # What the broker lost (a message taken from its list the moment it died): the
            # reconciler's approved pass, as beat runs it, executes the trade.
            handoff.publish(RECONCILE_TASK, [local_chain.chain_id], queue="execute")
            _wait_for(lambda: not open_trades(), timeout=20, step=0.5)
        recovered = time.monotonic() - up_at
    finished = _finished_rows(trade_ids)
    doubles = sum(1 for count in finished.values() if count > 1)
    lost = sum(1 for count in finished.values() if count == 0)
    print(
        f"\nredis killed during a burst: {len(trade_ids)} approved, "
        f"{sum(1 for c in finished.values() if c)} executed, lost {lost}, doubles {doubles}; "
        f"published at once {published_now}, kept by the outbox {outbox.stats.failures} failures, "
        f"executed by the reconciler {len(left_to_reconciler)}; redis down "
        f"{up_at - down_at:.1f} s, all executed {recovered:.1f} s after it came back, "
        f"burst to end {time.monotonic() - started:.1f} s"
    )
    assert lost == 0
    assert doubles == 0
    assert not Trade.objects.filter(pk__in=trade_ids, state=Trade.State.APPROVED).exists()


# --- Redis frozen for 20 s --------------------------------------------------------------------


def _header(anvil: Any, number: int) -> dict[str, str]:
    block = anvil.rpc("eth_getBlockByNumber", hex(number), False)
    return {key: block[key] for key in HEADER_FIELDS if key in block}


def _watcher(chain: Any, client: Any, lane: Any) -> Command:
    """The block watcher as `handle` sets it up, around the test's fast lane."""
    command = Command()
    command.chain = chain
    command.client = client
    command.last = -1
    command.seen = 0
    command.max_blocks = 0
    command.fast_lane = lane
    return command


def _queued_syncs(server: RedisServer) -> list[list[Any]]:
    raw = server.client().lrange("sync", 0, -1)
    out = []
    for message in reversed(raw):  # kombu pushes on the left
        body = json.loads(base64.b64decode(json.loads(message)["body"]))
        out.append(body[0])
    return out


def test_redis_frozen_the_lane_trades_on_and_readyz_answers_503_within_a_second(
    lane, local_chain, market, client, trader, anvil, own_redis, tmp_path
):
    watcher = _watcher(local_chain, client, lane)
    outbox = handoff.outbox()
    coalesced_before = outbox.stats.coalesced
    with web_server(_env(own_redis.url), tmp_path / "web.log") as base:
        ready = requests.get(f"{base}/readyz", timeout=5)
        assert ready.status_code == 200, ready.text
        answers: list[tuple[int, float, list[str], str]] = []
        stop = threading.Event()

        def poll_readyz() -> None:
            while not stop.is_set():
                started = time.monotonic()
                response = requests.get(f"{base}/readyz", timeout=10)
                seconds = time.monotonic() - started
                failing = response.json().get("failing", [])
                answers.append(
                    (response.status_code, seconds, failing, response.headers.get("Retry-After"))
                )
                time.sleep(0.5)

        first, _ = twin_pairs(market)
        heard = client.block_number()
        start_block = heard
        longest_head = 0.0
        first_half = 0  # the lane's trades in the first half of the freeze
        heads = 0
        own_redis.freeze()
        frozen_at = time.monotonic()
        poller = threading.Thread(target=poll_readyz, daemon=True)
        poller.start()
        try:
            while time.monotonic() - frozen_at < FREEZE_SECONDS:
                if not first_half and time.monotonic() - frozen_at > FREEZE_SECONDS / 2:
                    first_half = Trade.objects.filter(
                        opportunity__block_number__gt=start_block
                    ).count()
                push_price(trader, market, client, first, bps=300)  # a mispricing per round
                # Every block in order, the lane's own trades' blocks included (as the node
                # pushes them to the watcher).
                while heard < client.block_number():
                    heard += 1
                    started = time.monotonic()
                    watcher.on_head(heard, _header(anvil, heard))
                    longest_head = max(longest_head, time.monotonic() - started)
                    heads += 1
        finally:
            stop.set()
            poller.join(timeout=15)
            own_redis.thaw()
        thawed_at = time.monotonic()
        flushed = outbox.flush(timeout=10)
        published_after = time.monotonic() - thawed_at
    frozen_for = thawed_at - frozen_at
    trades = list(
        Trade.objects.filter(
            opportunity__block_number__gt=start_block, tx_hash__isnull=False
        ).values_list("tx_hash", flat=True)
    )
    mined = [h for h in trades if (r := client.receipt(h)) is not None and int(r["status"]) == 1]
    coalesced = outbox.stats.coalesced - coalesced_before
    syncs = _queued_syncs(own_redis)
    times = [seconds for _, seconds, _, _ in answers]
    print(
        f"\nredis frozen {frozen_for:.1f} s: {heads} heads heard (longest on_head "
        f"{longest_head * 1000:.0f} ms), {len(trades)} fast-lane trades sent "
        f"({first_half} in the first half), {len(mined)} mined; "
        f"readyz {len(answers)} answers {sorted({s for s, *_ in answers})}, "
        f"slowest {max(times, default=0):.3f} s, median {sorted(times)[len(times) // 2]:.3f} s; "
        f"outbox: {coalesced} coalesced, {outbox.stats.failures} failed publishes, "
        f"published {published_after:.2f} s after the thaw, {len(syncs)} syncs queued"
    )
    assert answers, "readyz was asked while Redis was frozen"
    assert all(status == 503 and failing == ["broker"] for status, _, failing, _ in answers)
    assert all(retry == "1" for *_, retry in answers)
    assert max(times) < 1.0
    assert len(mined) > 0, "the fast lane traded during the freeze"
    assert 0 < first_half < len(trades), "it traded throughout the freeze"
    assert longest_head < 1.0, "the watcher never waits on the broker"
    assert flushed
    # The syncs it could not queue went out as the newest block's (a sync reads from the last
    # synced block): a handful, not one per block.
    assert syncs
    assert syncs[-1][0] == local_chain.chain_id
    assert int(syncs[-1][1]["number"], 16) == heard
    assert len(syncs) < heads
    assert coalesced > 0


# --- PostgreSQL cut under the web server --------------------------------------------------------


def test_postgresql_cut_answers_503_with_retry_after_then_recovers(transactional_db, tmp_path):
    user = make_user("otto", Role.OPERATOR)
    proxy = CuttableProxy(int(connection.settings_dict["PORT"] or 5432))
    env = _env("redis://127.0.0.1:6379/3", DATABASE_URL=_database_url(proxy.port))
    try:
        with web_server(env, tmp_path / "web.log") as base:
            headers = _bearer(user)
            assert requests.get(f"{base}/api/v1/trades/", headers=headers, timeout=10).ok
            proxy.cut()
            cut_at = time.monotonic()
            during = [
                requests.get(f"{base}/api/v1/trades/", headers=headers, timeout=10)
                for _ in range(3)
            ]
            started = time.monotonic()
            ready = requests.get(f"{base}/readyz", timeout=10)
            ready_seconds = time.monotonic() - started
            proxy.restore()
            restored_at = time.monotonic()
            _wait_for(
                lambda: requests.get(f"{base}/api/v1/trades/", headers=headers, timeout=10).ok,
                timeout=15,
                step=0.1,
            )
            recovered = time.monotonic() - restored_at
    finally:
        cuts = proxy.cuts
        proxy.close()
    statuses = [r.status_code for r in during]
    print(
        f"\npostgresql cut ({cuts} cut, {restored_at - cut_at:.2f} s): API answers "
        f"{statuses}, readyz {ready.status_code} in {ready_seconds:.3f} s; recovered "
        f"{recovered:.2f} s after the restore"
    )
    assert statuses == [503, 503, 503]
    for response in during:
        assert response.headers["Retry-After"] == "5"
        body = response.json()
        assert set(body) == {"code", "message", "detail"}
        assert body["code"] == "database_unavailable"
    assert (ready.status_code, ready.json()["failing"]) == (503, ["database"])
    assert ready_seconds < 1.0
    assert recovered < 10


# --- An approval through the API with Redis down ------------------------------------------------


def test_an_approval_with_redis_down_answers_503_and_is_executed_once_it_is_back(
    local_chain, own_redis, tmp_path
):
    result = pipeline.pipeline_sync(local_chain)
    found = pipeline.pipeline_scan(local_chain, result.changed_pool_ids, result.head)
    opportunity = found[0]
    user = make_user("otto", Role.OPERATOR)
    env = _env(own_redis.url, ARBX_RECONCILE_GRACE_SECONDS="0")
    with web_server(env, tmp_path / "web.log") as base:
        own_redis.kill()
        down_at = time.monotonic()
        started = time.monotonic()
        response = requests.post(
            f"{base}/api/v1/opportunities/{opportunity.pk}/execute/",
            headers=_bearer(user),
            timeout=10,
        )
        answered = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"
    assert response.json()["code"] == "broker_unavailable"
    trade = Trade.objects.get(opportunity=opportunity)
    assert trade.state == Trade.State.APPROVED
    own_redis.start()
    up_at = time.monotonic()
    with solo_worker(env):
        # Beat's reconcile pass (every 15 s in production): the approved trade has waited past
        # the grace period, and is executed at the head.
        handoff.publish(RECONCILE_TASK, [local_chain.chain_id], queue="execute")
        _wait_for(
            lambda: Trade.objects.get(pk=trade.pk).state != Trade.State.APPROVED,
            timeout=30,
            step=0.25,
        )
        executed = time.monotonic() - up_at
    trade.refresh_from_db()
    finished = _finished_rows([trade.pk])[trade.pk]
    print(
        f"\napproval with redis down: {response.status_code} in {answered:.3f} s "
        f"(redis down {up_at - down_at:.1f} s); executed by the reconciler {executed:.1f} s "
        f"after redis came back ({trade.state}, finished {finished} time)"
    )
    assert trade.finished_at is not None
    assert finished == 1
