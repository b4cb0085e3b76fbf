"""The fast lane's database work, in as few round trips as the work allows (PostgreSQL).

The fast lane (fastlane.py) races the next block. Through the ORM its reads and its record
took about thirty statements, each built anew by the query compiler: most of its time. Here
the lane plans with what it read last (the execution switches, the thresholds, our trades in
flight: `LaneState`), and checks all of it, fresh, under the lock it takes to record a trade.
A block with nothing to trade costs no query; a trade costs three round trips:

1. with the simulation at the node in parallel: the account's nonce row locked; then, under
   that lock, the switches, the thresholds and our trades in flight as they are now, which of
   the cycle's pools may trade and at which fee, the start token's losses today, two new ids,
   the audit log's append lock and its last row;
2. the rows: the opportunity (approved), its trade (signed: the simulation's results, the
   nonce, the signed bytes), the nonce row moved on, and the two audit rows the state machine
   writes on that way (approved, signed), chained to the log;
3. the commit. Then the send.

When what the lane planned with no longer holds (a switch, a threshold, a slot or a pool
taken, a pool barred or its fee changed), it records nothing and takes the fresh values for
the next block; the queues decide this one. Anything else off the plain way (a dry run, no
nonce row yet, a refusal by the risk limits, a simulation that reverts, a head that moved
on) is handed to the ORM path (`opportunity_execute`), which decides it and records why.

The rows are model instances written with their fields' own conversions (core/sql.py), so
they are exactly what the ORM path writes; from `signed` on, the trade is the state
machine's like any other (`send_prepared` submits it, the confirm step settles it). Other
databases (the demo's SQLite) always take the ORM path.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from eth_utils.address import to_checksum_address

from accounts.audit import (
    AUDIT_TAIL_SQL,
    AuditAction,
    audit_event,
    audit_link,
    audit_lock_sql,
)
from accounts.models import AuditEvent
from arbitrage.chain.client import ChainClient
from arbitrage.chain.contracts import decode_profit, execute_calldata
from arbitrage.models import Chain, ExecutionControl, Opportunity, Pool, Threshold, Trade
from arbitrage.services.execute import (
    DEADLINE_BLOCKS,
    ExecutionContext,
    cycle_call,
    daily_loss,
    day_start,
    gas_limit_for,
    limits_refusal,
    opportunity_execute,
    send_prepared,
    sign_into,
)
from arbitrage.services.scan import ScanReads, engine_for, engine_forget
from core.sql import insert_statement, next_ids, result_sets


def hotpath_available() -> bool:
    return connection.vendor == "postgresql"


@dataclass
class Laps:
    """Where one block's time went: milliseconds and SQL statements per phase."""

    started: float = field(default_factory=time.perf_counter)
    phases: dict[str, tuple[float, int]] = field(default_factory=dict)
    _queries: int = 0

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        def count(execute: Callable[..., Any], *args: Any) -> Any:
            self._queries += 1
            return execute(*args)

        start, before = time.perf_counter(), self._queries
        with connection.execute_wrapper(count):
            yield
        ms, queries = self.phases.get(name, (0.0, 0))
        self.phases[name] = (
            ms + 1000 * (time.perf_counter() - start),
            queries + self._queries - before,
        )

    def summary(self) -> str:
        total = 1000 * (time.perf_counter() - self.started)
        parts = " ".join(f"{k} {ms:.1f} ms/{q}q" for k, (ms, q) in self.phases.items())
        return f"{total:.1f} ms ({parts})"


