"""Calls to the node under faults: a fault proxy (tests/faults/proxy.py) in front of anvil.

Retries of reads (5xx, truncated JSON, timeouts), answers not retried (a revert), the circuit
breaker opening and failing over to a second endpoint, recovery by itself once the node is
healthy, sends whose answer is lost looked up by hash (never sent twice), and no trade on a
node whose head lags the other endpoints.
"""

from __future__ import annotations

import threading
import time

import pytest
from eth_account import Account

from arbitrage.chain.client import ChainClient, ChainRpcError
from arbitrage.chain.registry import client_for_chain, clients_reset
from arbitrage.chain.resilience import ReconnectBackoff, RpcPolicy
from arbitrage.localnet.anvil import DEV_ACCOUNTS, DEV_KEYS
from arbitrage.models import Trade
from arbitrage.pipeline import loop as pipeline
from tests.faults.proxy import (
    FaultProxy,
    delay,
    drop_response,
    http_status,
    slow,
    stale,
    truncated,
)
from tests.integration.pipeline_helpers import approved_trade_for_a_mispricing
from tests.integration.processes import wait_for

FAST = RpcPolicy(attempts=3, backoff=0.02, backoff_max=0.1, breaker_failures=3, breaker_reset=1.0)


@pytest.fixture
def proxy(anvil):
    with FaultProxy(anvil.url) as node:
        yield node


@pytest.fixture
def second(anvil):
    with FaultProxy(anvil.url) as node:
        yield node


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "fault",
    [http_status(503, times=2), http_status(429, times=2), truncated(times=2), delay(1.0, times=2)],
    ids=["http-503", "http-429", "truncated-json", "timeout"],
)
def test_a_read_is_retried_through_transient_faults(anvil, proxy, fault):
    client = ChainClient(proxy.url, timeout=0.3, policy=FAST)
    expected = ChainClient(anvil.url).block_number()
    proxy.fault = fault
    started = time.monotonic()
    assert client.block_number() == expected
    took = time.monotonic() - started
    print(
        f"\n[rpc] fault {fault.kind}: injected {proxy.injected}, retries {client.stats.retries},"
        f" answered in {took:.3f} s"
    )
    assert proxy.injected == 2
    assert client.stats.retries == 2
    assert proxy.requests["eth_blockNumber"] == 3


@pytest.mark.timeout(30)
def test_a_slow_answer_within_the_timeout_is_waited_for_not_retried(proxy):
    client = ChainClient(proxy.url, timeout=1.0, policy=FAST)
    proxy.fault = slow(0.3)
    started = time.monotonic()
    client.block_number()
    took = time.monotonic() - started
    print(f"\n[rpc] slow answer: {took:.3f} s, retries {client.stats.retries}")
    assert took >= 0.3
    assert client.stats.retries == 0
    assert proxy.requests["eth_blockNumber"] == 1


def test_the_reconnect_backoff_grows_is_capped_and_resets_after_a_healthy_connection():
    backoff = ReconnectBackoff(first=0.1, cap=1.0, healthy=30.0)
    pauses = [backoff.next(lasted=0.5) for _ in range(8)]
    assert all(0.1 <= p <= 1.0 for p in pauses)
    assert pauses[-1] == 1.0  # capped
    assert pauses[0] < 0.25  # first, with at most its own jitter
    assert backoff.next(lasted=31.0) < 0.25  # a healthy connection starts it over


@pytest.mark.timeout(30)
def test_a_fault_that_outlasts_the_retries_is_a_transient_error(proxy):
    client = ChainClient(proxy.url, timeout=0.3, policy=FAST)
    proxy.fault = http_status(503)
    with pytest.raises(ChainRpcError, match="HTTP 503") as raised:
        client.block_number()
    assert raised.value.transient
    assert proxy.requests["eth_blockNumber"] == FAST.attempts


@pytest.mark.timeout(30)
def test_an_answer_is_not_retried(market, proxy):
    """A revert is the node's answer, not a fault: one request, no retry."""
    client = ChainClient(proxy.url, timeout=2, policy=FAST)
    with pytest.raises(Exception, match="revert"):
        client.call({"to": market.executor, "data": "0xdeadbeef"})
    assert proxy.requests["eth_call"] == 1
    assert client.stats.retries == 0


