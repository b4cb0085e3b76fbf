"""The fast lane's database work, in as few round trips as the work allows (PostgreSQL).

The fast lane (fastlane.py) races the next block. Through the ORM its reads and its record
took about thirty statements, each built anew by the query compiler: most of its time. Here
the same reads and the same rows take four round trips of plain SQL:

1. per block, before the engine runs: the execution switches, the changed pools as they may
   trade now, the thresholds, and our trades in flight (`block_reads`);
2. (only when a cycle passes through pools the block did not change) which of them may no
   longer trade;
3. per trade, after the simulation: the account's nonce row locked, the kill switch, our
   trades in flight and the start token's losses today read under that lock, two new ids,
   the audit log's append lock and its last row (`_record`);
4. the rows: the opportunity (approved), its trade (signed: the simulation's results, the
   nonce, the signed bytes), the nonce row moved on, and the two audit rows the state
   machine writes on that way (approved, signed), chained to the log; then the commit.

The rows are model instances written with their fields' own conversions (core/sql.py), so
they are exactly what the ORM path writes; from `signed` on, the trade is the state
machine's like any other (`_send_prepared` submits it, the confirm step settles it).

Anything off the plain way (a dry run, no nonce row yet, the kill switch engaged, a refusal
by the risk limits, a simulation that reverts, a head that moved on) is handed to the ORM
path (`opportunity_execute`), which decides it and records why: nothing is decided here that
the state machine would decide differently. Other databases (the demo's SQLite) always take
the ORM path.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
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
from arbitrage.chain.contracts import decode_profit, execute_calldata
from arbitrage.models import Chain, ExecutionControl, Opportunity, Pool, Threshold, Trade
from arbitrage.services.execute import (
    DEADLINE_BLOCKS,
    ExecutionContext,
    _send_prepared,
    _sign_into,
    cycle_call,
    daily_loss,
    day_start,
    gas_limit_for,
    limits_refusal,
    opportunity_execute,
)
from arbitrage.services.scan import ScanReads, engine_forget
from core.sql import insert_statement, next_ids, result_sets

logger = logging.getLogger(__name__)


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

BLOCK_READS_SQL = f"""
SELECT id, execution_paused, scanning_enabled, max_trades_in_flight, confirmations,
       replace_after_blocks, reason
  FROM arbitrage_executioncontrol WHERE chain_id = %(chain)s;
SELECT p.id, p.token0_id, p.token1_id, p.fee_ppm, p.reserve0, p.reserve1,
       p.last_synced_block IS NOT NULL AND NOT {BARRED}
  FROM {POOLS_WITH_TOKENS} WHERE p.chain_id = %(chain)s AND p.id = ANY(%(pools)s::bigint[]);
SELECT id, start_token_id, min_net_profit, min_profit_bps, max_input, max_hops,
       max_gas_price_wei, max_daily_loss, enabled
  FROM arbitrage_threshold WHERE chain_id = %(chain)s;
SELECT o.pool_path, t.tx_hash
  FROM arbitrage_trade t JOIN arbitrage_opportunity o ON o.id = t.opportunity_id
 WHERE o.chain_id = %(chain)s AND t.state IN {IN_FLIGHT_STATES} AND t.block_number IS NULL
