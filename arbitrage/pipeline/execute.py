"""Execution: an approved trade becomes a transaction through a persisted state machine.

    approved -> simulated -> signed -> submitted -> confirmed
                     \\-> rejected       \\-> failed / dropped

Each step is one database transaction that locks the trade row (`select_for_update`),
checks the state it expects, does its work and moves the state on. A task delivered twice
finds the state already moved and does nothing; a worker killed after signing leaves the
signed bytes in the row, and the next run re-broadcasts exactly those bytes (same nonce,
same hash), so one opportunity never produces two different transactions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from eth_utils.address import to_checksum_address

from accounts.audit import AuditAction, audit_record
from arbitrage.chain.client import CallRevertedError, ChainClient, ChainRpcError
from arbitrage.chain.contracts import (
    CycleCall,
    cycle_executed_events,
    decode_profit,
    decode_revert,
    execute_calldata,
)
from arbitrage.chain.signer import Signer
from arbitrage.models import Chain, ExecutionControl, Opportunity, Pool, Threshold, Token, Trade
from arbitrage.pipeline.choose import in_flight_trades
from arbitrage.pipeline.decisions import trade_approve
from arbitrage.pipeline.nonces import nonce_lock, nonce_reserve
from arbitrage.pipeline.rules import (
    CANCEL_GAS,
    daily_loss,
    day_start,
    deadline_from,
    dry_run_finished,
    gas_price,
    holding,
    kill_switch_refusal,
    limits_refusal,
    max_fee_per_gas,
    min_net,
    replacement_fees,
    sign_into,
    signed,
    signed_after,
    simulated,
    stale_refusal,
    step_after,
    threshold_for,
)
from arbitrage.services.control import control_for, kill_switch_engaged
from compliance import gate

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExecutionContext:
    client: ChainClient
    signer: Signer | None
    mode: str  # dry_run | live


def _threshold(opportunity: Opportunity) -> Threshold | None:
    """The threshold that applies to the opportunity's start token."""
    thresholds = {t.start_token_id: t for t in Threshold.objects.filter(chain=opportunity.chain_id)}
    return threshold_for(thresholds, opportunity.start_token_id)


# A pool's address and token0 never change once it exists: kept per process, so the
# execution's hot path reads no pool rows.
_pool_facts: dict[int, tuple[str, int]] = {}


def pool_facts(pool_ids: list[int]) -> dict[int, tuple[str, int]]:
    """(address, token0 id) of these pools."""
    missing = [pk for pk in pool_ids if pk not in _pool_facts]
    if missing:
        for pk, address, token0 in Pool.objects.filter(pk__in=missing).values_list(
            "pk", "address", "token0_id"
        ):
            _pool_facts[pk] = (address, token0)
    return {pk: _pool_facts[pk] for pk in pool_ids}


_token_addresses: dict[int, str] = {}


def token_address(token_id: int) -> str:
    """A token's address (it never changes once the token exists), kept per process."""
    if token_id not in _token_addresses:
        _token_addresses[token_id] = Token.objects.values_list("address", flat=True).get(
            pk=token_id
        )
    return _token_addresses[token_id]


# Every address a cycle deals with, per pool: the pool, its two tokens, its DEX's factory and
# router (the counterparties). None of them changes once the pool exists: kept per process.
_cycle_parties: dict[int, tuple[str, ...]] = {}


def cycle_addresses(opportunity: Opportunity) -> list[str]:
    """The addresses the compliance gate screens for a trade of this cycle."""
    missing = [pk for pk in opportunity.pool_path if pk not in _cycle_parties]
    if missing:
        for pk, *addresses in Pool.objects.filter(pk__in=missing).values_list(
            "pk",
            "address",
            "token0__address",
            "token1__address",
            "dex__factory_address",
            "dex__router_address",
        ):
            _cycle_parties[pk] = tuple(a for a in addresses if a)
    return sorted({a for pk in opportunity.pool_path for a in _cycle_parties[pk]})