IN_FLIGHT_STATES = f"('{Trade.State.SIGNED}', '{Trade.State.SUBMITTED}')"
# A pool whose cycles may not trade: as scan.UNTRADABLE says it.
BARRED = (
    "(NOT p.active OR t0.is_blocked OR t1.is_blocked"
    " OR t0.is_fee_on_transfer OR t1.is_fee_on_transfer)"
)
POOLS_WITH_TOKENS = (
    "arbitrage_pool p JOIN arbitrage_token t0 ON t0.id = p.token0_id"
    " JOIN arbitrage_token t1 ON t1.id = p.token1_id"
)
STATE_SQL = f"""
SELECT id, execution_paused, scanning_enabled, max_trades_in_flight, confirmations,
       replace_after_blocks, reason
  FROM arbitrage_executioncontrol WHERE chain_id = %(chain)s;
SELECT id, start_token_id, min_net_profit, min_profit_bps, max_input, max_hops,
       max_gas_price_wei, max_daily_loss, enabled
  FROM arbitrage_threshold WHERE chain_id = %(chain)s;
SELECT o.pool_path, t.tx_hash, t.account, t.nonce, t.block_number
  FROM arbitrage_trade t JOIN arbitrage_opportunity o ON o.id = t.opportunity_id
 WHERE o.chain_id = %(chain)s AND t.state IN {IN_FLIGHT_STATES}
"""  # noqa: S608 - built from constants; every value is a parameter


@dataclass(frozen=True)
class InFlight:
    """One of our trades signed or sent, not yet confirmed."""

    pool_path: list[int]
    tx_hash: str | None
    account: str
    nonce: int | None
    mined: bool  # its block is known (it then holds neither its pools nor a slot)


@dataclass
class LaneState(ScanReads):
    """What the lane plans a block with: the switches, the thresholds, our trades in flight,
    as last read; the scan takes the thresholds from here (see ScanReads), and the changed
    pools from the engine, which holds each one it may trade. All of it is read again, fresh,
    under the record's lock before anything is recorded."""

    control: ExecutionControl
    threshold_rows: dict[int | None, Threshold]
    in_flight: list[InFlight]
    stale: bool = False  # a pool's fee changed: the engine must be rebuilt from the rows
    # Our transactions seen executed in blocks the lane heard, which the sync may not have
    # marked yet (kept while the rows still show them in flight).
    seen: set[str] = field(default_factory=set)

    def pools(self, chain: Chain, pool_ids: list[int]) -> list[Pool]:
        warm = engine_for(chain)
        return [Pool(id=pk, fee_ppm=warm.fees[pk]) for pk in pool_ids if pk in warm.pool_ids]

    def barred(self, pool_ids: set[int]) -> set[int]:
        return set()  # the taken cycle's pools are checked in the record

    def thresholds(self, chain: Chain) -> dict[int | None, Threshold]:
        return self.threshold_rows

    def threshold_for(self, start_token_id: int) -> Threshold | None:
        return self.threshold_rows.get(start_token_id, self.threshold_rows.get(None))

    def busy(self, mined: Collection[str] = ()) -> list[list[int]]:
        """Pool paths of our trades sent and not mined (`mined`: seen in this block's logs)."""
        return [
            t.pool_path
            for t in self.in_flight
            if not t.mined and t.tx_hash not in self.seen and t.tx_hash not in mined
        ]

    def note_mined(self, mined: set[str]) -> None:
        """Our trades executed in a block the lane heard: they hold nothing any more."""
        self.seen |= mined

    def take(self, fresh: LaneState) -> None:
        """The values read now, keeping what the lane saw mined that the rows still hold."""
        self.control, self.threshold_rows = fresh.control, fresh.threshold_rows
        self.in_flight = fresh.in_flight
        self.seen &= {t.tx_hash for t in fresh.in_flight if t.tx_hash}

    def may_trade(self) -> bool:
        return self.control.scanning_enabled and not self.control.execution_paused


def _control(chain: Chain, row: tuple[Any, ...]) -> ExecutionControl:
    cid, paused, scanning, max_in_flight, confirmations, replace_after, reason = row
    return ExecutionControl(
        id=cid,
        chain=chain,
        execution_paused=paused,
        scanning_enabled=scanning,
        max_trades_in_flight=max_in_flight,
        confirmations=confirmations,
        replace_after_blocks=replace_after,
        reason=reason,
    )


