"""The event-driven path: each new block triggers sync, which triggers scan, then execute."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arbitrage.chain.client import ChainRpcError
from arbitrage.chain.registry import client_for_chain
from arbitrage.models import Chain
from arbitrage.tasks import execute_confirm, sync_chain


class Command(BaseCommand):
    help = "Watch a chain's head and queue a sync (then scan and execute) for every new block."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chain-id", type=int, required=True)
        parser.add_argument("--interval", type=float, default=0.2, help="poll interval, seconds")
        parser.add_argument(
            "--max-blocks", type=int, default=0, help="stop after N blocks (0: never)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chain = Chain.objects.filter(chain_id=options["chain_id"]).first()
        if chain is None:
            raise CommandError(f"unknown chain {options['chain_id']}")
        client = client_for_chain(chain)
        last = -1
        seen = 0
        self.stdout.write(f"watching chain {chain.chain_id} at {client.url}")
        while options["max_blocks"] == 0 or seen < options["max_blocks"]:
            try:
                head = client.block_number()
            except ChainRpcError as exc:
                self.stderr.write(f"head unavailable: {exc.message}; retrying")
                time.sleep(max(1.0, options["interval"]))
                continue
            if head != last:
                sync_chain.apply_async(args=(chain.chain_id,), queue="sync")
                execute_confirm.apply_async(args=(chain.chain_id,), queue="execute")
                last = head
                seen += 1
            time.sleep(options["interval"])
