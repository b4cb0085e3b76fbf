"""The rules of the trade record, each defined once.

Two paths write a trade: the state machine through the ORM (`execute.py`, `decisions.py`,
`choose.py`) and the fast lane's record in plain SQL (`lane/sql.py`). Every decision they take
and every value they write comes from here: which of our trades are in flight, which
threshold applies, which pools may not trade, the fees, the next nonce, the risk limits, the
values each step leaves on the rows and the payloads of its audit rows. These are plain
functions of what the caller read; none of them reads or writes the database or the chain.
"""

from __future__ import annotations

import operator
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from functools import reduce
from typing import Any

from django.db.models import Q
from django.utils import timezone

from arbitrage.chain.signer import Signer
from arbitrage.models import ExecutionControl, Opportunity, Threshold, Trade

# -- our trades in flight -------------------------------------------------------------------
# Signed or sent, not settled: they hold a nonce; unless their block is known, they also hold
# their pools (whose reserves do not include them yet) and one of the in-flight slots.
IN_FLIGHT_STATES: tuple[str, ...] = (Trade.State.SIGNED, Trade.State.SUBMITTED)
# What is read of each (Trade lookups, in InFlight's order).
IN_FLIGHT_FIELDS = ("opportunity__pool_path", "tx_hash", "account", "nonce", "block_number")


@dataclass(frozen=True)
class InFlight:
    """One of our trades signed or sent, not yet settled."""

    pool_path: list[int]
    tx_hash: str | None
    account: str
    nonce: int | None
    mined: bool  # its block is known: it then holds neither its pools nor a slot


def in_flight_of(rows: Iterable[Sequence[Any]]) -> list[InFlight]:
    """InFlight rows from values read in IN_FLIGHT_FIELDS' order."""
    return [
        InFlight([int(pool) for pool in path], tx_hash, account, nonce, block is not None)
        for path, tx_hash, account, nonce, block in rows
    ]


def holding(trades: Iterable[InFlight], mined: Collection[str] = ()) -> list[InFlight]:
    """The trades that hold their pools and a slot: not mined, neither by their row nor by
    `mined` (hashes seen executed in blocks the rows do not show yet)."""
    return [t for t in trades if not t.mined and t.tx_hash not in mined]


def next_nonce(pending: int, trades: Iterable[InFlight], account: str) -> int:
    """The larger of the node's pending count and one past the highest nonce of the
    account's trades in flight (a trade dropped unsent gives its nonce back by leaving)."""
    highest = max(
        (t.nonce for t in trades if t.account == account and t.nonce is not None), default=None
    )
    return max(pending, highest + 1 if highest is not None else 0)


def nonce_after(nonce: int) -> int:
    """What the account's nonce row keeps once `nonce` is handed out."""
    return nonce + 1


# -- the choice ---------------------------------------------------------------------------
def choose(
    found: Iterable[Opportunity], busy: Sequence[Sequence[int]], max_in_flight: int
) -> list[Opportunity]:
    """The best opportunities (in the order given) that share no pool with each other nor
    with `busy` (pool paths of our trades holding theirs), within the free slots."""
    slots = max(0, max_in_flight - len(busy))
    chosen: list[Opportunity] = []
    # A pool that an unconfirmed trade of ours will move is not priced right yet.
    used: set[int] = {pool for path in busy for pool in path}
    for opportunity in found:
        if len(chosen) >= slots:
            break
        pools = set(opportunity.pool_path)
        if pools & used:
            continue
        chosen.append(opportunity)
        used |= pools
    return chosen


def may_trade(control: ExecutionControl) -> bool:
    return control.scanning_enabled and not control.execution_paused


def kill_switch_refusal(control: ExecutionControl) -> str | None:
    return f"kill switch: {control.reason or 'paused'}" if control.execution_paused else None