def _thresholds(chain: Chain, rows: list[tuple[Any, ...]]) -> dict[int | None, Threshold]:
    return {
        start: Threshold(
            id=tid,
            chain=chain,
            start_token_id=start,
            min_net_profit=int(min_net),
            min_profit_bps=bps,
            max_input=int(max_input),
            max_hops=max_hops,
            max_gas_price_wei=int(max_gas),
            max_daily_loss=int(max_loss),
            enabled=enabled,
        )
        for tid, start, min_net, bps, max_input, max_hops, max_gas, max_loss, enabled in rows
    }


def _in_flight(rows: list[tuple[Any, ...]]) -> list[InFlight]:
    # JSON columns come back as text (Django decodes them in the field, not the driver).
    return [
        InFlight(
            [int(pool) for pool in (json.loads(path) if isinstance(path, str) else path)],
            tx_hash,
            account,
            nonce,
            block is not None,
        )
        for path, tx_hash, account, nonce, block in rows
    ]


def _threshold_terms(rows: dict[int | None, Threshold]) -> dict[int | None, tuple[Any, ...]]:
    """What the scan and the risk limits take from each threshold."""
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
        for key, t in rows.items()
    }


def lane_state(chain: Chain) -> LaneState | None:
    """The lane's state read now, in one round trip; None when the chain has no execution
    switches yet (the ORM path makes them)."""
    with connection.cursor() as cursor:
        cursor.execute(STATE_SQL, {"chain": chain.pk})
        controls, thresholds, in_flight = result_sets(cursor)
    if not controls:
        return None
    return LaneState(
        control=_control(chain, controls[0]),
        threshold_rows=_thresholds(chain, thresholds),
        in_flight=_in_flight(in_flight),
    )


RECORD_SQL = f"""
SELECT n.id
  FROM arbitrage_accountnonce n
 WHERE n.chain_id = %(chain)s AND n.address = %(account)s
   FOR UPDATE;
{STATE_SQL};
SELECT p.id, p.fee_ppm, {BARRED}
  FROM {POOLS_WITH_TOKENS} WHERE p.id = ANY(%(pools)s::bigint[]);
SELECT t.realized_profit
  FROM arbitrage_trade t JOIN arbitrage_opportunity o ON o.id = t.opportunity_id
 WHERE %(losses)s AND o.chain_id = %(chain)s AND o.start_token_id = %(token)s
   AND t.finished_at >= %(day)s AND t.realized_profit < 0;
{next_ids(Opportunity)};
{next_ids(Trade)};
{audit_lock_sql()};
{AUDIT_TAIL_SQL}
"""  # noqa: S608 - built from constants; every value is a parameter

FALLBACK = "fallback"

# The simulation goes to the node while the record's first round trip goes to the database.
_node = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lane-node")


def node_warm(client: ChainClient) -> None:
    """Open the simulation thread's connection to the node (a first request pays for it)."""
    _node.submit(client.block_number).result()


@dataclass(frozen=True)
class Signed:
    trade_id: int
    raw: str
    tx_hash: str


def lane_execute(
    *,
    opportunity: Opportunity,
    ctx: ExecutionContext,
    state: LaneState,
    mined: set[str],
    laps: Laps | None = None,
) -> Trade | None:
    """Store, approve, simulate and sign an opportunity of the newest block in one transaction,
    then send it; as `opportunity_execute`, whose way it takes whenever this one is not plain.
    None when the lane's plan no longer holds (see the module's notes) or another writer
    stored the opportunity first."""
    laps = laps or Laps()
    if ctx.mode != Trade.Mode.LIVE or ctx.signer is None or not opportunity.chain.executor_address:
        with laps.phase("execute (ORM)"):
            return _orm_execute(opportunity, ctx, None)  # the switches read there, fresh
    with laps.phase("record"):
        signed = _record(opportunity, ctx, state, mined)
    if signed == FALLBACK:
        with laps.phase("execute (ORM)"):
            return _orm_execute(opportunity, ctx, state.control)  # read fresh by the record
    if not isinstance(signed, Signed):
        return None
    state.in_flight.append(
        InFlight(opportunity.pool_path, signed.tx_hash, ctx.signer.address, None, False)
    )
    with laps.phase("send and submitted"):
        return send_prepared(ctx, signed.trade_id, (signed.raw, signed.tx_hash))


