"""The fast lane's database work, in as few round trips as the work allows (PostgreSQL).

The fast lane (fastlane.py) races the next block. Through the ORM its reads and its record
took about thirty statements, each built anew by the query compiler: most of its time. Here
the lane plans with what it read last (the execution switches, the thresholds, our trades in
flight: `LaneState`), and checks all of it, fresh, under the lock it takes to record a trade.
A block with nothing to trade costs no query; a trade costs three round trips:

1. with the simulation at the node in parallel: the account's nonce row locked; then, under
   that lock, the switches, the thresholds and our trades in flight as they are now, which of
   the cycle's pools may trade and at which fee, the start token's losses today, two new ids,
   the audit log's append lock and its last row, and the compliance gate's reads (blocking
   screening hits on the cycle's addresses, whether a sanctions list is loaded);
2. the rows: the opportunity (approved), its trade (signed: the simulation's results, the
   nonce, the signed bytes), the nonce row moved on, and the two audit rows the state machine
   writes on that way (approved, signed), chained to the log;
3. the commit. Then the send.

When what the lane planned with no longer holds (a switch, a threshold, a slot or a pool
taken, a pool barred or its fee changed), it records nothing and takes the fresh values for
the next block; the queues decide this one. Anything else off the plain way (a dry run, no
nonce row yet, a refusal by the risk limits or the compliance gate, a simulation that
reverts, a head that moved on) is handed to the ORM path (`opportunity_execute`), which
decides it and records why.

The rows are model instances written with their fields' own conversions (core/sql.py), so
they are exactly what the ORM path writes; from `signed` on, the trade is the state
machine's like any other (`send_prepared` submits it, the confirm step settles it). Other
databases (the demo's SQLite) always take the ORM path.
"""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from eth_utils.address import to_checksum_address

from accounts.audit import AUDIT_TAIL_SQL, AuditAction, audit_event, audit_link, audit_lock_sql
from accounts.models import AuditEvent
from arbitrage.chain.client import ChainClient
from arbitrage.chain.contracts import decode_profit, execute_calldata
from arbitrage.models import (
    Chain,
    ExecutionControl,
    Opportunity,
    Pool,
    Threshold,
    Trade,
)
from arbitrage.pipeline.execute import (
    ExecutionContext,
    cycle_addresses,
    cycle_call,
    opportunity_execute,
    send_prepared,
)
from arbitrage.pipeline.lane.laps import Laps
from arbitrage.pipeline.rules import (
    BARRING,
    IN_FLIGHT_FIELDS,
    IN_FLIGHT_STATES,
    InFlight,
    PlanChange,
    approved,
    daily_loss,
    day_start,
    deadline_from,
    decision_after,
    decision_before,
    gas_price,
    holding,
    in_flight_of,
    limits_refusal,
    may_trade,
    min_net,
    next_nonce,
    nonce_after,
    plan_change,
    pool_barred,
    signed,
    signed_after,
    simulated,
    threshold_for,
)
from arbitrage.pipeline.scan import ScanReads, engine_for, engine_forget
from compliance.gate import hits_refusal
from compliance.models import ScreeningResult
from compliance.screening import BLOCKING, address_key
from core.sql import Columns, insert_statement, instance, model_columns, next_ids, result_sets


def hotpath_available() -> bool:
    return connection.vendor == "postgresql"


