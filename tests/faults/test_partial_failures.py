"""Partial failures are not facts: a call of a batch that failed (a rate limit) is retried and,
still failing, unknown (the pool stays as it was); only a revert of getReserves deactivates a
pool, with the reason recorded and audited; a timeout of eth_getLogs is retried, not taken for
a refused range."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent
from arbitrage.chain import abi
from arbitrage.chain.client import ChainClient
from arbitrage.chain.resilience import RpcPolicy
from arbitrage.models import Pool, Token
from arbitrage.pipeline.sync import chain_sync
from tests.faults.proxy import FaultProxy, call_error, delay

FAST = RpcPolicy(attempts=3, backoff=0.02, backoff_max=0.1, breaker_failures=5, breaker_reset=1.0)


@pytest.fixture
def proxy(anvil):
    with FaultProxy(anvil.url) as node:
        yield node


def _cold(pool: Pool) -> None:
    Pool.objects.filter(pk=pool.pk).update(last_synced_block=None, reserve0=0, reserve1=0)


@pytest.mark.timeout(40)
def test_a_rate_limited_get_reserves_leaves_the_pool_as_it_was(local_chain, client, proxy):
    chain_sync(chain=local_chain, client=client)  # discovery and cold start, healthy
    pools = list(Pool.objects.filter(chain=local_chain, active=True).order_by("pk")[:3])
    for pool in pools:
        _cold(pool)
    faulty = ChainClient(proxy.url, timeout=2, policy=FAST)
    proxy.fault = call_error({"eth_call"})  # every eth_call rate-limited, in or out of a batch
    result = chain_sync(chain=local_chain, client=faulty)
    print(
        f"\n[partial] rate-limited getReserves: injected {proxy.injected}, batch retries"
        f" {faulty.stats.batch_retries}, unknown {faulty.stats.unknown_results}"
    )
    assert faulty.stats.batch_retries == FAST.attempts - 1
    assert faulty.stats.unknown_results == len(pools)
    for pool in pools:
        pool.refresh_from_db()
        assert pool.active, "a rate limit deactivated a pool"
        assert pool.inactive_reason == ""
        assert pool.last_synced_block is None  # still due for its cold start
        assert pool.pk not in result.changed_pool_ids
    # The node answers again: the next sync reads them.
    proxy.fault = None
    result = chain_sync(chain=local_chain, client=faulty)
    for pool in pools:
        pool.refresh_from_db()
        assert pool.active
        assert pool.last_synced_block == result.head
        assert (pool.reserve0, pool.reserve1) == abi.decode_reserves(
            client.call_batch([(pool.address, abi.GET_RESERVES)], result.head)[0]
        )


@pytest.mark.timeout(40)
def test_only_the_failed_calls_of_a_batch_are_retried(local_chain, client, proxy):
    chain_sync(chain=local_chain, client=client)
    pools = list(Pool.objects.filter(chain=local_chain, active=True).order_by("pk")[:4])
    for pool in pools:
        _cold(pool)
    faulty = ChainClient(proxy.url, timeout=2, policy=FAST)
    proxy.fault = call_error({"eth_call"}, times=1)  # the first getReserves of the batch fails
    proxy.reset_counts()
    result = chain_sync(chain=local_chain, client=faulty)
    print(
        f"\n[partial] one call of {len(pools)} failed: injected {proxy.injected}, batch retries"
        f" {faulty.stats.batch_retries}, eth_calls sent {proxy.requests['eth_call']}"
    )
    assert proxy.injected == 1
    assert faulty.stats.batch_retries == 1
    assert faulty.stats.unknown_results == 0
    assert proxy.requests["eth_call"] == len(pools) + 1  # the batch, then the failed one again
    for pool in pools:
        pool.refresh_from_db()
        assert pool.active
        assert pool.last_synced_block == result.head


@pytest.mark.timeout(40)
def test_a_reverting_get_reserves_deactivates_the_pool_with_its_reason(local_chain, client):
    chain_sync(chain=local_chain, client=client)
    pool = Pool.objects.filter(chain=local_chain, active=True).order_by("pk").first()
    assert pool is not None
    token = Token.objects.filter(chain=local_chain).first()
    assert token is not None
    # A token contract has no getReserves: the call reverts, which is evidence.
    Pool.objects.filter(pk=pool.pk).update(address=token.address, last_synced_block=None)
    chain_sync(chain=local_chain, client=client)
    pool.refresh_from_db()
    print(f"\n[partial] reverting getReserves: active {pool.active}, {pool.inactive_reason!r}")
    assert not pool.active
    assert "getReserves reverted" in pool.inactive_reason
    audit = AuditEvent.objects.filter(
        target_type="arbitrage.pool", target_id=str(pool.pk), action="market.updated"
    ).get()
    assert audit.after == {"active": False, "inactive_reason": pool.inactive_reason}


@pytest.mark.timeout(40)
def test_a_get_logs_timeout_is_retried_not_halved(market, anvil, proxy):
    direct = ChainClient(anvil.url)
    head = direct.block_number()
    expected = direct.get_logs(address=None, topics=[abi.SYNC], from_block=0, to_block=head)
    faulty = ChainClient(proxy.url, timeout=0.5, policy=FAST)
    proxy.fault = delay(1.5, methods={"eth_getLogs"}, times=1)
    logs = faulty.get_logs(address=None, topics=[abi.SYNC], from_block=0, to_block=head)
    ranges = [
        (params[0]["fromBlock"], params[0]["toBlock"])
        for method, params in proxy.calls
        if method == "eth_getLogs"
    ]
    print(
        f"\n[partial] getLogs timeout: injected {proxy.injected}, retries"
        f" {faulty.stats.retries}, ranges asked {ranges}"
    )
    assert ranges == [(hex(0), hex(head))] * 2  # the same range again, never halved
    assert faulty.stats.retries == 1
    assert [(log["blockNumber"], log["logIndex"]) for log in logs] == [
        (log["blockNumber"], log["logIndex"]) for log in expected
    ]


@pytest.mark.timeout(40)
def test_a_steady_sync_survives_a_get_logs_timeout(local_chain, client, proxy, trader, market):
    """The sync's own read (logs and tip in one batch) times out once: retried, the block's
    Sync logs applied, nothing halved nor lost."""
    from tests.integration.pipeline_helpers import push_price, twin_pairs

    chain_sync(chain=local_chain, client=client)
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=100)
    faulty = ChainClient(proxy.url, timeout=0.5, policy=FAST)
    proxy.fault = delay(1.5, methods={"eth_getLogs"}, times=1)
    result = chain_sync(chain=local_chain, client=faulty)
    pool = Pool.objects.get(chain=local_chain, address=first.address)
    print(
        f"\n[partial] sync through a getLogs timeout: injected {proxy.injected},"
        f" retries {faulty.stats.retries}, changed {len(result.changed_pool_ids)}"
    )
    assert proxy.injected == 1
    assert faulty.stats.retries == 1
    assert pool.pk in result.changed_pool_ids
    assert (pool.reserve0, pool.reserve1) == abi.decode_reserves(
        client.call_batch([(first.address, abi.GET_RESERVES)], result.head)[0]
    )