# -- a plan made with earlier reads ------------------------------------------------------------
class PlanChange(StrEnum):
    """Why a trade planned with earlier reads must not be recorded with the fresh ones."""

    BARRED = "a pool of the cycle may no longer trade"
    FEE = "a pool's fee changed since the engine priced the cycle"
    SWITCHES = "execution or scanning is switched off"
    THRESHOLDS = "the thresholds changed"
    SLOTS = "no free in-flight slot, or a pool held by a trade in flight"


def plan_change(
    opportunity: Opportunity,
    *,
    planned: Mapping[int | None, Threshold],
    control: ExecutionControl,
    thresholds: Mapping[int | None, Threshold],
    barred: Collection[int],
    fees: Mapping[int, int],
    busy: Sequence[Sequence[int]],
) -> PlanChange | None:
    """What no longer holds of a plan made with the `planned` thresholds, with the switches,
    thresholds, pools (those barred, every pool's fee) and trades holding pools as read now;
    None when the opportunity may be recorded as planned."""
    if barred:
        return PlanChange.BARRED
    if fees_changed(opportunity, fees):
        return PlanChange.FEE
    if not may_trade(control):
        return PlanChange.SWITCHES
    if threshold_terms(thresholds) != threshold_terms(planned):
        return PlanChange.THRESHOLDS
    if choose([opportunity], busy, control.max_trades_in_flight) != [opportunity]:
        return PlanChange.SLOTS
    return None


# -- thresholds -------------------------------------------------------------------------------
def threshold_for(
    thresholds: Mapping[int | None, Threshold], start_token_id: int
) -> Threshold | None:
    """The start token's threshold, else the chain's default one (start token None)."""
    return thresholds.get(start_token_id, thresholds.get(None))


def threshold_terms(
    thresholds: Mapping[int | None, Threshold],
) -> dict[int | None, tuple[Any, ...]]:
    """What the scan and the risk limits take from each threshold (a plan made with one set
    of terms holds while they are equal)."""
    return {
        key: (
            t.enabled,
            t.max_hops,
            t.min_net_profit,
            t.min_profit_bps,
            t.max_input,
            t.max_gas_price_wei,
            t.max_daily_loss,
        )
        for key, t in thresholds.items()
    }


def min_net(threshold: Threshold | None) -> int:
    """The net profit the executor must see on top of the gas cost."""
    return threshold.min_net_profit if threshold else 0


# -- pools that may not trade -----------------------------------------------------------------
# A pool no cycle may go through: inactive, or with a blocked or fee-on-transfer token. Each
# entry is a Pool lookup and the value that bars the pool.
BARRING: tuple[tuple[str, bool], ...] = (
    ("active", False),
    ("token0__is_blocked", True),
    ("token1__is_blocked", True),
    ("token0__is_fee_on_transfer", True),
    ("token1__is_fee_on_transfer", True),
)
# The same rule as a query filter.
UNTRADABLE = reduce(operator.or_, (Q(**{lookup: value}) for lookup, value in BARRING))


def pool_barred(flags: Sequence[bool]) -> bool:
    """Whether a pool is barred, from its values of BARRING's lookups (in that order)."""
    return any(flag == value for flag, (_, value) in zip(flags, BARRING, strict=True))


def fees_changed(opportunity: Opportunity, fees: Mapping[int, int]) -> bool:
    """Whether a pool's fee now differs from the one the engine priced the cycle with."""
    return [fees.get(pk) for pk in opportunity.pool_path] != list(opportunity.fees_ppm)


# -- gas and fees -----------------------------------------------------------------------------
DEADLINE_BLOCKS = 2  # the executor reverts if the trade lands later than this
# The gas limit: twice the executor's measured cost for the hop count. Only gas used is paid;
# a limit that misses cold storage slots or the 63/64 rule of the nested flash-swap calls
# would revert the trade out of gas. (No eth_estimateGas on the hot path: the simulation
# already proved the call succeeds, and the estimate costs a round trip of binary search.)
GAS_LIMIT_BY_HOPS = {2: 300_000, 3: 400_000, 4: 500_000}
REPLACEMENT_BUMP_PERCENT = 125  # nodes want at least +10 % to replace a pending transaction


