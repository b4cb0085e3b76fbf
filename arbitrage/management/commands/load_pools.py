"""Load pools from a snapshot file (the format of ../shared/data/uniswap_v2_pairs_2020.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from arbitrage.models import Dex
from arbitrage.services.market import chain_get
from arbitrage.services.snapshot import (
    SNAPSHOT_FILE,
    SnapshotError,
    load_pairs,
    read_snapshot,
    select_most_liquid,
)


class Command(BaseCommand):
    help = (
        "Load pools and their tokens from a snapshot file into a DEX; all or nothing, "
        "safe to run twice (existing pools get the file's reserves)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=None, help="snapshot JSON file")
        parser.add_argument("--chain-id", type=int, required=True)
        parser.add_argument("--dex", required=True, help="the DEX's name on that chain")
        parser.add_argument(
            "--top",
            type=int,
            default=None,
            help="only the N pairs with the most WETH, plus the pairs among their tokens",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"] or Path(settings.SHARED_DATA_DIR) / SNAPSHOT_FILE
        try:
            chain = chain_get(chain_id=options["chain_id"])
        except ValidationError as exc:
            raise CommandError(exc.message_dict["chain_id"][0]) from None
        dex = Dex.objects.filter(chain=chain, name=options["dex"]).first()
        if dex is None:
            raise CommandError(f"unknown DEX {options['dex']!r} on chain {chain.chain_id}")
        top = options["top"]
        if top is not None and top <= 0:
            raise CommandError("--top must be a positive number")
        try:
            entries = read_snapshot(path)
            if top is not None:
                entries = select_most_liquid(entries, top=top)
            tokens, pools = load_pairs(dex=dex, entries=entries, progress=self._progress)
        except SnapshotError as exc:
            raise CommandError(f"nothing was loaded: {exc}") from None
        self.stdout.write(
            self.style.SUCCESS(f"Loaded {pools} pools and {tokens} tokens into {dex}.")
        )

    def _progress(self, done: int, total: int) -> None:
        if done == total or done % 500 == 0:
            self.stdout.write(f"  {done}/{total} pairs")
