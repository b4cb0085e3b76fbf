"""Discovery and sync against the real Uniswap V2 contracts on anvil."""

from __future__ import annotations

import pytest

from arbitrage.chain import abi
from arbitrage.localnet.market import swap_exact_in
from arbitrage.models import BlockRecord, Pool, ReserveSnapshot, Token
from arbitrage.pipeline.sync import BLOCK_HISTORY, TRIM_EVERY, chain_sync

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def _tenth_percent_of_reserve0(client, address):
    reserve0, _ = abi.decode_reserves(client.call_batch([(address, abi.GET_RESERVES)])[0])
    return reserve0 // 1000


def _on_chain_reserves(client, pool):
    return abi.decode_reserves(client.call_batch([(pool.address, abi.GET_RESERVES)])[0])


def _swap_tenth(deployer, market, client, target) -> None:
    """Sell a tenth of a percent of the pair's reserve0 into it."""
    amount = _tenth_percent_of_reserve0(client, target.address)
    swap_exact_in(deployer, market, target, token_in=target.token0, amount_in=amount)


def _swap_synced_then_orphaned(local_chain, market, client, deployer, anvil, *, new_blocks=1):
    """Sync; swap in a pair and sync that; then the swap's block leaves the chain and
    `new_blocks` of another branch take its place. Returns the pair's pool, its reserves
    before the swap and with the orphaned swap."""
    chain_sync(chain=local_chain, client=client)
    fork_point = anvil.rpc("evm_snapshot")
    target = market.pairs[1]
    pool = Pool.objects.get(chain=local_chain, address=target.address)
    before = (pool.reserve0, pool.reserve1)
    _swap_tenth(deployer, market, client, target)
    chain_sync(chain=local_chain, client=client)
    pool.refresh_from_db()
    orphaned = (pool.reserve0, pool.reserve1)
    anvil.rpc("evm_revert", fork_point)
    anvil.mine(new_blocks)
    return pool, before, orphaned


def test_it_discovers_every_pair_with_its_tokens(local_chain, market, client):
    result = chain_sync(chain=local_chain, client=client)
    assert result.discovered == len(market.pairs)
    assert Pool.objects.filter(chain=local_chain).count() == len(market.pairs)
    for token in market.tokens.values():
        row = Token.objects.get(chain=local_chain, address=token.address)
        assert (row.symbol, row.decimals) == (token.symbol, token.decimals)
    assert {6, 8, 18} <= set(Token.objects.values_list("decimals", flat=True))


def test_cold_start_reserves_equal_get_reserves(local_chain, client):
    result = chain_sync(chain=local_chain, client=client)
    pools = list(Pool.objects.filter(chain=local_chain))
    assert sorted(result.changed_pool_ids) == sorted(p.pk for p in pools)
    for pool in pools:
        assert (pool.reserve0, pool.reserve1) == _on_chain_reserves(client, pool)
        assert pool.last_synced_block == result.head
    assert ReserveSnapshot.objects.filter(block_number=result.head).count() == len(pools)


def test_a_swap_changes_exactly_its_pool_and_is_stored_in_history(
    local_chain, market, client, deployer
):
    chain_sync(chain=local_chain, client=client)
    target = market.pairs[0]
    _swap_tenth(deployer, market, client, target)
    result = chain_sync(chain=local_chain, client=client)
    pool = Pool.objects.get(chain=local_chain, address=target.address)
    assert result.changed_pool_ids == [pool.pk]
    assert (pool.reserve0, pool.reserve1) == _on_chain_reserves(client, pool)
    latest = pool.snapshots.order_by("-block_number").first()
    assert latest is not None
    assert pool.created_block is not None
    assert (latest.reserve0, latest.reserve1) == (pool.reserve0, pool.reserve1)
    assert latest.block_number > pool.created_block


def test_a_second_sync_with_no_new_block_changes_nothing(local_chain, client):
    chain_sync(chain=local_chain, client=client)
    assert chain_sync(chain=local_chain, client=client).changed_pool_ids == []