def _orm_execute(
    opportunity: Opportunity, ctx: ExecutionContext, control: ExecutionControl | None
) -> Trade | None:
    """The ORM path, for a cycle whose pools are checked here as the scan checks them."""
    chain = opportunity.chain
    barred = ScanReads().barred(set(opportunity.pool_path))
    if barred:
        engine_forget(chain, barred)
        return None
    return opportunity_execute(opportunity=opportunity, ctx=ctx, control=control)


def _plan_holds(
    opportunity: Opportunity,
    state: LaneState,
    fresh: LaneState,
    pools: list[tuple[Any, ...]],
    mined: set[str],
) -> bool:
    """Whether what the lane planned with still holds; the lane takes the fresh values."""
    chain = opportunity.chain
    planned = _threshold_terms(state.threshold_rows)
    state.take(fresh)
    barred = {pk for pk, _, is_barred in pools if is_barred}
    if barred:
        engine_forget(chain, barred)
        return False
    fees = {pk: fee for pk, fee, _ in pools}
    if [fees.get(pk) for pk in opportunity.pool_path] != list(opportunity.fees_ppm):
        state.stale = True  # a fee edited in the admin since the engine took the pool in
        return False
    if not fresh.may_trade() or _threshold_terms(fresh.threshold_rows) != planned:
        return False
    busy = state.busy(mined)
    taken = {pool for path in busy for pool in path}
    return len(busy) < state.control.max_trades_in_flight and not taken & set(opportunity.pool_path)


def _record(
    opportunity: Opportunity, ctx: ExecutionContext, state: LaneState, mined: set[str]
) -> Signed | str | None:
    """The opportunity's rows, committed with its trade signed; FALLBACK for the ORM path;
    None when the plan no longer holds or another writer stored the opportunity first."""
    signer = ctx.signer
    assert signer is not None
    chain = opportunity.chain
    threshold = state.threshold_for(opportunity.start_token_id)
    call = cycle_call(
        opportunity,
        deadline_block=opportunity.block_number + DEADLINE_BLOCKS,
        min_net=threshold.min_net_profit if threshold else 0,
    )
    data = execute_calldata(call)
    simulation = _node.submit(
        ctx.client.head_tip_and_nonce,
        signer.address,
        {"from": signer.address, "to": chain.executor_address, "data": data},
    )
    params: dict[str, Any] = {
        "chain": chain.pk,
        "account": signer.address,
        "pools": list(opportunity.pool_path),
        "losses": bool(threshold and threshold.max_daily_loss),
        "token": opportunity.start_token_id,
        "day": day_start(),
    }
    try:
        with transaction.atomic():
            try:
                with connection.cursor() as cursor:
                    cursor.execute(RECORD_SQL, params)
                    sets = list(result_sets(cursor))
            finally:
                node = simulation.result()  # never left running past this transaction
            nonce_row, controls, thresholds, in_flight, pools, losses, opp_ids, trade_ids = sets[:8]
            tail = sets[9]
            fresh = LaneState(
                control=_control(chain, controls[0]),
                threshold_rows=_thresholds(chain, thresholds),
                in_flight=_in_flight(in_flight),
            )
            if not _plan_holds(opportunity, state, fresh, pools, mined):
                return None
            if not nonce_row:
                return FALLBACK  # the ORM path makes the account's nonce row
            head, tip = node.head, node.tip
            if (
                head.number != opportunity.block_number
                or node.call_result is None
                or node.pending is None
            ):
                return FALLBACK  # a newer head (simulated again there) or a revert: recorded
            ours = [t for t in state.in_flight if t.account == signer.address]
            highest = max((t.nonce for t in ours if t.nonce is not None), default=None)
            if limits_refusal(
                amount_in=opportunity.amount_in,
                threshold=threshold,
                gas_price=head.base_fee_per_gas + tip,
                daily_loss=daily_loss(int(p) for (p,) in losses),
                in_flight=len(state.busy(mined)),
                max_in_flight=state.control.max_trades_in_flight,
            ):
                return FALLBACK  # refused: the ORM path records why
            nonce = max(node.pending, highest + 1 if highest is not None else 0)
            trade = _rows(opportunity, opp_ids[0][0], trade_ids[0][0], signer.address, nonce)
            trade.simulated_profit = decode_profit(node.call_result)
            trade.deadline_block = call.deadline_block
            trade.calldata = data
            trade.gas_limit = gas_limit_for(len(opportunity.pool_path))
            approved = _approved_event(trade)
            sign_into(
                signer,
                trade,
                to=to_checksum_address(chain.executor_address),
                data=data,
                gas=trade.gas_limit,
                max_fee=2 * head.base_fee_per_gas + tip,
                tip=tip,
            )
            trade.state = Trade.State.SIGNED
            signed = audit_event(
                action=AuditAction.EXECUTION_TRADE_SIGNED,
                target=trade,
                after={
                    "state": trade.state,
                    "mode": trade.mode,
                    "tx_hash": trade.tx_hash,
                    "nonce": nonce,
                    "account": trade.account,
                    "simulated_profit": trade.simulated_profit,
                },
            )
            audit_link([approved, signed], tail[0] if tail else None)
            _write(opportunity, trade, [approved, signed], nonce_row[0][0])
    except IntegrityError:
        opportunity.pk = None
        opportunity.status = Opportunity.Status.DETECTED
        if Opportunity.objects.filter(
            chain=chain, cycle_key=opportunity.cycle_key, block_number=opportunity.block_number
        ).exists():
            return None  # the queued scan stored it first: it is theirs to take
        raise
    return Signed(trade_id=trade.pk, raw=trade.signed_tx, tx_hash=trade.tx_hash or "")