"""  # noqa: S608 - built from constants; every value is a parameter

BARRED_SQL = f"SELECT p.id FROM {POOLS_WITH_TOKENS} WHERE p.id = ANY(%s::bigint[]) AND {BARRED}"  # noqa: S608


@dataclass
class BlockReads(ScanReads):
    """What the fast lane reads from the database for one block, in one round trip; the scan
    takes the pools and thresholds from here (see ScanReads)."""

    control: ExecutionControl
    tradable: dict[int, Pool]  # the changed pools that may trade, as their rows are
    known: set[int]  # the changed pools read, tradable or not
    threshold_rows: dict[int | None, Threshold]
    in_flight: list[list[int]]  # pool paths of our trades sent and not mined

    def pools(self, chain: Chain, pool_ids: list[int]) -> list[Pool]:
        return [self.tradable[pk] for pk in pool_ids if pk in self.tradable]

    def barred(self, pool_ids: set[int]) -> set[int]:
        """Of the changed pools, those that may not trade. The cycles' other pools are checked
        for the cycle taken only, in the record's first round trip (`unchecked`)."""
        return (pool_ids & self.known) - set(self.tradable)

    def unchecked(self, opportunity: Opportunity) -> list[int]:
        return sorted(set(opportunity.pool_path) - self.known)

    def barred_now(self, pool_ids: list[int]) -> set[int]:
        """Which of these pools may not trade, read now."""
        if not pool_ids:
            return set()
        with connection.cursor() as cursor:
            cursor.execute(BARRED_SQL, [pool_ids])
            return {row[0] for row in cursor.fetchall()}

    def thresholds(self, chain: Chain) -> dict[int | None, Threshold]:
        return self.threshold_rows

    def threshold_for(self, start_token_id: int) -> Threshold | None:
        return self.threshold_rows.get(start_token_id, self.threshold_rows.get(None))


def block_reads(chain: Chain, pool_ids: list[int], mined: set[str]) -> BlockReads | None:
    """The block's reads; None when the chain has no execution switches yet (the ORM path
    makes them)."""
    with connection.cursor() as cursor:
        cursor.execute(BLOCK_READS_SQL, {"chain": chain.pk, "pools": pool_ids})
        controls, pools, thresholds, in_flight = result_sets(cursor)
    if not controls:
        return None
    cid, paused, scanning, max_in_flight, confirmations, replace_after, reason = controls[0]
    control = ExecutionControl(
        id=cid,
        chain=chain,
        execution_paused=paused,
        scanning_enabled=scanning,
        max_trades_in_flight=max_in_flight,
        confirmations=confirmations,
        replace_after_blocks=replace_after,
        reason=reason,
    )
    tradable = {
        pk: Pool(
            id=pk,
            chain=chain,
            token0_id=token0,
            token1_id=token1,
            fee_ppm=fee,
            reserve0=int(reserve0),
            reserve1=int(reserve1),
        )
        for pk, token0, token1, fee, reserve0, reserve1, ok in pools
        if ok
    }
    rows = {
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
        for tid, start, min_net, bps, max_input, max_hops, max_gas, max_loss, enabled in thresholds
    }
    return BlockReads(
        control=control,
        tradable=tradable,
        known={row[0] for row in pools},
        threshold_rows=rows,
        in_flight=[path for path, tx_hash in in_flight if tx_hash not in mined],
    )