def compliance_refuse(trade: Trade, refusal: str) -> None:
    """A trade the compliance gate refuses: rejected with the reason, counted, and audited
    where compliance officers see it too."""
    trade_finish(trade, Trade.State.REJECTED, refusal)
    gate.refused("trade")
    audit_record(
        action=AuditAction.COMPLIANCE_TRADE_REFUSED,
        target=trade,
        after={"opportunity": trade.opportunity_id, "reason": refusal},
    )


def _hop_fees(opportunity: Opportunity) -> list[int]:
    """Each hop's fee: as the engine priced the opportunity (recorded with it), or, for an
    opportunity recorded without them, the pools' fees now."""
    if len(opportunity.fees_ppm or []) == len(opportunity.pool_path):
        return [int(fee) for fee in opportunity.fees_ppm]
    fees = dict(Pool.objects.filter(pk__in=opportunity.pool_path).values_list("pk", "fee_ppm"))
    return [fees[pk] for pk in opportunity.pool_path]


def cycle_call(opportunity: Opportunity, *, deadline_block: int, min_net: int) -> CycleCall:
    """The executor call for an opportunity; it reverts unless the chain pays at least the
    gas cost plus `min_net` (the threshold's minimum net profit)."""
    pools = pool_facts(opportunity.pool_path)
    tokens_in = opportunity.token_path[:-1]
    zero_for_one = [
        pools[pid][1] == tin for pid, tin in zip(opportunity.pool_path, tokens_in, strict=True)
    ]
    return CycleCall(
        pairs=[pools[pid][0] for pid in opportunity.pool_path],
        zero_for_one=zero_for_one,
        fees_ppm=_hop_fees(opportunity),
        start_token=token_address(opportunity.start_token_id),
        amount_in=opportunity.amount_in,
        min_profit=max(1, opportunity.gas_cost + min_net),
        deadline_block=deadline_block,
    )


def _audit(trade: Trade, action: AuditAction, **after: object) -> None:
    """Every chain-facing step leaves an audit row in the step's own transaction."""
    audit_record(
        action=action,
        target=trade,
        after=step_after(trade, **after),
    )


def trade_finish(trade: Trade, state: str, error: str = "") -> None:
    """End a trade (locked by the caller) in `state` with its reason, audited; its
    opportunity says how it ended."""
    trade.state = state
    trade.error = error[:2000]
    trade.finished_at = timezone.now()
    trade.save()
    _audit(
        trade,
        AuditAction.EXECUTION_TRADE_FINISHED,
        error=trade.error,
        realized_profit=trade.realized_profit,
    )
    outcome: dict[str, str] = {
        Trade.State.REJECTED: Opportunity.Status.REJECTED,
        Trade.State.FAILED: Opportunity.Status.EXECUTED,
        Trade.State.DROPPED: Opportunity.Status.EXPIRED,
        Trade.State.CONFIRMED: Opportunity.Status.EXECUTED,
    }
    status = outcome.get(state)
    if status:
        Opportunity.objects.filter(pk=trade.opportunity_id).update(
            status=status, reason=error[:255]
        )
    logger.info("trade %s %s %s", trade.pk, state, error)


def _locked(trade_id: int) -> Trade:
    """The trade, its row locked until the transaction ends; with its opportunity, chain and
    start token read in the same query but not locked (`of=self`): PostgreSQL would otherwise
    lock every joined row, the chain's among them, and a sync, which locks the chain and then
    marks our mined trades, would deadlock with a confirmation holding a trade."""
    return (
        Trade.objects.select_for_update(of=("self",))
        .select_related("opportunity__chain", "opportunity__start_token")
        .get(pk=trade_id)
    )


def locked_in(trade_id: int, state: str) -> Trade | None:
    """The trade, locked, when it is in `state`; else None (another step moved it on)."""
    trade = _locked(trade_id)
    return trade if trade.state == state else None


