"""The fast lane: the newest block's best cycle, traded by the process that hears the block.

The event-driven path hands a block from the watcher to the `sync` queue, then to `scan`, then
to `execute`: three queue hops and three stages' bookkeeping before the transaction reaches the
node. The fast lane, run by the block watcher (`watch_blocks --fast-lane`), does for a block
that extends the last one it saw only what the send needs, in the watcher's own process:

- the block's `Sync` and `CycleExecuted` logs and the priority fee, in one request;
- the new reserves into its warm engine (`scan_pools` with the reserves from the logs), the
  thresholds and gas priced as the scan does;
- the choice as the scan makes it (the kill switch, free in-flight slots, no pool shared with
  an unmined trade of ours);
- for each opportunity taken: storing it, approval, simulation and signing in one database
  transaction (the same state machine and audit rows as the `execute` queue), then the send.

Only then does the watcher queue the block's sync: it records the block, the scan stores the
block's other opportunities, and the scan and execute queues take whatever the fast lane left
(other cycles, other slots) and do the recovery work. They meet the fast lane's trade as one
of ours in flight, and its opportunity as already stored, so one opportunity never becomes two
transactions.

The lane steps aside whenever it cannot be sure its engine matches the chain: a head that is
not the child of the last block it applied (a gap, a reorg), a pool it does not know, or an
error. It then waits until the database has synced the parent of a new head, and rebuilds its
engine from the rows.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import close_old_connections

from arbitrage.chain import abi
from arbitrage.chain.client import BlockHeader
from arbitrage.chain.registry import client_for_chain
from arbitrage.models import Chain, ExecutionControl, Opportunity, Pool, Trade
from arbitrage.pipeline.execute import ExecutionContext, opportunity_execute
from arbitrage.pipeline.lane.laps import Laps
from arbitrage.pipeline.lane.sql import (
    LaneState,
    hotpath_available,
    lane_execute,
    lane_state,
    node_warm,
)
from arbitrage.pipeline.loop import choose_for_execution
from arbitrage.pipeline.rules import gas_price
from arbitrage.pipeline.scan import engine_for, engine_reset, scan_pools
from arbitrage.pipeline.sync.blocks import header_of, last_block
from arbitrage.pipeline.sync.logs import (
    newest_reserves,
    note_our_executions,
    our_executions,
    sync_reserves,
)
from arbitrage.services import config_bus
from arbitrage.services.control import control_for

logger = logging.getLogger(__name__)


@dataclass
class FastLane:
    chain: Chain
    ctx: ExecutionContext
    last: BlockHeader | None = None  # the last block whose changes the engine holds
    state: LaneState | None = None  # what it plans with (PostgreSQL: see sql.py)
    addresses: dict[str, int] = field(default_factory=dict)  # pool address (lower) -> pk
    reloads: int = 0  # run-time configuration changes applied (services/config_bus.py)

    def __post_init__(self) -> None:
        config_bus.on_change(self.config_changed)
        config_bus.start()

    def config_changed(self) -> None:
        """A run-time setting changed (a threshold, a switch, a pool or token's activation, an
        RPC endpoint): the engine was dropped (config_bus's hooks); the lane starts again from
        the rows, its state read anew, on a node client made from the chain's endpoints."""
        self.last = self.state = None
        self.reloads += 1
        try:
            self.chain.refresh_from_db()
            self.ctx = dataclasses.replace(self.ctx, client=client_for_chain(self.chain))
        except Exception:
            logger.exception("fast lane: chain %s client not remade", self.chain.chain_id)
        logger.info("fast lane: configuration reloaded (%s)", self.reloads)

    def on_head(self, head: BlockHeader) -> list[Trade]:
        """Trade the block's best cycles; the trades it made (sent, or recorded in a dry run).
        Never raises: on any error the lane steps aside until the database has caught up."""
        try:
            config_bus.refresh()  # a flag check unless the configuration changed
            if not self._continues(head):
                return []
            return self._trade(head)
        except Exception:
            logger.exception("fast lane: block %s left to the queues", head.number)
            self.last = None
            close_old_connections()
            return []

    def _continues(self, head: BlockHeader) -> bool:
        """Whether the engine holds every change up to the head's parent: it applied the parent
        itself, or (re)starts now from rows the sync has recorded up to the parent."""
        last = self.last
        if last is not None and head.number == last.number + 1 and head.parent_hash == last.hash:
            return True
        synced = last_block(self.chain)
        if synced is None or synced.number != head.number - 1 or synced.hash != head.parent_hash:
            self.last = None  # not caught up yet (or on another branch): the queues handle it
            return False
        engine_reset(self.chain)
        # Warm now, not on the first trade: the engine rebuilt from the rows, the lane's state
        # read, the connection to the node its simulations use opened.
        engine_for(self.chain)
        self.state = lane_state(self.chain) if hotpath_available() else None
        if self.state is not None:
            node_warm(self.ctx.client)
        self.addresses = {
            address.lower(): pk
            for pk, address in Pool.objects.filter(
                chain=self.chain, last_synced_block__isnull=False
            ).values_list("pk", "address")
        }
        self.last = header_of(synced)
        return True

    def _trade(self, head: BlockHeader) -> list[Trade]:
        laps = Laps()
        with laps.phase("logs"):
            logs, tip = self.ctx.client.logs_and_tip(
                topics=[[abi.SYNC, abi.CYCLE_EXECUTED]],
                from_block=head.number,
                to_block=head.number,
                max_range=settings.ARBX_LOG_RANGE,
            )
        reserves = self._reserves(logs)
        if reserves is None:  # a pool the lane does not know yet: rebuild once it is synced
            self.last = None
            return []
        self.last = head
        if not reserves:
            return []
        # Our trades this block executed free their pools and in-flight slots now (the sync
        # marks them so when it records the block).
        mined = our_executions(self.chain, logs)
        hashes = {tx_hash for block in mined.values() for tx_hash in block}
        with laps.phase("reads"):
            control, state = self._reads(hashes)
        if control is None:
            return []
        if state is None:
            note_our_executions(mined)  # the ORM path reads our trades in flight from the rows
        if not control.scanning_enabled:
            self.last = None  # the engine misses these changes: rebuilt when scanning resumes
            return []
        with laps.phase("scan"):
            found = self._scan(head, tip, reserves, state)
        in_flight = None  # the ORM path reads them in the choice
        if state is not None:
            if found and state.busy(hashes):
                # Trades it knew in flight may have been mined, dropped or replaced since:
                # what holds pools and slots now, before it chooses.
                with laps.phase("reads"):
                    fresh = lane_state(self.chain)
                if fresh is not None:
                    state.take(fresh)
                control = state.control
            in_flight = state.busy(hashes)
        chosen = choose_for_execution(self.chain, found, control=control, in_flight=in_flight)
        trades = [
            trade
            for opportunity in chosen
            if (trade := self._execute(opportunity, control, state, hashes, laps)) is not None
        ]
        if state is not None and state.stale:
            # A fee changed under the engine: rebuilt once the rows are synced.
            self.last = self.state = None
        self._report(head, trades, laps)
        return trades

    def _execute(
        self,
        opportunity: Opportunity,
        control: ExecutionControl,
        state: LaneState | None,
        mined: set[str],
        laps: Laps,
    ) -> Trade | None:
        """One chosen opportunity recorded and sent: in plain SQL with the lane's state on
        PostgreSQL, else through the ORM path."""
        if state is not None:
            return lane_execute(
                opportunity=opportunity, ctx=self.ctx, state=state, mined=mined, laps=laps
            )
        with laps.phase("execute"):
            return opportunity_execute(opportunity=opportunity, ctx=self.ctx, control=control)

    def _reads(self, mined: set[str]) -> tuple[ExecutionControl | None, LaneState | None]:
        """The switches the block is planned with, and on PostgreSQL the lane's state (read
        again while trading is off, until it may resume; see sql.py). No switches when the
        chain has none yet: they are made now, and read on the next block."""
        if not hotpath_available():
            return control_for(chain=self.chain), None
        state = self.state
        if state is None or not state.may_trade():
            fresh = lane_state(self.chain)
            if state is not None and fresh is not None:
                state.take(fresh)
            else:
                state = self.state = fresh
            if state is None:
                control_for(chain=self.chain)
                self.last = None
                return None, None
        state.note_mined(mined)
        return state.control, state

    def _scan(
        self,
        head: BlockHeader,
        tip: int,
        reserves: dict[int, tuple[int, int]],
        reads: LaneState | None,
    ) -> list[Opportunity]:
        """The block's cycles at the reserves its logs carry, gas at its base fee and tip."""
        return scan_pools(
            chain=self.chain,
            pool_ids=sorted(reserves),
            block_number=head.number,
            gas_price_wei=gas_price(head.base_fee_per_gas, tip),
            reserves=reserves,
            store=False,  # stored as taken; the queued scan stores the rest
            reads=reads,
        )

    def _report(self, head: BlockHeader, trades: list[Trade], laps: Laps) -> None:
        for trade in trades:
            logger.info(
                "fast lane: block %s, trade %s %s in %s",
                head.number,
                trade.pk,
                trade.state,
                laps.summary(),
            )

    def _reserves(self, logs: list[Any]) -> dict[int, tuple[int, int]] | None:
        """Each pool's last reserves in the block's Sync logs; None when one is unknown."""
        latest, unknown = sync_reserves(logs, self.addresses)
        return None if unknown else newest_reserves(latest)