RECORD_SQL = f"""
SELECT p.id FROM {POOLS_WITH_TOKENS} WHERE p.id = ANY(%(unchecked)s::bigint[]) AND {BARRED};
SELECT n.id, c.execution_paused
  FROM arbitrage_accountnonce n JOIN arbitrage_executioncontrol c ON c.chain_id = n.chain_id
 WHERE n.chain_id = %(chain)s AND n.address = %(account)s
   FOR UPDATE OF n;
SELECT count(*) FILTER (
           WHERE t.block_number IS NULL
             AND (t.tx_hash IS NULL OR t.tx_hash <> ALL(%(mined)s::text[]))),
       max(t.nonce) FILTER (WHERE t.account = %(account)s)
  FROM arbitrage_trade t JOIN arbitrage_opportunity o ON o.id = t.opportunity_id
 WHERE o.chain_id = %(chain)s AND t.state IN {IN_FLIGHT_STATES};
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


@dataclass(frozen=True)
class Signed:
    trade_id: int
    raw: str
    tx_hash: str


def lane_execute(
    *,
    opportunity: Opportunity,
    ctx: ExecutionContext,
    reads: BlockReads,
    mined: set[str],
    laps: Laps | None = None,
) -> Trade | None:
    """Store, approve, simulate and sign an opportunity of the newest block in one transaction,
    then send it; as `opportunity_execute`, whose way it takes whenever this one is not plain.
    None when another writer stored the opportunity first, or when a pool of the cycle may no
    longer trade (it leaves the engine; the queued scan decides the block)."""
    laps = laps or Laps()
    chain = opportunity.chain
    if (
        not hotpath_available()
        or ctx.mode != Trade.Mode.LIVE
        or ctx.signer is None
        or reads.control.execution_paused
        or not chain.executor_address
    ):
        with laps.phase("execute (ORM)"):
            barred = reads.barred_now(reads.unchecked(opportunity))
            if barred:
                engine_forget(chain, barred)
                return None
            return opportunity_execute(opportunity=opportunity, ctx=ctx, control=reads.control)
    with laps.phase("record"):
        signed = _record(opportunity, ctx, reads, mined)
    if isinstance(signed, set):
        engine_forget(chain, signed)
        return None
    if signed == FALLBACK:
        with laps.phase("execute (ORM)"):
            return opportunity_execute(opportunity=opportunity, ctx=ctx, control=reads.control)
    if signed is None:
        return None
    assert isinstance(signed, Signed)
    with laps.phase("send and submitted"):
        return _send_prepared(ctx, signed.trade_id, (signed.raw, signed.tx_hash))


def _record(
    opportunity: Opportunity, ctx: ExecutionContext, reads: BlockReads, mined: set[str]
) -> Signed | set[int] | str | None:
    """The opportunity's rows, committed with its trade signed; the pools of the cycle that
    may no longer trade when there are any; FALLBACK for the ORM path; None when another
    writer stored the opportunity first."""
    signer = ctx.signer
    assert signer is not None
    chain = opportunity.chain
    threshold = reads.threshold_for(opportunity.start_token_id)
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
        "unchecked": reads.unchecked(opportunity),
        "chain": chain.pk,
        "account": signer.address,
        "mined": sorted(mined),
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
            barred, nonce_row, counts, losses, opp_ids, trade_ids, _, tail = sets
            if barred:
                return {row[0] for row in barred}
            if not nonce_row or nonce_row[0][1]:
                return FALLBACK  # no nonce row yet (made there), or the kill switch engaged
            head, tip = node.head, node.tip
            if (
                head.number != opportunity.block_number
                or node.call_result is None
                or node.pending is None
            ):
                return FALLBACK  # a newer head (simulated again there) or a revert: recorded
            in_flight, highest = counts[0]
            if limits_refusal(
                amount_in=opportunity.amount_in,
                threshold=threshold,
                gas_price=head.base_fee_per_gas + tip,
                daily_loss=daily_loss(int(p) for (p,) in losses),
                in_flight=in_flight,
                max_in_flight=reads.control.max_trades_in_flight,
            ):
                return FALLBACK  # refused: the ORM path records why
            nonce = max(node.pending, highest + 1 if highest is not None else 0)
            trade = _rows(opportunity, opp_ids[0][0], trade_ids[0][0], signer.address, nonce)
            trade.simulated_profit = decode_profit(node.call_result)
            trade.deadline_block = call.deadline_block
            trade.calldata = data
            trade.gas_limit = gas_limit_for(len(opportunity.pool_path))
            approved = _approved_event(trade)
            _sign_into(
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
            statements: list[str] = []
            values: list[Any] = []
            for rows in ([opportunity], [trade], [approved, signed]):
                sql, row_params = insert_statement(rows)
                statements.append(sql)
                values.extend(row_params)
            statements.append(
                "UPDATE arbitrage_accountnonce SET next_nonce = %s, updated_at = %s WHERE id = %s"
            )
            values.extend([nonce + 1, trade.signed_at, nonce_row[0][0]])
            with connection.cursor() as cursor:
                cursor.execute(";\n".join(statements), values)
    except IntegrityError:
        opportunity.pk = None
        opportunity.status = Opportunity.Status.DETECTED
        if Opportunity.objects.filter(
            chain=chain, cycle_key=opportunity.cycle_key, block_number=opportunity.block_number
        ).exists():
            return None  # the queued scan stored it first: it is theirs to take
        raise
    return Signed(trade_id=trade.pk, raw=trade.signed_tx, tx_hash=trade.tx_hash or "")


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