def risk_refusal(
    trade: Trade,
    control: ExecutionControl,
    base_fee: int,
    tip: int,
    threshold: Threshold | None,
) -> str | None:
    """Why the risk limits refuse this trade now, or None."""
    opportunity = trade.opportunity
    losses = 0
    if threshold is not None and threshold.max_daily_loss:
        losses = daily_loss(
            Trade.objects.filter(
                opportunity__chain=opportunity.chain,
                opportunity__start_token=opportunity.start_token,
                finished_at__gte=day_start(),
                realized_profit__lt=0,
            ).values_list("realized_profit", flat=True)
        )
    return limits_refusal(
        amount_in=opportunity.amount_in,
        threshold=threshold,
        gas_price=gas_price(base_fee, tip),
        daily_loss=losses,
        in_flight=len(holding(in_flight_trades(opportunity.chain_id))),
        max_in_flight=control.max_trades_in_flight,
    )


def _refused_up_front(trade: Trade, control: ExecutionControl) -> bool:
    """Refuse (and finish) a trade the kill switch or the compliance gate stops, or one with
    no executor to call, before anything goes to the node."""
    refusal = kill_switch_refusal(control)
    if refusal:
        trade_finish(trade, Trade.State.REJECTED, refusal)
        return True
    refusal = gate.trade_refusal(cycle_addresses(trade.opportunity))
    if refusal:
        compliance_refuse(trade, refusal)
        return True
    if not trade.opportunity.chain.executor_address:
        trade_finish(
            trade, Trade.State.REJECTED, "no executor contract is configured for the chain"
        )
        return True
    return False


def _simulate(
    ctx: ExecutionContext, trade: Trade, control: ExecutionControl
) -> tuple[bool, int | None]:
    """approved -> simulated (or rejected), on a trade locked by the caller. Reads the head,
    the tip, our pending nonce and the simulation in one request; returns whether to go on to
    signing, and the node's pending count for the nonce manager."""
    opportunity = trade.opportunity
    chain = opportunity.chain
    if _refused_up_front(trade, control):
        return False, None
    address = ctx.signer.address if ctx.signer is not None else None
    threshold = _threshold(opportunity)
    # The deadline counts from the opportunity's block, which is the head when the trade runs
    # on the heels of its scan: then the simulation goes out in the same request as the head,
    # the tip and our pending nonce.
    call = cycle_call(
        opportunity,
        deadline_block=deadline_from(opportunity.block_number),
        min_net=min_net(threshold),
    )
    tx = {
        "from": address or _sender(ctx, chain),
        "to": chain.executor_address,
        "data": execute_calldata(call),
    }
    reads = ctx.client.head_tip_and_nonce(address if ctx.mode == Trade.Mode.LIVE else None, tx)
    head, tip = reads.head, reads.tip
    result, reverted = reads.call_result, reads.call_reverted
    refusal = stale_refusal(
        found_at=opportunity.block_number, head=head.number, max_lag=control.max_state_lag_blocks
    ) or ctx.client.lag_refusal(head.number, control.max_state_lag_blocks)
    if refusal:
        trade_finish(trade, Trade.State.REJECTED, refusal)
        return False, None
    if head.number > opportunity.block_number:
        # Found in an older block (an operator's approval, a late delivery): the deadline
        # counts from the head instead, and the call is simulated again with it.
        call = replace(call, deadline_block=deadline_from(head.number))
        tx["data"] = execute_calldata(call)
        try:
            result, reverted = ctx.client.call(tx, "latest"), None
        except CallRevertedError as exc:
            result, reverted = None, exc
    refusal = risk_refusal(trade, control, head.base_fee_per_gas, tip, threshold)
    if refusal:
        trade_finish(trade, Trade.State.REJECTED, refusal)
        return False, None
    if reverted is not None or result is None:
        data = reverted.data if reverted is not None else None
        trade_finish(trade, Trade.State.REJECTED, f"simulation reverted: {decode_revert(data)}")
        return False, None
    simulated(
        trade,
        profit=decode_profit(result),
        deadline_block=call.deadline_block,
        calldata=tx["data"],
        base_fee=head.base_fee_per_gas,
        tip=tip,
        mode=ctx.mode,
    )
    if ctx.mode != Trade.Mode.LIVE:
        dry_run_finished(trade)
        trade.save()
        _audit(trade, AuditAction.EXECUTION_TRADE_FINISHED, simulated_profit=trade.simulated_profit)
        return False, None
    return True, reads.pending


