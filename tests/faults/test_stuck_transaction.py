"""A stuck transaction: anvil with automine off, a trade sent just before the base fee jumps
above its fee cap stays pending; the confirm pass replaces it with a higher fee (same nonce),
or past its deadline cancels it (an empty self-transfer with that nonce). Checked on chain."""

from __future__ import annotations

import time

import pytest
from eth_account import Account

from accounts.models import AuditEvent
from arbitrage.localnet.anvil import DEV_ACCOUNTS, DEV_KEYS
from arbitrage.models import Opportunity, Trade
from arbitrage.pipeline import loop as pipeline
from arbitrage.pipeline.rules import CANCEL_GAS, transaction_fields
from arbitrage.services.control import control_for
from tests.integration.pipeline_helpers import (
    approved_trade_for_a_mispricing,
    audit_steps,
    balance_of,
    confirm,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

ACCOUNT = DEV_ACCOUNTS[0]  # the bot's account (anvil's first development key)


@pytest.fixture
def congested(anvil):
    """Blocks as full as the test makes them; the block gas limit restored afterwards (a
    snapshot's revert keeps it)."""
    limit = anvil.rpc("eth_getBlockByNumber", "latest", False)["gasLimit"]
    yield
    anvil.rpc("evm_setBlockGasLimit", limit)


def _stuck_trade(chain, market, client, trader, anvil) -> tuple[Trade, int]:
    """A trade sent with automine off, then blocks with room for one transaction of its size
    only, which others outbid (see `_outbid_block`). With the account's mined count before."""
    trade_id = approved_trade_for_a_mispricing(chain, market, client, trader)
    nonce_before = client.transaction_count(ACCOUNT, "latest")
    anvil.rpc("evm_setAutomine", False)
    trade = pipeline.pipeline_execute(chain, trade_id)
    assert trade.state == Trade.State.SUBMITTED, trade.error
    assert trade.gas_limit
    anvil.rpc("evm_setBlockGasLimit", hex(trade.gas_limit + 10_000))
    return trade, nonce_before


def _outbid_block(anvil, client, fees: tuple[int, int]) -> str:
    """Another account's transfer offering 10 % more than `fees` (the fee cap and tip the trade
    was first sent with), then a block: it goes first, and the rest of the block has no room for
    the trade's gas limit. Its hash."""
    max_fee, tip = fees
    other = Account.from_key(DEV_KEYS[1])
    filler = other.sign_transaction(
        transaction_fields(
            chain_id=anvil.chain_id,
            nonce=client.transaction_count(other.address, "pending"),
            to=DEV_ACCOUNTS[2],
            data="0x",
            gas=CANCEL_GAS,
            max_fee=max_fee * 11 // 10,
            tip=tip * 11 // 10,
        )
    )
    tx_hash = str(anvil.rpc("eth_sendRawTransaction", "0x" + filler.raw_transaction.hex()))
    anvil.rpc("evm_mine")
    return tx_hash


def _mine_without(anvil, client, trade: Trade, blocks: int) -> None:
    """Mine `blocks` outbid blocks; the stuck transaction stays pending."""
    assert trade.max_fee_per_gas
    assert trade.max_priority_fee_per_gas
    for _ in range(blocks):
        filler = _outbid_block(
            anvil, client, (trade.max_fee_per_gas, trade.max_priority_fee_per_gas)
        )
        assert client.receipt(filler) is not None
        assert client.receipt(trade.tx_hash or "") is None
        assert client.transaction(trade.tx_hash or "") is not None  # still in the pool


def _replaced(trade: Trade) -> list[dict[str, object]]:
    return [
        e.after
        for e in AuditEvent.objects.filter(
            target_type="arbitrage.trade",
            target_id=str(trade.pk),
            action="execution.trade_replaced",
        ).order_by("sequence")
    ]


def test_a_stuck_trade_is_replaced_with_a_higher_fee_and_one_of_the_two_is_mined(
    local_chain, live, market, client, trader, anvil, congested
):
    control = control_for(chain=local_chain)
    control.replace_after_blocks = 1
    control.save(update_fields=["replace_after_blocks"])
    trade, nonce_before = _stuck_trade(local_chain, market, client, trader, anvil)
    start = trade.opportunity.start_token.address
    balance_before = balance_of(client, start, market.executor)
    first_hash, first_fee, nonce = trade.tx_hash, trade.max_fee_per_gas or 0, trade.nonce
    first_fees = (first_fee, trade.max_priority_fee_per_gas or 0)
    assert nonce == nonce_before
    _mine_without(anvil, client, trade, 1)
    assert client.block_number() <= (trade.deadline_block or 0)  # not yet past its deadline
    started = time.monotonic()
    confirm(local_chain)  # waited one block: replaced
    trade.refresh_from_db()
    assert trade.state == Trade.State.SUBMITTED
    assert trade.nonce == nonce
    assert trade.tx_hashes == [first_hash, trade.tx_hash]
    assert trade.tx_hash != first_hash
    assert trade.max_fee_per_gas is not None
    assert trade.max_fee_per_gas > first_fee
    (replaced,) = _replaced(trade)
    assert replaced["cancel"] is False
    assert replaced["max_fee_per_gas"] == trade.max_fee_per_gas
    filler = _outbid_block(anvil, client, first_fees)  # outbid now: the replacement goes first
    replaced_in = time.monotonic() - started
    confirm(local_chain)
    trade.refresh_from_db()
    assert trade.state == Trade.State.CONFIRMED, trade.error
    # Exactly one of the two was mined: the replacement, with the trade's nonce.
    assert client.receipt(first_hash or "") is None
    receipt = client.receipt(trade.tx_hash or "")
    assert receipt is not None
    assert int(receipt["status"]) == 1
    filled = client.receipt(filler)
    assert filled is not None  # both mined, the replacement first: it outbid the other
    assert int(filled["transactionIndex"]) > int(receipt["transactionIndex"])
    assert int(client.transaction(trade.tx_hash or "")["nonce"], 16) == nonce
    assert client.transaction_count(ACCOUNT, "latest") == nonce_before + 1
    assert trade.block_number == int(receipt["blockNumber"])
    # The profit booked is the mined transaction's, to the wei.
    assert balance_of(client, start, market.executor) - balance_before == trade.realized_profit
    assert trade.realized_profit == trade.opportunity.gross_profit > 0
    assert audit_steps(trade)[-4:] == [
        "execution.trade_signed",
        "execution.trade_submitted",
        "execution.trade_replaced",
        "execution.trade_finished",
    ]
    print(
        f"\nstuck -> replaced: fee cap {first_fee} -> {trade.max_fee_per_gas}"
        f" (ratio {trade.max_fee_per_gas / first_fee:.2f}), replaced and mined in"
        f" {replaced_in:.2f} s, transactions mined for nonce {nonce}: 1 (doubles 0)"
    )


def test_a_stuck_trade_past_its_deadline_is_cancelled_by_a_self_transfer(
    local_chain, live, market, client, trader, anvil, congested
):
    trade, nonce_before = _stuck_trade(local_chain, market, client, trader, anvil)
    first_hash, first_fee, nonce = trade.tx_hash, trade.max_fee_per_gas or 0, trade.nonce
    first_fees = (first_fee, trade.max_priority_fee_per_gas or 0)
    assert trade.deadline_block is not None
    _mine_without(anvil, client, trade, trade.deadline_block - client.block_number() + 1)
    assert client.block_number() > trade.deadline_block
    started = time.monotonic()
    confirm(local_chain)  # past its deadline: the nonce goes to an empty self-transfer
    trade.refresh_from_db()
    assert trade.state == Trade.State.SUBMITTED
    assert trade.tx_hashes == [first_hash, trade.tx_hash]
    (replaced,) = _replaced(trade)
    assert replaced["cancel"] is True
    cancellation = client.transaction(trade.tx_hash or "")
    assert cancellation is not None
    assert cancellation["to"].lower() == ACCOUNT.lower()
    assert int(cancellation["value"], 16) == 0
    assert int(cancellation["gas"], 16) == CANCEL_GAS
    assert int(cancellation["nonce"], 16) == nonce
    assert int(cancellation["maxFeePerGas"], 16) > first_fee
    _outbid_block(anvil, client, first_fees)
    cancelled_in = time.monotonic() - started
    confirm(local_chain)
    trade.refresh_from_db()
    assert trade.state == Trade.State.DROPPED, trade.error
    assert trade.error == "cancelled: the nonce went to a self-transfer"
    assert trade.realized_profit is None
    assert client.receipt(first_hash or "") is None
    receipt = client.receipt(trade.tx_hash or "")
    assert receipt is not None
    assert int(receipt["status"]) == 1
    assert client.transaction_count(ACCOUNT, "latest") == nonce_before + 1
    opportunity = Opportunity.objects.get(pk=trade.opportunity_id)
    assert opportunity.status == Opportunity.Status.EXPIRED
    assert audit_steps(trade)[-3:] == [
        "execution.trade_submitted",
        "execution.trade_replaced",
        "execution.trade_finished",
    ]
    print(
        f"\nstuck past deadline -> cancelled: fee cap {first_fee} ->"
        f" {int(cancellation['maxFeePerGas'], 16)}, cancellation mined in {cancelled_in:.2f} s,"
        f" the trade's transaction mined: no (doubles 0)"
    )
