"""The event-driven path: each new block triggers sync, which triggers scan, then execute.

With `--ws-url` the node pushes every new head over WebSocket (`eth_subscribe newHeads`): no
polling, and a block is seen the moment the node has it. Without it, or while the WebSocket is
down, the head is polled over HTTP every `--interval` seconds.

With `--fast-lane` (the default, from `ARBX_FAST_LANE`, which is on unless set false) the
watcher first trades a pushed block's best cycle itself (see
`arbitrage/pipeline/lane/fastlane.py`), then queues the block's sync as always.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from arbitrage.chain.client import ChainRpcError, header_from_rpc
from arbitrage.chain.registry import client_for_chain
from arbitrage.models import Chain
from arbitrage.pipeline.lane.fastlane import FastLane
from arbitrage.pipeline.loop import execution_context
from arbitrage.tasks import execute_confirm, sync_chain

# How long after a new block its confirmation pass runs (the trade of the block goes first).
CONFIRM_DELAY_SECONDS = 0.3
# How long a lost WebSocket falls back to polling before it is tried again.
WS_RETRY_SECONDS = 5.0


# The header fields a sync needs from a pushed head (the node's own JSON, hex strings).
HEADER_FIELDS = ("number", "hash", "parentHash", "timestamp", "baseFeePerGas")


def ws_heads(url: str, timeout: float = 10.0) -> Iterator[dict[str, str]]:
    """New heads as the node announces them (their header fields the sync uses); ends when
    the connection drops."""
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    try:
        with connect(url, open_timeout=timeout, max_size=None) as ws:
            ws.send(
                json.dumps(
                    {"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]}
                )
            )
            reply = json.loads(ws.recv(timeout=timeout))
            if "result" not in reply:
                raise ChainRpcError("eth_subscribe", reply.get("error", reply))
            for message in ws:
                result = (json.loads(message).get("params") or {}).get("result") or {}
                if "number" in result and "hash" in result:
                    yield {key: result[key] for key in HEADER_FIELDS if key in result}
    except (OSError, TimeoutError, WebSocketException) as exc:
        raise ChainRpcError("eth_subscribe", exc) from exc


class Command(BaseCommand):
    help = "Watch a chain's head and queue a sync (then scan and execute) for every new block."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chain-id", type=int, required=True)
        parser.add_argument(
            "--ws-url",
            default="",
            help="the node's WebSocket endpoint: new heads are pushed instead of polled",
        )
        parser.add_argument("--interval", type=float, default=0.2, help="poll interval, seconds")
        parser.add_argument(
            "--max-blocks", type=int, default=0, help="stop after N blocks (0: never)"
        )
        parser.add_argument(
            "--fast-lane",
            action=argparse.BooleanOptionalAction,
            default=settings.ARBX_FAST_LANE,
            help="trade each pushed block's best cycle in this process before queueing its sync"
            " (default: ARBX_FAST_LANE)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chain = Chain.objects.filter(chain_id=options["chain_id"]).first()
        if chain is None:
            raise CommandError(f"unknown chain {options['chain_id']}")
        self.chain = chain
        self.client = client_for_chain(chain)
        self.last = -1
        self.seen = 0
        self.max_blocks: int = options["max_blocks"]
        self.fast_lane = (
            FastLane(chain=chain, ctx=execution_context(chain)) if options["fast_lane"] else None
        )
        if self.fast_lane is not None:
            # The lane's simulation runs on a second thread while its record goes to the
            # database: hand the interpreter over sooner than every 5 ms when one of them waits.
            sys.setswitchinterval(0.0005)
        ws_url = options["ws_url"]
        self.stdout.write(
            f"watching chain {chain.chain_id} at {ws_url or self.client.url}"
            f" ({'pushed' if ws_url else 'polled'}{', fast lane' if self.fast_lane else ''})"
        )
        while not self.done():
            if ws_url:
                try:
                    for header in ws_heads(ws_url):
                        self.on_head(int(header["number"], 16), header)
                        if self.done():
                            return
                except ChainRpcError as exc:
                    self.stderr.write(f"new heads unavailable: {exc.message}; polling meanwhile")
                self.poll(options["interval"], until=time.monotonic() + WS_RETRY_SECONDS)
            else:
                self.poll(options["interval"], until=None)

    def done(self) -> bool:
        return self.max_blocks != 0 and self.seen >= self.max_blocks

    def poll(self, interval: float, until: float | None) -> None:
        while not self.done() and (until is None or time.monotonic() < until):
            try:
                self.on_head(self.client.block_number())
            except ChainRpcError as exc:
                self.stderr.write(f"head unavailable: {exc.message}; retrying")
                time.sleep(max(1.0, interval))
                continue
            time.sleep(interval)

    def on_head(self, head: int, header: dict[str, str] | None = None) -> None:
        """Queue the block's sync; a pushed head's header goes with it (public chain data: it
        spares the sync a request to the node for the head and the reorg check)."""
        if head == self.last:
            return
        if self.fast_lane is not None and header is not None:
            self.fast_lane.on_head(header_from_rpc(header))  # never raises
        args: tuple[object, ...] = (self.chain.chain_id,)
        if header is not None:
            args = (self.chain.chain_id, header)
        sync_chain.apply_async(args=args, queue="sync")
        # Confirmations wait a moment: the execute worker's first job in a new block is the
        # block's own trade, and the two would share the CPU.
        execute_confirm.apply_async(
            args=(self.chain.chain_id,), queue="execute", countdown=CONFIRM_DELAY_SECONDS
        )
        self.last = head
        self.seen += 1