# Every table and column below comes from the models; tests/arbitrage/test_hand_written_sql.py
# checks the statements against them all the same.
CONTROL = model_columns(ExecutionControl, "c")
THRESHOLD = model_columns(Threshold, "h")
IN_FLIGHT = Columns(Trade, IN_FLIGHT_FIELDS, {"": "t", "opportunity": "o"})
POOL = Columns(
    Pool,
    ("id", "fee_ppm", *(lookup for lookup, _ in BARRING)),
    {
        "": "p",
        "token0": "t0",
        "token1": "t1",
    },
)
# The compliance gate's reads (compliance.gate.blocking_hits), in the record's round trip.
SCREENING = Columns(ScreeningResult, ("address", "status", "entry_uid"), {"": "s"})
STATE_SQL = f"""
SELECT {CONTROL.sql()} FROM arbitrage_executioncontrol c WHERE c.chain_id = %(chain)s;
SELECT {THRESHOLD.sql()} FROM arbitrage_threshold h WHERE h.chain_id = %(chain)s;
SELECT {IN_FLIGHT.sql()}
  FROM arbitrage_trade t JOIN arbitrage_opportunity o ON o.id = t.opportunity_id
 WHERE o.chain_id = %(chain)s AND t.state = ANY(%(in_flight)s)
"""  # noqa: S608 - built from the models' names; every value is a parameter


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
        return threshold_for(self.threshold_rows, start_token_id)

    def busy(self, mined: Collection[str] = ()) -> list[list[int]]:
        """Pool paths of our trades holding theirs (`mined`: seen in this block's logs)."""
        return [t.pool_path for t in holding(self.in_flight, self.seen | set(mined))]

    def note_mined(self, mined: set[str]) -> None:
        """Our trades executed in a block the lane heard: they hold nothing any more."""
        self.seen |= mined

    def take(self, fresh: LaneState) -> None:
        """The values read now, keeping what the lane saw mined that the rows still hold."""
        self.control, self.threshold_rows = fresh.control, fresh.threshold_rows
        self.in_flight = fresh.in_flight
        self.seen &= {t.tx_hash for t in fresh.in_flight if t.tx_hash}

    def may_trade(self) -> bool:
        return may_trade(self.control)


def _state(chain: Chain, sets: list[list[tuple[Any, ...]]]) -> LaneState | None:
    """The lane's state from the rows of STATE_SQL; None when the chain has no execution
    switches yet."""
    controls, thresholds, in_flight = sets
    if not controls:
        return None
    control = instance(ExecutionControl, controls[0])
    control.chain = chain
    rows = [instance(Threshold, row) for row in thresholds]
    return LaneState(
        control=control,
        threshold_rows={t.start_token_id: t for t in rows},
        in_flight=in_flight_of(IN_FLIGHT.values(row) for row in in_flight),
    )


def _params(chain: Chain) -> dict[str, Any]:
    return {"chain": chain.pk, "in_flight": list(IN_FLIGHT_STATES)}


def lane_state(chain: Chain) -> LaneState | None:
    """The lane's state read now, in one round trip; None when the chain has no execution
    switches yet (the ORM path makes them)."""
    with connection.cursor() as cursor:
        cursor.execute(STATE_SQL, _params(chain))
        return _state(chain, list(result_sets(cursor)))