OWNER = "0x8da5cb5b"  # owner()


def _sender(ctx: ExecutionContext, chain: Chain) -> str:
    """Who the simulation calls from: our signer, or (a dry run without a key) the executor
    contract's owner, who is allowed to call it."""
    if ctx.signer is not None:
        return ctx.signer.address
    raw = ctx.client.call({"to": chain.executor_address, "data": OWNER}, "latest")
    return str(to_checksum_address("0x" + raw[12:32].hex()))


def fees_now(ctx: ExecutionContext) -> tuple[int, int]:
    """The fee cap and tip a transaction sent now offers (the head's base fee, the node's tip)."""
    head = ctx.client.block("latest")
    tip = ctx.client.max_priority_fee()
    return max_fee_per_gas(head.base_fee_per_gas, tip), tip


def _sign(ctx: ExecutionContext, trade: Trade, pending: int | None = None) -> bool:
    """simulated -> signed, on a trade locked by the caller: the kill switch read again (it may
    have been engaged during the simulation), a nonce from the manager, the signed bytes and
    hash kept on the row before anything is sent."""
    if ctx.signer is None:
        raise RuntimeError("live execution needs a signer (ARBX_SIGNER_KEY)")
    chain = trade.opportunity.chain
    if kill_switch_engaged(chain):
        trade_finish(trade, Trade.State.REJECTED, "kill switch engaged before signing")
        return False
    refusal = gate.trade_refusal(cycle_addresses(trade.opportunity))
    if refusal:
        compliance_refuse(trade, refusal)
        return False
    nonce = nonce_reserve(
        chain=chain,
        address=ctx.signer.address,
        client=ctx.client,
        pending=pending,
    )
    signed(trade, ctx.signer, nonce=nonce, executor=to_checksum_address(chain.executor_address))
    trade.save()
    audit_record(action=AuditAction.EXECUTION_TRADE_SIGNED, target=trade, after=signed_after(trade))
    return True


def _prepare(
    ctx: ExecutionContext, trade_id: int, control: ExecutionControl | None = None
) -> tuple[str, str] | None:
    """Simulate and sign in one transaction under one row lock (each step still checks the
    state it expects, so a second delivery, or a run after a crash, picks up where the first
    stopped). When the trade is signed and ready to send: the bytes and hash signed now, or
    ("", "") for a trade signed earlier (sent from the row); else None."""
    with transaction.atomic():
        trade = _locked(trade_id)
        if trade.state not in (Trade.State.APPROVED, Trade.State.SIMULATED):
            return ("", "") if trade.state == Trade.State.SIGNED else None
        pending = None
        if trade.state == Trade.State.APPROVED:
            if ctx.mode == Trade.Mode.LIVE and ctx.signer is not None:
                # The account's nonce row before the risk limits are read: the trades in
                # flight are counted under the lock that hands out the next nonce, on every
                # path (the fast lane's record takes it first too), so two executions cannot
                # both see a free slot.
                nonce_lock(chain=trade.opportunity.chain, address=ctx.signer.address)
            control = control or control_for(chain=trade.opportunity.chain)
            go_on, pending = _simulate(ctx, trade, control)
            if not go_on:
                return None
        if not _sign(ctx, trade, pending):
            return None
        return trade.signed_tx, trade.tx_hash or ""