def test_a_reorg_is_detected_rewound_and_resynced(local_chain, market, client, deployer, anvil):
    # The swap's block leaves the chain; another block takes its height.
    pool, before, orphaned = _swap_synced_then_orphaned(
        local_chain, market, client, deployer, anvil
    )
    assert orphaned != before
    result = chain_sync(chain=local_chain, client=client)
    assert result.rewound_to is not None
    pool.refresh_from_db()
    assert (pool.reserve0, pool.reserve1) == before == _on_chain_reserves(client, pool)
    assert not ReserveSnapshot.objects.filter(
        pool=pool, reserve0=orphaned[0], reserve1=orphaned[1]
    ).exists()
    head = client.block("latest")
    assert BlockRecord.objects.get(chain=local_chain, number=head.number).hash == head.hash


def test_small_log_ranges_give_the_same_result(local_chain, market, client, deployer, settings):
    settings.ARBX_LOG_RANGE = 3
    result = chain_sync(chain=local_chain, client=client)
    assert result.discovered == len(market.pairs)


def test_a_fee_on_transfer_token_is_flagged_and_kept_out_of_cycles(
    local_chain, market, client, deployer
):
    from arbitrage.chain.artifacts import uniswap
    from arbitrage.localnet.market import fund
    from arbitrage.pipeline.scan import tradable_pools

    deflating = deployer.deploy(uniswap("DeflatingERC20"), 10**30)
    factory = deployer.contract(uniswap("UniswapV2Factory"), market.factories["Uniswap V2"])
    deployer.transact(factory.functions.createPair(deflating, market.weth))
    pair = factory.functions.getPair(deflating, market.weth).call()
    token = deployer.contract(uniswap("DeflatingERC20"), deflating)
    deployer.transact(token.functions.transfer(pair, 10**24))
    fund(deployer, market, market.weth, pair, 10**21)
    deployer.transact(
        deployer.contract(uniswap("UniswapV2Pair"), pair).functions.mint(deployer.account)
    )

    chain_sync(chain=local_chain, client=client)
    flagged = Token.objects.get(chain=local_chain, address=deflating)
    assert flagged.is_fee_on_transfer
    assert (
        not Token.objects.filter(chain=local_chain, is_fee_on_transfer=True)
        .exclude(pk=flagged.pk)
        .exists()
    )
    tradable = {p.address for p in tradable_pools(local_chain)}
    assert pair not in tradable
    assert len(tradable) == len(market.pairs)


def test_block_records_older_than_the_history_are_trimmed(local_chain, anvil, client):
    chain_sync(chain=local_chain, client=client)
    first = BlockRecord.objects.filter(chain=local_chain).order_by("number").first()
    assert first is not None
    # Enough blocks that the first record falls out of the history, crossing a trim boundary.
    anvil.rpc("anvil_mine", hex(BLOCK_HISTORY + TRIM_EVERY + 1))
    chain_sync(chain=local_chain, client=client)
    head = client.block_number()
    numbers = list(BlockRecord.objects.filter(chain=local_chain).values_list("number", flat=True))
    assert first.number not in numbers
    assert min(numbers) >= head - BLOCK_HISTORY
    assert head in numbers


def _pushed(anvil, number: int | str = "latest"):
    """A header as the node pushes it over WebSocket (newHeads carries the same fields)."""
    from arbitrage.chain.client import header_from_rpc

    tag = hex(number) if isinstance(number, int) else number
    return header_from_rpc(anvil.rpc("eth_getBlockByNumber", tag, False))