def _write(
    opportunity: Opportunity, trade: Trade, events: list[AuditEvent], nonce_row: int
) -> None:
    """The rows in one round trip: the opportunity, its trade, its audit rows, the nonce row."""
    statements: list[str] = []
    values: list[Any] = []
    for rows in ([opportunity], [trade], events):
        sql, row_params = insert_statement(rows)
        statements.append(sql)
        values.extend(row_params)
    statements.append(
        "UPDATE arbitrage_accountnonce SET next_nonce = %s, updated_at = %s WHERE id = %s"
    )
    values.extend([(trade.nonce or 0) + 1, trade.signed_at, nonce_row])
    with connection.cursor() as cursor:
        cursor.execute(";\n".join(statements), values)


def _rows(
    opportunity: Opportunity, opportunity_id: int, trade_id: int, account: str, nonce: int
) -> Trade:
    """The opportunity as approved and its trade about to be signed, as the ORM path leaves
    them at those steps."""
    now = timezone.now()
    opportunity.pk = opportunity_id
    opportunity.status = Opportunity.Status.APPROVED
    return Trade(
        id=trade_id,
        opportunity=opportunity,
        mode=Trade.Mode.LIVE,
        state=Trade.State.APPROVED,
        approved_at=now,
        simulated_at=now,
        signed_at=now,
        account=account,
        nonce=nonce,
    )


def _approved_event(trade: Trade) -> AuditEvent:
    """The approval's audit row, as `trade_approve` writes it for a new trade."""
    opportunity = trade.opportunity
    return audit_event(
        action=AuditAction.EXECUTION_TRADE_APPROVED,
        target=trade,
        before={"state": None, "opportunity_status": Opportunity.Status.DETECTED},
        after={
            "opportunity": opportunity.pk,
            "state": trade.state,
            "mode": trade.mode,
            "opportunity_status": opportunity.status,
            "reason": opportunity.reason,
        },
    )
