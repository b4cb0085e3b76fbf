"""Print what the bot did: opportunities, trades by state, profit per token, gas."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.core.management.base import BaseCommand

from arbitrage.models import Opportunity, Token, Trade


def format_units(amount: int, decimals: int) -> str:
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}" if decimals else f"{sign}{whole}"


class Command(BaseCommand):
    help = "Summarise opportunities, trades, realized profit per token and gas."

    def handle(self, *args: Any, **options: Any) -> None:
        states = Counter(Trade.objects.values_list("state", flat=True))
        profit: dict[int, int] = defaultdict(int)
        gas_used = gas_cost = 0
        for trade in Trade.objects.filter(state=Trade.State.CONFIRMED).select_related(
            "opportunity"
        ):
            profit[trade.opportunity.start_token_id] += trade.realized_profit or 0
            gas_used += trade.gas_used or 0
            gas_cost += (trade.gas_used or 0) * (trade.effective_gas_price or 0)
        self.stdout.write(f"opportunities: {Opportunity.objects.count()}")
        self.stdout.write(
            "trades: " + (", ".join(f"{s} {n}" for s, n in sorted(states.items())) or "none")
        )
        tokens = Token.objects.in_bulk(list(profit))
        for token_id, amount in sorted(profit.items()):
            token = tokens[token_id]
            shown = format_units(amount, token.decimals)
            self.stdout.write(f"profit {token.symbol}: {shown} ({amount} base units)")
        self.stdout.write(f"gas used: {gas_used} (cost {format_units(gas_cost, 18)} ETH)")
