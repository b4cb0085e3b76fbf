"""Deploy the local market on anvil and register it (DEVELOPMENT ONLY: uses anvil's public keys)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from web3 import Web3

from arbitrage.localnet.anvil import DEV_ACCOUNTS
from arbitrage.localnet.market import deploy_market, market_register
from arbitrage.models import Threshold
from arbitrage.services.control import control_for
from arbitrage.services.schedules import schedules_install
from arbitrage.services.snapshot import SNAPSHOT_FILE


class Command(BaseCommand):
    help = "Deploy Uniswap V2, tokens, pools (real reserves) and the executor on a local anvil."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rpc-url", default="http://127.0.0.1:8545")
        parser.add_argument("--top", type=int, default=11)
        parser.add_argument("--out", type=Path, help="write the deployed addresses here (JSON)")

    def handle(self, *args: Any, **options: Any) -> None:
        w3 = Web3(Web3.HTTPProvider(options["rpc_url"]))
        chain_id = int(w3.eth.chain_id)
        market = deploy_market(
            w3,
            deployer=DEV_ACCOUNTS[0],
            snapshot=Path(settings.SHARED_DATA_DIR) / SNAPSHOT_FILE,
            top=options["top"],
            executor_owner=DEV_ACCOUNTS[0],
        )
        chain = market_register(market, rpc_url=options["rpc_url"], chain_id=chain_id)
        Threshold.objects.get_or_create(chain=chain, start_token=None, defaults={"max_hops": 3})
        control_for(chain=chain)
        schedules_install(chain=chain)
        if options["out"]:
            options["out"].write_text(
                json.dumps(
                    {
                        "weth": market.weth,
                        "router": market.router,
                        "executor": market.executor,
                        "factories": market.factories,
                        "tokens": {t.symbol: t.address for t in market.tokens.values()},
                        "pairs": [p.__dict__ for p in market.pairs],
                    },
                    indent=2,
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Deployed {len(market.tokens)} tokens, {len(market.pairs)} pairs and the "
                f"executor {market.executor} on chain {chain_id}."
            )
        )
