"""The block watcher queues one sync (and one confirmation pass) per new block: pushed over
WebSocket by the node, or polled when no WebSocket answers. Real anvil, real Redis broker."""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import cast

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from arbitrage.localnet.anvil import free_port
from arbitrage.management.commands.watch_blocks import ws_heads


def _queued(client: redis.Redis, queue: str) -> list[tuple[str, list[object]]]:
    messages = [json.loads(raw) for raw in client.lrange(queue, 0, -1)]  # type: ignore[union-attr]
    out = []
    for message in reversed(messages):  # kombu pushes on the left
        body = json.loads(base64.b64decode(message["body"]))
        out.append((message["headers"]["task"], body[0]))
    return out


def _watch_while_mining(anvil, **options: object) -> None:
    """Run the watcher until it has seen two blocks, mining one every 50 ms meanwhile."""
    done = threading.Event()

    def mine() -> None:
        while not done.is_set():
            anvil.rpc("evm_mine")
            time.sleep(0.05)

    def watch() -> None:
        try:
            call_command("watch_blocks", chain_id=31337, max_blocks=2, interval=0.01, **options)
        finally:
            connection.close()  # this thread's own database connection

    miner = threading.Thread(target=mine, daemon=True)
    try:
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        time.sleep(0.3)  # let it subscribe before the first block
        miner.start()
        watcher.join(timeout=30)
        assert not watcher.is_alive(), "the watcher did not see two blocks in 30 s"
    finally:
        done.set()


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("sync", "execute")
    yield client
    client.delete("sync", "execute")


@pytest.mark.django_db(transaction=True)
def test_pushed_heads_queue_one_sync_per_block(anvil, local_chain, broker):
    _watch_while_mining(anvil, ws_url=anvil.url.replace("http://", "ws://"))
    queued = _queued(broker, "sync")
    assert [(task, args[0]) for task, args in queued] == [("arbitrage.tasks.sync_chain", 31337)] * 2
    # Each sync carries its block's header as the node pushed it: consecutive blocks.
    headers = [cast(dict[str, str], args[1]) for _, args in queued]
    assert all(isinstance(header, dict) for header in headers)
    assert int(headers[1]["number"], 16) == int(headers[0]["number"], 16) + 1
    assert headers[1]["parentHash"] == headers[0]["hash"]
    assert set(headers[0]) == {"number", "hash", "parentHash", "timestamp", "baseFeePerGas"}
    assert _queued(broker, "execute") == [("arbitrage.tasks.execute_confirm", [31337])] * 2


@pytest.mark.django_db(transaction=True)
def test_without_a_websocket_the_watcher_polls(anvil, local_chain, broker, capsys):
    dead = f"ws://127.0.0.1:{free_port()}"  # nothing listens there
    _watch_while_mining(anvil, ws_url=dead)
    assert _queued(broker, "sync") == [("arbitrage.tasks.sync_chain", [31337])] * 2
    assert "polling meanwhile" in capsys.readouterr().err


def test_ws_heads_yields_each_new_block_header(anvil, fresh_chain):
    heads = ws_heads(anvil.url.replace("http://", "ws://"))
    numbers: list[int] = []
    hashes: list[str] = []

    def collect() -> None:
        for header in heads:
            numbers.append(int(header["number"], 16))
            hashes.append(header["hash"])
            if len(numbers) == 3:
                return

    reader = threading.Thread(target=collect, daemon=True)
    reader.start()
    time.sleep(0.3)
    start = int(anvil.rpc("eth_blockNumber"), 16)
    for _ in range(3):
        anvil.rpc("evm_mine")
    reader.join(timeout=10)
    assert numbers == [start + 1, start + 2, start + 3]
    assert hashes == [anvil.rpc("eth_getBlockByNumber", hex(n), False)["hash"] for n in numbers]
