"""Compliance: screening, documents, retention, the sanctions list folder (docs/compliance.md)."""

from __future__ import annotations

from config.env import env

# Fuzzy name screening: a listed name scoring at least this (0-100, rapidfuzz) is a hit.
COMPLIANCE_NAME_THRESHOLD: int = env.int("COMPLIANCE_NAME_THRESHOLD", default=88)
# Refuse every trade and payout while no sanctions list has been imported (production: on).
COMPLIANCE_REQUIRE_SANCTIONS_LIST: bool = env.bool(
    "COMPLIANCE_REQUIRE_SANCTIONS_LIST", default=False
)
# Documents: the largest upload, and the types accepted (recognised from the bytes).
COMPLIANCE_DOCUMENT_MAX_BYTES: int = env.int("COMPLIANCE_DOCUMENT_MAX_BYTES", default=10 << 20)
COMPLIANCE_DOCUMENT_TYPES: list[str] = env.list(
    "COMPLIANCE_DOCUMENT_TYPES", default=["application/pdf", "image/png", "image/jpeg"]
)
# An approval is valid for this many days unless the officer sets another review date.
COMPLIANCE_KYC_REVIEW_DAYS: int = env.int("COMPLIANCE_KYC_REVIEW_DAYS", default=365)
# A new case is due this many days after it is submitted.
COMPLIANCE_KYC_DUE_DAYS: int = env.int("COMPLIANCE_KYC_DUE_DAYS", default=5)
# Personal data is purged this long after the relationship ends, unless under legal hold.
COMPLIANCE_RETENTION_DAYS: int = env.int("COMPLIANCE_RETENTION_DAYS", default=5 * 365 + 1)
# Periodic imports: every list file dropped in this folder is imported once (empty: off).
COMPLIANCE_SANCTIONS_DIR: str = env.str("COMPLIANCE_SANCTIONS_DIR", default="")
# Keys of the personal data when ARBX_PII_KEYS / ARBX_PII_INDEX_KEY are absent: derived from
# DJANGO_SECRET_KEY (the demo and the tests only; production sets False and needs the keys).
PII_KEYS_FROM_SECRET_KEY: bool = env.bool("PII_KEYS_FROM_SECRET_KEY", default=False)
