"""The event-driven path: each new block triggers sync, which triggers scan, then execute.

With `--ws-url` the node pushes every new head over WebSocket (`eth_subscribe newHeads`): no
polling, and a block is seen the moment the node has it. Without it, or while the WebSocket is
down, the head is polled over HTTP every `--interval` seconds. Several `--ws-url` are tried in
turn when one fails, after a backoff (exponential with jitter, capped, reset once a connection
has been healthy); the blocks missed meanwhile are handed on in order before the next one.

With `--fast-lane` (the default, from `ARBX_FAST_LANE`, which is on unless set false) the
watcher first trades a pushed block's best cycle itself (see
`arbitrage/pipeline/lane/fastlane.py`), then queues the block's sync as always.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from arbitrage.chain.client import ChainRpcError, header_from_rpc
from arbitrage.chain.registry import client_for_chain
from arbitrage.chain.resilience import ReconnectBackoff, safe_url, scrub
from arbitrage.models import Chain
from arbitrage.pipeline.lane.fastlane import FastLane
from arbitrage.pipeline.loop import execution_context
from core.handoff import Message, outbox, send

# How long after a new block its confirmation pass runs (the trade of the block goes first).
CONFIRM_DELAY_SECONDS = 0.3
# The tasks the watcher queues for each block.
SYNC_TASK = "arbitrage.tasks.sync_chain"
CONFIRM_TASK = "arbitrage.tasks.execute_confirm"
# How long the last block of a bounded run (--max-blocks) waits for its messages to go out.
FLUSH_SECONDS = 5.0
# A lost WebSocket falls back to polling, then the next WebSocket endpoint is tried: after a
# pause from WS_RETRY_FIRST seconds, doubling with jitter up to WS_RETRY_MAX, back to the first
# once a connection has lasted WS_HEALTHY_SECONDS.
WS_RETRY_FIRST = 0.5
WS_RETRY_MAX = 10.0
WS_HEALTHY_SECONDS = 30.0
# The largest WebSocket message accepted (a header is about 1 KiB).
WS_MAX_MESSAGE = 1 << 20
# Blocks missed while the head was not seen (a reconnect, a slow poll) are handed on one by one
# up to this many; beyond, the newest block's sync covers them (it syncs from the last synced).
MAX_FILL_BLOCKS = 64


# The header fields a sync needs from a pushed head (the node's own JSON, hex strings).
HEADER_FIELDS = ("number", "hash", "parentHash", "timestamp", "baseFeePerGas")


def ws_urls(option: str | Sequence[str] | None) -> list[str]:
    """The WebSocket endpoints of `--ws-url` (given several times, or comma separated)."""
    values = [option] if isinstance(option, str) else list(option or [])
    return [url.strip() for value in values for url in value.split(",") if url.strip()]


def ws_heads(url: str, timeout: float = 10.0) -> Iterator[dict[str, str]]:
    """New heads as the node announces them (their header fields the sync uses); ends when
    the connection drops."""
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    try:
        with connect(url, open_timeout=timeout, max_size=WS_MAX_MESSAGE) as ws:
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
            action="append",
            default=[],
            help="the node's WebSocket endpoint: new heads are pushed instead of polled (several:"
            " repeat the option or separate them with commas; tried in turn when one fails)",
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
        urls = ws_urls(options["ws_url"])
        self.stdout.write(
            f"watching chain {chain.chain_id} at"
            f" {', '.join(map(safe_url, urls)) or safe_url(self.client.url)}"
            f" ({'pushed' if urls else 'polled'}{', fast lane' if self.fast_lane else ''})"
        )
        if urls:
            self.watch_pushed(urls, options["interval"])
        else:
            self.poll(options["interval"], until=None)

    def watch_pushed(self, urls: list[str], interval: float) -> None:
        """New heads over WebSocket, from each endpoint in turn when one fails; between two
        connections the head is polled over HTTP for a backoff's pause, and the blocks missed
        meanwhile are handed on (see `head_seen`)."""
        backoff = ReconnectBackoff(
            first=WS_RETRY_FIRST, cap=WS_RETRY_MAX, healthy=WS_HEALTHY_SECONDS
        )
        attempt = 0
        while not self.done():
            url = urls[attempt % len(urls)]
            connected = time.monotonic()
            try:
                for header in ws_heads(url):
                    self.head_seen(int(header["number"], 16), header)
                    if self.done():
                        return
                reason = "the connection closed"
            except ChainRpcError as exc:
                reason = exc.message
            pause = backoff.next(time.monotonic() - connected)
            attempt += 1
            self.stderr.write(
                f"new heads from {safe_url(url)} unavailable: {scrub(reason, url)}; polling"
                f" meanwhile, then {safe_url(urls[attempt % len(urls)])} in {pause:.1f} s"
            )
            self.poll(interval, until=time.monotonic() + pause)

    def head_seen(self, head: int, header: dict[str, str] | None = None) -> None:
        """A head pushed or polled. When it skips blocks after the last one handled (missed
        while disconnected, or between two polls), the missed ones are handed on first, in
        order and without a header (each queues its sync, which syncs from the last synced
        block: the first does the work), so no block number goes unhandled; beyond
        MAX_FILL_BLOCKS only the newest is."""
        if self.last >= 0 and head > self.last + 1:
            missed = head - self.last - 1
            if missed <= MAX_FILL_BLOCKS:
                for number in range(self.last + 1, head):
                    self.on_head(number)
                    if self.done():
                        return
            else:
                self.stderr.write(
                    f"{missed} blocks missed before block {head}: its sync covers them"
                )
        self.on_head(head, header)

    def done(self) -> bool:
        return self.max_blocks != 0 and self.seen >= self.max_blocks

    def poll(self, interval: float, until: float | None) -> None:
        while not self.done() and (until is None or time.monotonic() < until):
            try:
                self.head_seen(self.client.block_number())
            except ChainRpcError as exc:
                self.stderr.write(f"head unavailable: {exc.message}; retrying")
                time.sleep(max(1.0, interval))
                continue
            time.sleep(interval)

    def on_head(self, head: int, header: dict[str, str] | None = None) -> None:
        """Queue the block's sync; a pushed head's header goes with it (public chain data: it
        spares the sync a request to the node for the head and the reorg check).

        The fast lane trades first, and the queueing never waits on the broker: the messages go
        to the process's outbox (core/handoff.py), whose thread publishes them.
        While the broker is down they wait there, a chain's sync and confirmation pass as the
        newest block's only, and go out when it answers again."""
        if head == self.last:
            return
        if self.fast_lane is not None and header is not None:
            self.fast_lane.on_head(header_from_rpc(header))  # never raises
        chain_id = self.chain.chain_id
        args: tuple[object, ...] = (chain_id,) if header is None else (chain_id, header)
        send(Message(SYNC_TASK, args, queue="sync", key=("sync", chain_id)), wait=False)
        # Confirmations wait a moment: the execute worker's first job in a new block is the
        # block's own trade, and the two would share the CPU.
        send(
            Message(
                CONFIRM_TASK,
                (chain_id,),
                queue="execute",
                countdown=CONFIRM_DELAY_SECONDS,
                key=("confirm", chain_id),
            ),
            wait=False,
        )
        self.last = head
        self.seen += 1
        if self.done():
            # A bounded run ends here: what it queued goes out first (as long as the broker
            # answers within the bound).
            outbox().flush(timeout=FLUSH_SECONDS)
