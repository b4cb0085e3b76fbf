"""The arbitrage API: the market, thresholds, opportunities and trades, the kill switch."""