RECORD_SQL = f"""
SELECT n.id
  FROM arbitrage_accountnonce n
 WHERE n.chain_id = %(chain)s AND n.address = %(account)s
   FOR UPDATE;
{STATE_SQL};
SELECT {POOL.sql()}
  FROM arbitrage_pool p JOIN arbitrage_token t0 ON t0.id = p.token0_id
  JOIN arbitrage_token t1 ON t1.id = p.token1_id
 WHERE p.id = ANY(%(pools)s::bigint[]);
SELECT t.realized_profit
  FROM arbitrage_trade t JOIN arbitrage_opportunity o ON o.id = t.opportunity_id
 WHERE %(losses)s AND o.chain_id = %(chain)s AND o.start_token_id = %(token)s
   AND t.finished_at >= %(day)s AND t.realized_profit < 0;
{next_ids(Opportunity)};
{next_ids(Trade)};
{audit_lock_sql()};
{AUDIT_TAIL_SQL};
SELECT {SCREENING.sql()} FROM compliance_screeningresult s
 WHERE s.address = ANY(%(addresses)s) AND s.status = ANY(%(blocking)s);
SELECT EXISTS (SELECT 1 FROM compliance_sanctionslist)
"""  # noqa: S608 - built from the models' names; every value is a parameter
NONCE_SQL = "UPDATE arbitrage_accountnonce SET next_nonce = %s, updated_at = %s WHERE id = %s"

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
        recorded = _record(opportunity, ctx, state, mined)
    if recorded == FALLBACK:
        with laps.phase("execute (ORM)"):
            return _orm_execute(opportunity, ctx, state.control)  # read fresh by the record
    if not isinstance(recorded, Signed):
        return None
    state.in_flight.append(
        InFlight(opportunity.pool_path, recorded.tx_hash, ctx.signer.address, None, False)
    )
    with laps.phase("send and submitted"):
        return send_prepared(ctx, recorded.trade_id, (recorded.raw, recorded.tx_hash))


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
    """Whether what the lane planned with still holds (`rules.plan_change`); the lane takes
    the fresh values, and acts on what changed."""
    planned = state.threshold_rows
    state.take(fresh)
    rows = [POOL.values(row) for row in pools]
    barred = {pk for pk, _, *flags in rows if pool_barred(flags)}
    change = plan_change(
        opportunity,
        planned=planned,
        control=fresh.control,
        thresholds=fresh.threshold_rows,
        barred=barred,
        fees={pk: fee for pk, fee, *_ in rows},
        busy=state.busy(mined),
    )
    if change == PlanChange.BARRED:
        engine_forget(opportunity.chain, barred)
    elif change == PlanChange.FEE:
        state.stale = True  # a fee edited in the admin since the engine took the pool in
    return change is None


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
        deadline_block=deadline_from(opportunity.block_number),
        min_net=min_net(threshold),
    )
    data = execute_calldata(call)
    simulation = _node.submit(
        ctx.client.head_tip_and_nonce,
        signer.address,
        {"from": signer.address, "to": chain.executor_address, "data": data},
    )
    params: dict[str, Any] = {
        **_params(chain),
        "account": signer.address,
        "pools": list(opportunity.pool_path),
        "losses": bool(threshold and threshold.max_daily_loss),
        "token": opportunity.start_token_id,
        "day": day_start(),
        "addresses": [address_key(a) for a in cycle_addresses(opportunity)],
        "blocking": list(BLOCKING),
    }
    try:
        with transaction.atomic():
            try:
                with connection.cursor() as cursor:
                    cursor.execute(RECORD_SQL, params)
                    sets = list(result_sets(cursor))
            finally:
                node = simulation.result()  # never left running past this transaction
            nonce_row, pools, losses, opp_ids, trade_ids = sets[0], *sets[4:8]
            tail, hits, (listed,) = sets[9], sets[10], sets[11]
            fresh = _state(chain, sets[1:4])
            assert fresh is not None  # the lane plans only with the chain's switches made
            if not _plan_holds(opportunity, state, fresh, pools, mined):
                return None
            if not nonce_row or hits_refusal(
                (SCREENING.values(row) for row in hits), list_loaded=listed[0]
            ):
                # No nonce row yet (the ORM path makes it), or refused by the compliance
                # gate (the ORM path records why).
                return FALLBACK
            head, tip = node.head, node.tip
            if (
                head.number != opportunity.block_number
                or node.call_result is None
                or node.pending is None
                or ctx.client.lag_refusal(head.number, state.control.max_state_lag_blocks)
            ):
                # A newer head (simulated again there), a revert or a lagging node: the ORM
                # path records it.
                return FALLBACK
            if limits_refusal(
                amount_in=opportunity.amount_in,
                threshold=threshold,
                gas_price=gas_price(head.base_fee_per_gas, tip),
                daily_loss=daily_loss(int(p) for (p,) in losses),
                in_flight=len(state.busy(mined)),
                max_in_flight=state.control.max_trades_in_flight,
            ):
                return FALLBACK  # refused: the ORM path records why
            # The rows as the state machine's steps leave them (rules.py), in their order.
            before = decision_before(opportunity, None)
            opportunity.pk = opp_ids[0][0]
            trade = Trade(id=trade_ids[0][0], opportunity=opportunity, mode=Trade.Mode.LIVE)
            approved(trade, opportunity)
            events = [
                audit_event(
                    action=AuditAction.EXECUTION_TRADE_APPROVED,
                    target=trade,
                    before=before,
                    after=decision_after(trade),
                )
            ]
            simulated(
                trade,
                profit=decode_profit(node.call_result),
                deadline_block=call.deadline_block,
                calldata=data,
                base_fee=head.base_fee_per_gas,
                tip=tip,
                mode=Trade.Mode.LIVE,
            )
            nonce = next_nonce(node.pending, state.in_flight, signer.address)
            signed(trade, signer, nonce=nonce, executor=to_checksum_address(chain.executor_address))
            events.append(
                audit_event(
                    action=AuditAction.EXECUTION_TRADE_SIGNED,
                    target=trade,
                    after=signed_after(trade),
                )
            )
            audit_link(events, tail[0] if tail else None)
            _write(opportunity, trade, events, nonce_row[0][0])
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
    statements.append(NONCE_SQL)
    values.extend([nonce_after(trade.nonce or 0), timezone.now(), nonce_row])
    with connection.cursor() as cursor:
        cursor.execute(";\n".join(statements), values)