@pytest.mark.timeout(45)
def test_the_breaker_opens_fails_over_and_closes_again_by_itself(anvil, proxy, second):
    """The first endpoint hangs: each call fails over to the second; after
    `breaker_failures` failures its circuit opens and calls stop reaching it; once it is
    healthy again the half-open trial closes the circuit and calls go back to it."""
    client = ChainClient([proxy.url, second.url], timeout=0.3, policy=FAST)
    expected = ChainClient(anvil.url).block_number()
    proxy.fault = delay(2.0)
    started = time.monotonic()
    assert client.block_number() == expected
    failover = time.monotonic() - started
    assert client.url == second.url
    for _ in range(FAST.breaker_failures - 1):
        client.block_number()
    bad = client.endpoints[0].health
    assert bad.state == "open"
    seen = proxy.posts
    fast = time.monotonic()
    for _ in range(20):
        assert client.block_number() == expected
    open_calls = (time.monotonic() - fast) / 20
    assert proxy.posts == seen, "an open circuit still let calls through"
    proxy.fault = None
    healed = time.monotonic()
    while client.url != proxy.url:
        assert time.monotonic() - healed < 5, "the circuit never closed again"
        client.block_number()
        time.sleep(0.05)
    recovered = time.monotonic() - healed
    assert bad.state == "closed"
    print(
        f"\n[rpc] breaker: faults injected {proxy.injected}, retries {client.stats.retries},"
        f" failovers {client.stats.failovers}, time to fail over {failover:.3f} s, call with"
        f" the circuit open {open_calls * 1000:.2f} ms, time to recover {recovered:.3f} s"
        f" (reset {FAST.breaker_reset} s)"
    )
    assert failover < 1.0
    assert client.stats.failovers >= FAST.breaker_failures


def _signed_transfer(client: ChainClient, key: str, sender: str) -> tuple[bytes, int]:
    nonce = client.transaction_count(sender, "pending")
    head = client.block("latest")
    tx = {
        "type": 2,
        "chainId": 31337,
        "nonce": nonce,
        "to": DEV_ACCOUNTS[0],
        "value": 12345,
        "gas": 21000,
        "maxPriorityFeePerGas": 10**9,
        "maxFeePerGas": 2 * head.base_fee_per_gas + 10**9,
    }
    return bytes(Account.sign_transaction(tx, key).raw_transaction), nonce


@pytest.mark.timeout(30)
def test_a_send_whose_answer_is_lost_is_found_by_hash_and_not_sent_again(fresh_chain, anvil, proxy):
    direct = ChainClient(anvil.url)
    sender = DEV_ACCOUNTS[2]
    raw, nonce = _signed_transfer(direct, DEV_KEYS[2], sender)
    client = ChainClient(proxy.url, timeout=1, policy=FAST)
    proxy.fault = drop_response(methods={"eth_sendRawTransaction"}, times=1)
    tx_hash = client.send_raw_transaction(raw)
    print(
        f"\n[rpc] lost send answer: injected {proxy.injected}, lookups"
        f" {client.stats.send_lookups}, resends {client.stats.resends},"
        f" sends {proxy.requests['eth_sendRawTransaction']}"
    )
    assert proxy.requests["eth_sendRawTransaction"] == 1
    assert client.stats.send_lookups == 1
    assert client.stats.resends == 0
    receipt = direct.receipt(tx_hash)
    assert receipt is not None
    assert receipt["status"] == 1
    assert direct.transaction_count(sender, "latest") == nonce + 1


@pytest.mark.timeout(30)
def test_a_send_that_never_reached_the_node_goes_once_more_to_the_next_endpoint(
    fresh_chain, anvil, proxy, second
):
    direct = ChainClient(anvil.url)
    sender = DEV_ACCOUNTS[2]
    raw, nonce = _signed_transfer(direct, DEV_KEYS[2], sender)
    client = ChainClient([proxy.url, second.url], timeout=0.3, policy=FAST)
    proxy.fault = delay(1.0, methods={"eth_sendRawTransaction"})  # never forwarded
    tx_hash = client.send_raw_transaction(raw)
    print(
        f"\n[rpc] send lost on the way: lookups {client.stats.send_lookups}, resends"
        f" {client.stats.resends} (to {client.url})"
    )
    assert client.stats.send_lookups == 1
    assert client.stats.resends == 1
    assert second.requests["eth_sendRawTransaction"] == 1
    # anvil's automine mines a moment after it takes the transaction, not always at once.
    assert wait_for(lambda: direct.receipt(tx_hash), timeout=10, step=0.05) is not None
    assert direct.transaction_count(sender, "latest") == nonce + 1
    # The same bytes again (a retry by a caller): known, not a second transaction.
    assert client.send_raw_transaction(raw) == tx_hash
    assert direct.transaction_count(sender, "latest") == nonce + 1


