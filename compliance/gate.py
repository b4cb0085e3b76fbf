"""The compliance gate: what may not be signed, decided by one rule per kind of transaction.

Every path that can send a transaction asks here before signing: the trade state machine
(arbitrage.pipeline.execute), the fast lane's plain SQL (arbitrage.pipeline.lane.sql, which
reads the same rows in its record's round trip and calls the same rule) and payouts
(compliance.payouts).

- A trade is refused when a token, pool or counterparty (the pools' DEX factory and router)
  of its cycle has an open or confirmed screening hit, or when no sanctions list is loaded
  and one is required (COMPLIANCE_REQUIRE_SANCTIONS_LIST).
- A payout is refused unless its wallet's party holds an approved KYC case not past its
  review date, was screened against the list in force, and neither the party nor the wallet
  has an open or confirmed hit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.utils import timezone
from prometheus_client import Counter

from compliance.models import KycCase, Party, ScreeningResult, Wallet
from compliance.screening import BLOCKING, address_key, current_list, party_blocking_hits

REFUSALS = Counter(
    "arbx_compliance_refusals_total",
    "Transactions the compliance gate refused before signing.",
    ["kind"],
)
NO_LIST = "compliance: no sanctions list is loaded"


def hits_refusal(hits: Iterable[Sequence[str]], *, list_loaded: bool) -> str | None:
    """The rule for a trade: why these blocking hits (address, status, entry uid) refuse it,
    or None. Both writers of a trade read the hits and call this."""
    if not list_loaded and settings.COMPLIANCE_REQUIRE_SANCTIONS_LIST:
        return NO_LIST
    found = sorted({(address, status, uid) for address, status, uid in hits})
    if not found:
        return None
    address, status, uid = found[0]
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return f"compliance: {address} has a {status} sanctions hit (entry {uid}){more}"


def blocking_hits(addresses: Iterable[str]) -> list[tuple[str, str, str]]:
    """The open and confirmed hits on these addresses."""
    keys = sorted({address_key(a) for a in addresses if a})
    return list(
        ScreeningResult.objects.filter(address__in=keys, status__in=BLOCKING).values_list(
            "address", "status", "entry_uid"
        )
    )


def list_loaded() -> bool:
    return current_list() is not None


def trade_refusal(addresses: Iterable[str]) -> str | None:
    """Why a trade through these addresses may not be signed (the ORM path's reads)."""
    return hits_refusal(blocking_hits(addresses), list_loaded=list_loaded())


def approved_case(party: Party, today: dt.date | None = None) -> KycCase | None:
    today = today or timezone.localdate()
    return (
        party.cases.filter(state=KycCase.State.APPROVED)
        .exclude(review_date__lte=today)
        .order_by("-decided_at")
        .first()
    )


def payout_refusal(wallet: Wallet, today: dt.date | None = None) -> str | None:
    """Why a payout to this wallet may not be signed, or None."""
    party = wallet.party
    if party.purged_at is not None:
        return "compliance: the party's relationship has ended and its data was purged"
    if approved_case(party, today) is None:
        return f"compliance: {party} has no approved KYC case in force"
    version = current_list()
    if version is None:
        return NO_LIST
    if party.screened_list_id != version.pk:
        return f"compliance: {party} was not screened against the list in force (v{version.pk})"
    if party_blocking_hits(party):
        return f"compliance: {party} has unresolved or confirmed screening hits"
    return hits_refusal(blocking_hits(w.address for w in party.wallets.all()), list_loaded=True)


def refused(kind: str) -> None:
    """Count a refusal (trade, payout)."""
    REFUSALS.labels(kind=kind).inc()
