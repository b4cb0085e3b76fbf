"""Reads: functions that return querysets or plain summaries."""

from __future__ import annotations

from arbitrage.models import Chain, Opportunity, Pool, Token, Trade


def dashboard_summary() -> dict[str, object]:
    return {
        "chains": Chain.objects.count(),
        "tokens": Token.objects.count(),
        "pools": Pool.objects.count(),
        "active_pools": Pool.objects.filter(active=True).count(),
        "opportunities": Opportunity.objects.count(),
        "trades": Trade.objects.count(),
        "recent_opportunities": Opportunity.objects.select_related("start_token")[:10],
        "recent_trades": Trade.objects.select_related("opportunity")[:10],
    }