def deadline_from(block_number: int) -> int:
    """The last block the executor accepts a cycle found in `block_number` in."""
    return block_number + DEADLINE_BLOCKS


def gas_limit_for(hops: int) -> int:
    return GAS_LIMIT_BY_HOPS.get(hops, 500_000 + 100_000 * max(0, hops - 4))


def gas_price(base_fee: int, tip: int) -> int:
    """What a unit of gas costs in the block: its base fee and our tip."""
    return base_fee + tip


def max_fee_per_gas(base_fee: int, tip: int) -> int:
    """The fee cap: room for the base fee to double before the transaction is mined."""
    return 2 * base_fee + tip


def replacement_fees(
    max_fee: int, tip: int, old_max_fee: int | None, old_tip: int | None
) -> tuple[int, int]:
    """The fee cap and tip of a transaction replacing one sent with the old ones (`max_fee` and
    `tip`: what a transaction sent now offers). Both at least the bump above the old ones, and
    the cap never below the tip plus the room `max_fee` leaves for the base fee (a node refuses
    a tip above the cap)."""
    new_tip = max(tip, old_tip or 0) * REPLACEMENT_BUMP_PERCENT // 100 or 1
    base_room = max(0, max_fee - tip)
    new_max_fee = max(base_room + new_tip, (old_max_fee or 0) * REPLACEMENT_BUMP_PERCENT // 100)
    return new_max_fee, new_tip


# -- risk limits --------------------------------------------------------------------------
def day_start() -> datetime:
    return datetime.combine(timezone.now().date(), time.min, tzinfo=timezone.now().tzinfo)


def daily_loss(losses: Iterable[int | None]) -> int:
    """The day's loss from realized profits below zero (summed in Python: amounts are exact
    integers on every database, ADR 0001)."""
    return sum(-p for p in losses if p is not None and p < 0)


def limits_refusal(
    *,
    amount_in: int,
    threshold: Threshold | None,
    gas_price: int,
    daily_loss: int,
    in_flight: int,
    max_in_flight: int,
) -> str | None:
    """Why the risk limits refuse a trade of `amount_in` at `gas_price`, with the start token's
    losses today and our trades in flight as given; None when they allow it."""
    if threshold is not None:
        if threshold.max_input and amount_in > threshold.max_input:
            return f"risk: amount in {amount_in} exceeds max input {threshold.max_input}"
        if threshold.max_gas_price_wei and gas_price > threshold.max_gas_price_wei:
            return f"risk: gas price {gas_price} exceeds {threshold.max_gas_price_wei}"
        if threshold.max_daily_loss and daily_loss >= threshold.max_daily_loss:
            return f"risk: daily loss {daily_loss} reached the limit {threshold.max_daily_loss}"
    if in_flight >= max_in_flight:
        return f"risk: {in_flight} trade(s) already in flight (limit {max_in_flight})"
    return None


# Chains whose blocks only we make (anvil, hardhat, geth --dev): a reorg is a test's doing.
LOCAL_CHAIN_IDS = frozenset({31337, 1337})


def finality_default(chain_id: int) -> int:
    """The depth at which a trade's profit stops being provisional, unless an operator sets
    another: 2 blocks on a local chain, 64 (two epochs of a proof-of-stake chain) elsewhere."""
    return 2 if chain_id in LOCAL_CHAIN_IDS else 64


def stale_refusal(*, found_at: int, head: int, max_lag: int) -> str | None:
    """Why a trade must not be signed on state read at block `found_at` with the node's head at
    `head` (more than `max_lag` blocks behind it), or None."""
    behind = head - found_at
    if behind > max_lag:
        return (
            f"stale: found at block {found_at}, {behind} blocks behind the head {head}"
            f" (limit {max_lag})"
        )
    return None


# -- the values each step leaves on the rows --------------------------------------------------
def approved(trade: Trade, opportunity: Opportunity) -> None:
    """detected (or new) -> approved."""
    trade.state = Trade.State.APPROVED
    trade.approved_at = timezone.now()
    opportunity.status = Opportunity.Status.APPROVED


def simulated(
    trade: Trade,
    *,
    profit: int,
    deadline_block: int,
    calldata: str,
    base_fee: int,
    tip: int,
    mode: str,
) -> None:
    """approved -> simulated: what the simulation proved and what the send will offer."""
    trade.simulated_profit = profit
    trade.deadline_block = deadline_block
    trade.calldata = calldata
    trade.max_fee_per_gas = max_fee_per_gas(base_fee, tip)
    trade.max_priority_fee_per_gas = tip
    trade.gas_limit = gas_limit_for(len(trade.opportunity.pool_path))
    trade.simulated_at = timezone.now()
    trade.state = Trade.State.SIMULATED
    trade.mode = mode


def dry_run_finished(trade: Trade) -> None:
    """A dry run ends at the simulation: what would have been sent, and nothing more."""
    trade.error = f"dry run: would have sent, simulated profit {trade.simulated_profit}"
    trade.finished_at = timezone.now()


# The gas of an empty self-transfer, which cancels whatever else waits with its nonce.
CANCEL_GAS = 21_000


def transaction_fields(
    *, chain_id: int, nonce: int | None, to: str, data: str, gas: int, max_fee: int, tip: int
) -> dict[str, Any]:
    """The EIP-1559 transaction every signing step signs (no value is ever sent)."""
    return {
        "type": 2,
        "chainId": chain_id,
        "nonce": nonce,
        "to": to,
        "data": data,
        "value": 0,
        "gas": gas,
        "maxFeePerGas": max_fee,
        "maxPriorityFeePerGas": tip,
    }


def sign_into(
    signer: Signer, trade: Trade, *, to: str, data: str, gas: int, max_fee: int, tip: int
) -> None:
    """Sign an EIP-1559 transaction with the trade's nonce and keep its bytes, hash and fees
    on the trade (every hash ever signed for the nonce is remembered)."""
    signed = signer.sign(
        transaction_fields(
            chain_id=trade.opportunity.chain.chain_id,
            nonce=trade.nonce,
            to=to,
            data=data,
            gas=gas,
            max_fee=max_fee,
            tip=tip,
        )
    )
    trade.signed_tx = "0x" + signed.raw.hex()
    trade.tx_hash = signed.hash
    trade.tx_hashes = [*(trade.tx_hashes or []), signed.hash]
    trade.max_fee_per_gas = max_fee
    trade.max_priority_fee_per_gas = tip


def signed(trade: Trade, signer: Signer, *, nonce: int, executor: str) -> None:
    """simulated -> signed: the nonce, the account, the signed bytes of the simulated call."""
    trade.account = signer.address
    trade.nonce = nonce
    sign_into(
        signer,
        trade,
        to=executor,
        data=trade.calldata,
        gas=trade.gas_limit or 0,
        max_fee=trade.max_fee_per_gas or 0,
        tip=trade.max_priority_fee_per_gas or 0,
    )
    trade.signed_at = timezone.now()
    trade.state = Trade.State.SIGNED


# -- audit payloads -------------------------------------------------------------------------
def decision_before(opportunity: Opportunity, trade: Trade | None) -> dict[str, Any]:
    """The state a decision (approve, cancel) found."""
    return {
        "state": trade.state if trade is not None else None,
        "opportunity_status": opportunity.status,
    }


def decision_after(trade: Trade) -> dict[str, Any]:
    """The state a decision left."""
    return {
        "opportunity": trade.opportunity_id,
        "state": trade.state,
        "mode": trade.mode,
        "opportunity_status": trade.opportunity.status,
        "reason": trade.opportunity.reason,
    }


def step_after(trade: Trade, **extra: object) -> dict[str, Any]:
    """The state a chain-facing step left, with what is particular to the step."""
    return {"state": trade.state, "mode": trade.mode, "tx_hash": trade.tx_hash, **extra}


def signed_after(trade: Trade) -> dict[str, Any]:
    return step_after(
        trade, nonce=trade.nonce, account=trade.account, simulated_profit=trade.simulated_profit
    )