def _broadcast(ctx: ExecutionContext, trade: Trade) -> None:
    _broadcast_bytes(ctx, trade.signed_tx, trade.tx_hash or "")


def _broadcast_bytes(ctx: ExecutionContext, signed_tx: str, tx_hash: str) -> None:
    """Send signed bytes; 'already known' means an earlier send got through."""
    try:
        ctx.client.send_raw_transaction(signed_tx)
    except ChainRpcError as exc:
        text = str(exc).lower()
        if "already known" in text or "already imported" in text:
            return
        if "nonce too low" in text and ctx.client.transaction(tx_hash) is not None:
            return
        raise


def _submit(ctx: ExecutionContext, trade_id: int, fresh: tuple[str, str] | None = None) -> bool:
    """signed -> submitted. `fresh` (signed bytes and hash just committed by `_prepare`) is
    sent before the row is locked again, so nothing stands between signing and the node;
    sending the same bytes twice is harmless (the node knows them)."""
    send_error: ChainRpcError | None = None
    if fresh is not None:
        try:
            _broadcast_bytes(ctx, *fresh)
        except ChainRpcError as exc:
            send_error = exc
    with transaction.atomic():
        trade = locked_in(trade_id, Trade.State.SIGNED)
        if trade is None:
            return False
        try:
            if fresh is None or fresh[1] != trade.tx_hash:
                _broadcast(ctx, trade)
            elif send_error is not None:
                raise send_error
        except ChainRpcError as exc:
            if "nonce too low" in str(exc).lower():
                trade_finish(trade, Trade.State.DROPPED, f"not sent: {exc.message}")
                return False
            raise
        trade.state = Trade.State.SUBMITTED
        trade.submitted_at = timezone.now()
        trade.submitted_block = ctx.client.block_number()
        trade.save()
        _audit(trade, AuditAction.EXECUTION_TRADE_SUBMITTED, block=trade.submitted_block)
        return True


def trade_execute(*, trade_id: int, ctx: ExecutionContext) -> Trade:
    """Advance a trade as far as it can go now; safe twice, concurrently or after a crash."""
    return send_prepared(ctx, trade_id, _prepare(ctx, trade_id))


def send_prepared(ctx: ExecutionContext, trade_id: int, signed: tuple[str, str] | None) -> Trade:
    """Send what `_prepare` left signed (bytes signed now, or the row's); the trade as it is."""
    if signed is not None:
        _submit(ctx, trade_id, fresh=signed if signed[0] else None)
    return Trade.objects.get(pk=trade_id)


def opportunity_execute(
    *, opportunity: Opportunity, ctx: ExecutionContext, control: ExecutionControl | None = None
) -> Trade | None:
    """Store (when new), approve and advance an opportunity's trade as far as it can go now:
    the opportunity, the approval, the simulation and the signature commit together (one
    transaction before the send, as the fast lane needs). Each step still checks the state it
    expects and leaves its audit row. `control`, when the caller has just read it, spares the
    read before the simulation (the kill switch is read again before signing all the same).
    None when another writer stored the opportunity first: it is theirs to take."""
    with transaction.atomic():
        if ctx.mode == Trade.Mode.LIVE and ctx.signer is not None:
            # The nonce row first, as a signing step takes it before its audit row: the
            # approval below appends to the audit log, whose lock comes second everywhere.
            nonce_lock(chain=opportunity.chain, address=ctx.signer.address)
        if opportunity.pk is None:
            try:
                with transaction.atomic():
                    opportunity.save(force_insert=True)
            except IntegrityError:
                return None
        trade_id = trade_approve(opportunity_id=opportunity.pk, mode=ctx.mode).pk
        signed = _prepare(ctx, trade_id, control)
    return send_prepared(ctx, trade_id, signed)


