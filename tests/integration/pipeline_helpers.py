"""Helpers for the pipeline tests: run the bot's loop in-process and read the chain."""

from __future__ import annotations

from eth_utils.address import to_checksum_address

from accounts.models import AuditEvent
from arbitrage.chain import abi
from arbitrage.chain.client import ChainClient
from arbitrage.chain.registry import clients_reset
from arbitrage.localnet.market import Deployer, LocalMarket, LocalPair, swap_exact_in
from arbitrage.models import Chain, Opportunity, Pool, Trade
from arbitrage.pipeline import loop as pipeline
from arbitrage.pipeline.scan import engine_reset

BALANCE_OF = bytes.fromhex("70a08231")


def balance_of(client: ChainClient, token: str, holder: str) -> int:
    data = BALANCE_OF + bytes(12) + bytes.fromhex(to_checksum_address(holder)[2:])
    raw = client.call_batch([(token, data)])[0]
    value = abi.decode_uint(raw)
    assert value is not None
    return value


def balances(client: ChainClient, market: LocalMarket) -> dict[str, int]:
    """The executor's balance of every token of the market."""
    return {
        t.address: balance_of(client, t.address, market.executor) for t in market.tokens.values()
    }


def audit_steps(trade: Trade) -> list[str]:
    """The audit log's actions on a trade, in order."""
    return list(
        AuditEvent.objects.filter(target_type="arbitrage.trade", target_id=str(trade.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )


def reserves(client: ChainClient, pair: str) -> tuple[int, int]:
    result = abi.decode_reserves(client.call_batch([(pair, abi.GET_RESERVES)])[0])
    assert result is not None
    return result


def reset_process_caches() -> None:
    engine_reset()
    clients_reset()
    pipeline.signers_reset()


def run_once(chain: Chain) -> list[Trade]:
    """One turn of the loop as the tasks run it: sync, scan, choose, approve, execute."""
    result = pipeline.pipeline_sync(chain)
    trades = []
    if result.changed_pool_ids:
        found = pipeline.pipeline_scan(chain, result.changed_pool_ids, result.head)
        for trade_id in pipeline.approve(pipeline.choose_for_execution(chain, found)):
            trades.append(pipeline.pipeline_execute(chain, trade_id))
    return trades


def confirm(chain: Chain) -> None:
    pipeline.pipeline_confirm(chain)


def settle(chain: Chain, most: int = 100) -> int:
    """Trade the market out in-process: the seeded market holds many arbitrages, and each trade
    opens the next through the pools it moved. Afterwards a mispricing made by a test is all
    there is to trade. The number of trades it took."""
    for done in range(most):
        traded = run_once(chain)
        confirm(chain)
        if not traded:
            return done
    raise AssertionError(f"the market did not settle in {most} trades")


def twin_pairs(market: LocalMarket) -> tuple[LocalPair, LocalPair]:
    """A pair on the first DEX and its parallel pool on the second."""
    second = next(p for p in market.pairs if p.dex == "Uniswap V2 (second)")
    first = next(
        p
        for p in market.pairs
        if p.dex == "Uniswap V2" and {p.token0, p.token1} == {second.token0, second.token1}
    )
    return first, second


def push_price(
    deployer: Deployer, market: LocalMarket, client: ChainClient, pair: LocalPair, *, bps: int
) -> None:
    """Sell token0 into one pool for `bps` of its reserve: a mispricing against its twins."""
    reserve0, _ = reserves(client, pair.address)
    swap_exact_in(deployer, market, pair, token_in=pair.token0, amount_in=reserve0 * bps // 10_000)


def opportunity_pools(opportunity: Opportunity) -> set[str]:
    return set(Pool.objects.filter(pk__in=opportunity.pool_path).values_list("address", flat=True))


def approved_trade_for_a_mispricing(
    chain: Chain, market: LocalMarket, client: ChainClient, trader: Deployer
) -> int:
    """Settle the market, move one pool 3 % off its twin, sync, scan and approve the best
    cycle: the id of a trade ready to execute."""
    run_once(chain)
    confirm(chain)
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    result = pipeline.pipeline_sync(chain)
    found = pipeline.pipeline_scan(chain, result.changed_pool_ids, result.head)
    (trade_id,) = pipeline.approve(pipeline.choose_for_execution(chain, found))
    return trade_id
