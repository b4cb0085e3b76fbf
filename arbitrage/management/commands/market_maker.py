"""Random swaps on the local market so that prices drift apart (DEVELOPMENT ONLY)."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from web3 import Web3
from web3.exceptions import ContractLogicError

from arbitrage.chain import abi
from arbitrage.localnet.anvil import DEV_ACCOUNTS
from arbitrage.localnet.market import Deployer, LocalMarket, LocalPair, swap_exact_in


class Command(BaseCommand):
    help = "Make random swaps (0.2 % to 3 % of a reserve) on the local market's pairs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rpc-url", default="http://127.0.0.1:8545")
        parser.add_argument("--market", type=Path, required=True, help="localnet_deploy --out file")
        parser.add_argument("--interval", type=float, default=2.0)
        parser.add_argument("--max-swaps", type=int, default=0, help="0: until stopped")
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        data = json.loads(options["market"].read_text())
        market = LocalMarket(
            deployer=DEV_ACCOUNTS[1],
            weth=data["weth"],
            factories=data["factories"],
            router=data["router"],
            pairs=[LocalPair(**p) for p in data["pairs"]],
        )
        w3 = Web3(Web3.HTTPProvider(options["rpc_url"]))
        trader = Deployer(w3, DEV_ACCOUNTS[1])
        rng = random.Random(options["seed"])  # noqa: S311 - market noise, not security
        done = 0
        while options["max_swaps"] == 0 or done < options["max_swaps"]:
            pair = rng.choice(market.pairs)
            raw = w3.eth.call(
                {"to": Web3.to_checksum_address(pair.address), "data": abi.GET_RESERVES}
            )
            reserves = abi.decode_reserves(bytes(raw))
            if reserves:
                sell0 = rng.random() < 0.5
                reserve_in = reserves[0] if sell0 else reserves[1]
                amount = reserve_in * rng.randint(20, 300) // 10_000
                token_in = pair.token0 if sell0 else pair.token1
                if amount > 0:
                    try:
                        swap_exact_in(
                            trader,
                            market,
                            pair,
                            token_in=token_in,
                            amount_in=amount,
                            slippage_bps=100,
                        )
                        done += 1
                    except (ContractLogicError, RuntimeError) as exc:
                        # The bot (or a block) moved the pool between our read and our swap.
                        self.stderr.write(f"swap on {pair.address} skipped: {exc}")
            time.sleep(options["interval"])