def trades_recover(*, chain: Chain, ctx: ExecutionContext) -> int:
    """Re-broadcast trades left signed by a worker that died before recording the send. A node
    error on one trade leaves it signed for the next pass and does not hold back the others."""
    count = 0
    for trade_id in Trade.objects.filter(
        opportunity__chain=chain, state=Trade.State.SIGNED
    ).values_list("pk", flat=True):
        try:
            count += int(_submit(ctx, trade_id))
        except ChainRpcError as exc:
            logger.warning(
                "trade %s: not re-sent now (%s); the next pass tries again", trade_id, exc
            )
    return count


def _receipt(ctx: ExecutionContext, trade: Trade) -> Any:
    for tx_hash in reversed(trade.tx_hashes or [trade.tx_hash]):
        if tx_hash:
            receipt = ctx.client.receipt(tx_hash)
            if receipt is not None:
                return receipt
    return None


def trade_confirm(*, trade_id: int, ctx: ExecutionContext) -> Trade:
    """Check a submitted trade: confirm it after N blocks, replace it if stuck, drop it if gone."""
    with transaction.atomic():
        trade = locked_in(trade_id, Trade.State.SUBMITTED)
        if trade is None:
            return Trade.objects.get(pk=trade_id)
        chain = trade.opportunity.chain
        control = control_for(chain=chain)
        head = ctx.client.block_number()
        receipt = _receipt(ctx, trade)
        if receipt is not None:
            mined = int(receipt["blockNumber"])
            if head - mined + 1 >= control.confirmations:
                _settle(trade, receipt)
            elif trade.block_number != mined:
                # Mined, not yet confirmed: its pools' reserves already include it, so it no
                # longer holds them back (a reorg clears this again, see trades_rewind).
                trade.block_number = mined
                trade.save(update_fields=["block_number"])
            return trade
        known = any(ctx.client.transaction(h) for h in trade.tx_hashes if h)
        # A transaction sent now lands in the next block at the soonest: past the deadline
        # there, the executor would only revert (and burn the gas).
        past_deadline = trade.deadline_block is not None and head + 1 > trade.deadline_block
        if not known:
            # Gone from the node: dropped from its pool, or its block left the chain.
            if past_deadline:
                trade_finish(trade, Trade.State.DROPPED, "not mined before its deadline block")
            elif (reason := _would_revert(ctx, trade)) is not None:
                trade_finish(trade, Trade.State.DROPPED, f"vanished and would now revert: {reason}")
            else:
                _broadcast(ctx, trade)  # same bytes, same nonce: never a second transaction
            return trade
        waited = head - (trade.submitted_block or head)
        if waited >= control.replace_after_blocks or (
            past_deadline and not _cancelling(ctx, trade)
        ):
            # Past its deadline (a transaction back in the pool after a reorg, say) the execution
            # could only revert if mined: its nonce is cancelled now, not after the wait.
            _replace(ctx, trade, cancel=past_deadline)
        return trade


def _cancelling(ctx: ExecutionContext, trade: Trade) -> bool:
    """Whether the trade's newest transaction is a cancellation (an empty self-transfer)."""
    sent = ctx.client.transaction(trade.tx_hash) if trade.tx_hash else None
    to = str((sent or {}).get("to") or "").lower()
    return bool(to) and to == (trade.account or "").lower()


def _settle(trade: Trade, receipt: Any) -> None:
    """Book a mined transaction: confirmed with the executor's reported profit, failed, or a
    cancellation."""
    trade.block_number = int(receipt["blockNumber"])
    trade.gas_used = int(receipt["gasUsed"])
    trade.effective_gas_price = int(receipt.get("effectiveGasPrice", 0))
    trade.tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
    if trade.account and str(receipt.get("to") or "").lower() == trade.account.lower():
        trade_finish(trade, Trade.State.DROPPED, "cancelled: the nonce went to a self-transfer")
    elif int(receipt["status"]) != 1:
        trade.realized_profit = 0
        trade_finish(trade, Trade.State.FAILED, "reverted on chain")
    else:
        executor_address = trade.opportunity.chain.executor_address
        events = cycle_executed_events(receipt, executor_address)
        trade.realized_profit = sum(int(e["profit"]) for e in events)
        trade.confirmed_at = timezone.now()
        trade_finish(trade, Trade.State.CONFIRMED)


