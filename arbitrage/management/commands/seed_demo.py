"""Seed a small, realistic market: mainnet Uniswap V2's most liquid pairs from the snapshot."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from arbitrage.services.market import chain_upsert, dex_upsert

UNISWAP_V2_FACTORY = "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f"
UNISWAP_V2_ROUTER = "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"


class Command(BaseCommand):
    help = "Load the ten most liquid Uniswap V2 pairs of the 2020 mainnet snapshot (safe twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--top", type=int, default=10)

    def handle(self, *args: Any, **options: Any) -> None:
        chain = chain_upsert(chain_id=1, name="Ethereum mainnet (2020 snapshot)")
        dex_upsert(
            chain=chain,
            name="Uniswap V2",
            factory_address=UNISWAP_V2_FACTORY,
            router_address=UNISWAP_V2_ROUTER,
            fee_ppm=3000,
        )
        call_command(
            "load_pools", chain_id=1, dex="Uniswap V2", top=options["top"], stdout=self.stdout
        )