def test_a_pushed_child_header_spares_the_header_request(
    local_chain, market, client, deployer, anvil, monkeypatch
):
    chain_sync(chain=local_chain, client=client)
    target = market.pairs[0]
    _swap_tenth(deployer, market, client, target)
    header_reads: list[object] = []
    real = client.blocks_and_latest

    def counted(numbers):
        header_reads.append(numbers)
        return real(numbers)

    monkeypatch.setattr(client, "blocks_and_latest", counted)
    last = BlockRecord.objects.filter(chain=local_chain).order_by("-number")[0].number
    changed: set[int] = set()
    for number in range(last + 1, client.block_number() + 1):  # each block as it was pushed
        head = _pushed(anvil, number)
        result = chain_sync(chain=local_chain, client=client, head=head)
        assert result.head == number
        changed.update(result.changed_pool_ids)
    assert header_reads == []  # every pushed header was the last synced block's child
    pool = Pool.objects.get(chain=local_chain, address=target.address)
    assert changed == {pool.pk}
    assert (pool.reserve0, pool.reserve1) == _on_chain_reserves(client, pool)
    assert BlockRecord.objects.get(chain=local_chain, number=head.number).hash == head.hash
    # The priority fee came with the logs, as the node suggests it.
    assert result.priority_fee == int(anvil.rpc("eth_maxPriorityFeePerGas"), 16)


def test_a_stale_pushed_header_is_no_reorg(local_chain, client, anvil):
    chain_sync(chain=local_chain, client=client)
    anvil.mine(2)
    chain_sync(chain=local_chain, client=client)
    stale = _pushed(anvil, client.block_number() - 1)  # a delivery that arrived late
    result = chain_sync(chain=local_chain, client=client, head=stale)
    assert result.rewound_to is None
    assert result.changed_pool_ids == []
    assert result.head == client.block_number()  # read from the node instead


def test_a_pushed_header_from_another_branch_still_finds_the_reorg(
    local_chain, market, client, deployer, anvil
):
    # The new branch is longer: its head is one past our last synced block.
    pool, before, _ = _swap_synced_then_orphaned(
        local_chain, market, client, deployer, anvil, new_blocks=2
    )
    head = _pushed(anvil)
    result = chain_sync(chain=local_chain, client=client, head=head)
    assert result.rewound_to is not None
    pool.refresh_from_db()
    assert (pool.reserve0, pool.reserve1) == before == _on_chain_reserves(client, pool)
    assert BlockRecord.objects.get(chain=local_chain, number=head.number).hash == head.hash


def test_a_steady_block_hands_its_reserves_on_before_writing_them(
    local_chain, market, client, deployer
):
    from arbitrage.pipeline.sync import EarlyChanges

    assert_no_hand_on: list[EarlyChanges] = []
    first = chain_sync(chain=local_chain, client=client, early=assert_no_hand_on.append)
    assert assert_no_hand_on == []  # discovery and cold starts are scanned after the commit
    assert first.handed_on == []
    target = market.pairs[0]
    pool = Pool.objects.get(chain=local_chain, address=target.address)
    before = (pool.reserve0, pool.reserve1)
    _swap_tenth(deployer, market, client, target)
    seen: list[tuple[EarlyChanges, tuple[int, int]]] = []

    def hand_on(changes: EarlyChanges) -> None:
        row = Pool.objects.get(pk=pool.pk)  # what the database holds at that moment
        seen.append((changes, (row.reserve0, row.reserve1)))

    result = chain_sync(chain=local_chain, client=client, early=hand_on)
    ((changes, row_then),) = seen
    assert row_then == before  # handed on before the sync wrote them down
    assert changes.reserves == {pool.pk: _on_chain_reserves(client, pool)}
    assert changes.head == result.head == client.block_number()
    assert changes.base_fee_per_gas == client.block("latest").base_fee_per_gas
    assert changes.priority_fee == result.priority_fee
    assert changes.mined == []
    assert result.handed_on == result.changed_pool_ids == [pool.pk]
    pool.refresh_from_db()
    assert (pool.reserve0, pool.reserve1) == changes.reserves[pool.pk]  # and then wrote them


def test_a_reorg_is_not_handed_on_early(local_chain, market, client, deployer, anvil):
    _swap_synced_then_orphaned(local_chain, market, client, deployer, anvil)
    handed: list[object] = []
    result = chain_sync(chain=local_chain, client=client, early=handed.append)
    assert result.rewound_to is not None
    assert handed == []  # rewound pools are read back from the database after the commit
    assert result.handed_on == []
    assert result.changed_pool_ids