def _would_revert(ctx: ExecutionContext, trade: Trade) -> str | None:
    chain = trade.opportunity.chain
    tx = {"from": trade.account, "to": chain.executor_address, "data": trade.calldata}
    try:
        ctx.client.call(tx, "latest")
    except CallRevertedError as exc:
        return decode_revert(exc.data)
    return None


def _replace(ctx: ExecutionContext, trade: Trade, *, cancel: bool = False) -> None:
    """Re-send the trade's nonce with a higher fee; past its deadline, as an empty self-transfer
    (a cancellation: the execution would only revert and burn gas)."""
    if ctx.signer is None or trade.nonce is None:
        return
    chain = trade.opportunity.chain
    refusal = gate.trade_refusal(cycle_addresses(trade.opportunity))
    if refusal:
        cancel = True  # never sign the cycle again: the nonce goes to a self-transfer
        logger.warning("trade %s: %s; cancelling its nonce", trade.pk, refusal)
    max_fee, tip = replacement_fees(
        *fees_now(ctx), trade.max_fee_per_gas, trade.max_priority_fee_per_gas
    )
    if cancel:
        to, data, gas = ctx.signer.address, "0x", CANCEL_GAS
    else:
        to, data = to_checksum_address(chain.executor_address), trade.calldata
        gas = trade.gas_limit or 0
    sign_into(ctx.signer, trade, to=to, data=data, gas=gas, max_fee=max_fee, tip=tip)
    trade.submitted_block = ctx.client.block_number()
    trade.save()
    _broadcast(ctx, trade)
    _audit(trade, AuditAction.EXECUTION_TRADE_REPLACED, cancel=cancel, max_fee_per_gas=max_fee)
    verb = "cancelled" if cancel else "replaced"
    logger.info("trade %s %s with fee %s (nonce %s)", trade.pk, verb, max_fee, trade.nonce)


def trades_rewind(*, chain: Chain, after_block: int) -> int:
    """A reorg removed blocks after `after_block`: trades mined there are pending again (the
    confirm step settles them once mined again, or drops them), any profit booked for them is
    withdrawn, and their opportunities say why (REORGED). Each reversal is audited."""
    count = 0
    for trade_id in Trade.objects.filter(
        opportunity__chain=chain, block_number__gt=after_block
    ).values_list("pk", flat=True):
        trade = _locked(trade_id)
        before = {
            "state": trade.state,
            "block_number": trade.block_number,
            "realized_profit": trade.realized_profit,
        }
        reason = f"reorg: block {trade.block_number} left the chain"
        trade.state = Trade.State.SUBMITTED
        trade.block_number = None
        trade.realized_profit = None
        trade.gas_used = None
        trade.effective_gas_price = None
        trade.confirmed_at = None
        trade.finished_at = None
        trade.submitted_block = after_block
        trade.error = reason
        trade.save()
        Opportunity.objects.filter(pk=trade.opportunity_id).update(
            status=Opportunity.Status.REORGED, reason=reason
        )
        audit_record(
            action=AuditAction.EXECUTION_TRADE_REORGED,
            target=trade,
            before=before,
            after=step_after(trade, reason=reason, common_ancestor=after_block),
        )
        count += 1
    Opportunity.objects.filter(
        chain=chain, block_number__gt=after_block, status=Opportunity.Status.DETECTED
    ).update(status=Opportunity.Status.EXPIRED, reason="reorg")
    return count
