"""KYC cases, sanctions screening and the execution gate live here (compliance issue)."""