@pytest.mark.timeout(50)
def test_no_trade_on_a_lagging_node_and_the_healthy_one_is_preferred(
    local_chain, market, client, trader, live, anvil, proxy, second, settings
):
    settings.ARBX_RPC_BREAKER_RESET = 1.0
    trade_id = approved_trade_for_a_mispricing(local_chain, market, client, trader)
    local_chain.rpc_urls = [proxy.url, second.url]
    local_chain.save(update_fields=["rpc_urls"])
    clients_reset()
    head = client.block_number()
    proxy.fault = stale(head - 5)  # the first endpoint is stuck 5 blocks back
    chain_client = client_for_chain(local_chain)
    heads = chain_client.probe_heads()
    assert heads == {proxy.url: head - 5, second.url: head}
    nonce = client.transaction_count(DEV_ACCOUNTS[0], "latest")
    trade = pipeline.pipeline_execute(local_chain, trade_id)
    print(f"\n[rpc] lagging node: trade {trade.state}: {trade.error}")
    assert trade.state == Trade.State.REJECTED
    assert "lagging node" in trade.error
    assert f"its head {head - 5} is 5 blocks behind" in trade.error
    assert client.transaction_count(DEV_ACCOUNTS[0], "latest") == nonce  # nothing sent
    # The lagging endpoint is passed over from now on: reads go to the healthy one.
    assert chain_client.block_number() == head
    assert chain_client.url == second.url
    clients_reset()


@pytest.mark.timeout(40)
def test_the_watcher_reconnects_to_the_next_websocket_and_fills_the_blocks_it_missed(
    anvil, fresh_chain, proxy, second, monkeypatch
):
    """The first WebSocket drops (and then refuses), HTTP polling fails too meanwhile: the
    watcher tries the second WebSocket after a backoff, and the blocks mined while it saw no
    head are handed on before the first pushed one, each number once, in order."""
    from arbitrage.management.commands import watch_blocks

    monkeypatch.setattr(watch_blocks, "WS_RETRY_FIRST", 0.1)
    monkeypatch.setattr(watch_blocks, "WS_RETRY_MAX", 0.5)
    handled: list[tuple[int, bool]] = []
    command = watch_blocks.Command()
    command.client = ChainClient(proxy.url, timeout=0.3, policy=FAST)
    command.last, command.seen, command.max_blocks = -1, 0, 8

    def on_head(head: int, header: dict[str, str] | None = None) -> None:
        handled.append((head, header is not None))
        command.last, command.seen = head, command.seen + 1

    monkeypatch.setattr(command, "on_head", on_head)
    monkeypatch.setattr(command, "stderr", _Lines())
    watcher = threading.Thread(
        target=command.watch_pushed, args=([proxy.ws_url, second.ws_url], 0.02), daemon=True
    )
    watcher.start()
    _until(lambda: proxy.ws_connections == 1)
    time.sleep(0.2)  # subscribed
    start = int(anvil.rpc("eth_blockNumber"), 16)
    for _ in range(3):
        anvil.rpc("evm_mine")
    _until(lambda: len(handled) == 3)
    proxy.ws_refuse = True
    proxy.fault = http_status(503)  # no polling either: the blocks below are missed
    dropped = time.monotonic()
    assert proxy.drop_ws() == 1
    for _ in range(4):
        anvil.rpc("evm_mine")
    _until(lambda: second.ws_connections == 1)
    time.sleep(0.2)  # subscribed
    anvil.rpc("evm_mine")
    watcher.join(timeout=10)
    assert not watcher.is_alive()
    reconnected = time.monotonic() - dropped
    print(
        f"\n[rpc] websocket dropped: reconnected to the second endpoint and caught up in"
        f" {reconnected:.2f} s; handled {[n - start for n, _ in handled]} (pushed"
        f" {[n - start for n, pushed in handled if pushed]})"
    )
    assert [n for n, _ in handled] == list(range(start + 1, start + 9))
    assert [pushed for _, pushed in handled] == [True] * 3 + [False] * 4 + [True]
    assert any("polling meanwhile" in line for line in command.stderr.lines)


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, line: str) -> None:
        self.lines.append(line)


def _until(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)
