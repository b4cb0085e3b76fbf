"""Screening against the sanctions list in force: names (fuzzy) and addresses (exact).

Names are compared normalized (compliance.crypto.normalize_name: case, accents, punctuation and
word order do not matter) with rapidfuzz's ratio; every alias is a name. Addresses match
exactly, in any letter case for a 0x address. A hit on a subject (a party, a wallet, a token, a
pool, a DEX) becomes a `ScreeningResult` that an officer resolves; open and confirmed ones stop
trades and payouts (compliance.gate).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from rapidfuzz import fuzz, process

from accounts.audit import AuditAction, audit_record
from compliance.crypto import normalize_name
from compliance.errors import ComplianceError, ComplianceErrorCode
from compliance.models import (
    Party,
    SanctionsAddress,
    SanctionsList,
    SanctionsName,
    ScreeningResult,
    Wallet,
)

logger = logging.getLogger(__name__)

Subject = ScreeningResult.Subject
Status = ScreeningResult.Status
BLOCKING: tuple[str, ...] = (Status.OPEN, Status.CONFIRMED)


@dataclass(frozen=True)
class Hit:
    uid: str
    matched: str  # the listed name or address, as published
    score: int
    version: int

    def as_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "matched": self.matched,
            "score": self.score,
            "list_version": self.version,
        }


def address_key(address: str) -> str:
    """How an address is compared: a 0x address in lower case, any other as published."""
    text = address.strip()
    return text.lower() if text[:2].lower() == "0x" else text


def current_list() -> SanctionsList | None:
    return SanctionsList.objects.order_by("-pk").first()


# -- names --------------------------------------------------------------------------------------
@dataclass
class _Names:
    version: int
    normalized: list[str]
    rows: list[tuple[str, str]]  # (entry uid, listed name), in the order of `normalized`


_names: _Names | None = None


def _names_of(version: SanctionsList) -> _Names:
    """The version's names, read once per process (a list version never changes)."""
    global _names  # noqa: PLW0603 - one cache per process, replaced by a newer version
    if _names is None or _names.version != version.pk:
        normalized: list[str] = []
        rows: list[tuple[str, str]] = []
        for norm, uid, name in SanctionsName.objects.filter(version=version).values_list(
            "normalized", "entry__uid", "name"
        ):
            normalized.append(norm)
            rows.append((uid, name))
        _names = _Names(version.pk, normalized, rows)
    return _names


def screen_name(
    name: str, *, version: SanctionsList | None = None, threshold: int | None = None
) -> list[Hit]:
    """The listed names (aliases too) that `name` matches at `threshold` or above, best first,
    one per entry."""
    version = version or current_list()
    if version is None:
        return []
    cutoff = settings.COMPLIANCE_NAME_THRESHOLD if threshold is None else threshold
    names = _names_of(version)
    query = normalize_name(name)
    if not query:
        return []
    best: dict[str, Hit] = {}
    for _, score, index in process.extract(
        query, names.normalized, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
    ):
        uid, listed = names.rows[index]
        rounded = round(score)
        if uid not in best or best[uid].score < rounded:
            best[uid] = Hit(uid, listed, rounded, version.pk)
    return sorted(best.values(), key=lambda hit: (-hit.score, hit.uid))


# -- addresses ----------------------------------------------------------------------------------
def screen_address(address: str, *, version: SanctionsList | None = None) -> list[Hit]:
    """The listed entries holding exactly this address."""
    version = version or current_list()
    if version is None:
        return []
    rows = SanctionsAddress.objects.filter(
        version=version, normalized=address_key(address)
    ).values_list("entry__uid", "address")
    return [Hit(uid, listed, 100, version.pk) for uid, listed in rows]


def _listed_addresses(version: SanctionsList) -> dict[str, list[tuple[str, str]]]:
    listed: dict[str, list[tuple[str, str]]] = {}
    for key, uid, address in SanctionsAddress.objects.filter(version=version).values_list(
        "normalized", "entry__uid", "address"
    ):
        listed.setdefault(key, []).append((uid, address))
    return listed


def _subject_addresses() -> Iterable[tuple[str, int, str]]:
    """Every address the product deals with: (subject type, id, address)."""
    from arbitrage.models import Dex, Pool, Token

    for model, subject, fields in (
        (Token, Subject.TOKEN, ("address",)),
        (Pool, Subject.POOL, ("address",)),
        (Dex, Subject.DEX, ("factory_address", "router_address")),
        (Wallet, Subject.WALLET, ("address",)),
    ):
        for pk, *addresses in model.objects.values_list("pk", *fields):
            for address in addresses:
                if address:
                    yield subject, pk, address


def _record(subject: str, subject_id: int, hit: Hit, address: str = "") -> ScreeningResult | None:
    """A result for the hit, unless one exists for the same subject, entry and match (its
    resolution carries over to the new list version; a cleared one opens again)."""
    result, created = ScreeningResult.objects.get_or_create(
        subject_type=subject,
        subject_id=subject_id,
        entry_uid=hit.uid,
        matched=hit.matched,
        defaults={"address": address, "version_id": hit.version, "score": hit.score},
    )
    if not created:
        if result.status != Status.CLEARED:
            return None
        result.status, result.version_id = Status.OPEN, hit.version
        result.resolved_by, result.resolved_at, result.reason = None, None, ""
        result.save()
    audit_record(
        action=AuditAction.COMPLIANCE_SCREENING_HIT,
        target=result,
        after={
            "subject_type": subject,
            "subject_id": subject_id,
            "entry_uid": hit.uid,
            "score": hit.score,
            "list_version": hit.version,
        },
    )
    logger.warning(
        "screening hit %s: %s #%s matches entry %s (score %s)",
        result.pk,
        subject,
        subject_id,
        hit.uid,
        hit.score,
    )
    return result


def screen_addresses(
    subjects: Iterable[tuple[str, int, str]], *, version: SanctionsList | None = None
) -> list[ScreeningResult]:
    """Screen these (subject type, id, address) against the list; the new results."""
    version = version or current_list()
    if version is None:
        return []
    items = list(subjects)
    if not items:
        return []
    keys = {address_key(address) for _, _, address in items}
    listed: dict[str, list[tuple[str, str]]] = {}
    for key, uid, address in SanctionsAddress.objects.filter(
        version=version, normalized__in=keys
    ).values_list("normalized", "entry__uid", "address"):
        listed.setdefault(key, []).append((uid, address))
    return _record_addresses(items, listed, version)


def _record_addresses(
    items: Iterable[tuple[str, int, str]],
    listed: dict[str, list[tuple[str, str]]],
    version: SanctionsList,
) -> list[ScreeningResult]:
    results = []
    for subject, pk, address in items:
        key = address_key(address)
        for uid, published in listed.get(key, ()):
            result = _record(subject, pk, Hit(uid, published, 100, version.pk), key)
            if result is not None:
                results.append(result)
    return results


def screen_new(model: type[Model], rows: Sequence[Model]) -> list[ScreeningResult]:
    """Screen tokens, pools or DEXes the sync has just stored (in its transaction)."""
    from arbitrage.models import Dex, Pool, Token

    subjects: dict[type[Model], str] = {
        Token: Subject.TOKEN,
        Pool: Subject.POOL,
        Dex: Subject.DEX,
    }
    subject = subjects[model]
    fields = ("factory_address", "router_address") if model is Dex else ("address",)
    return screen_addresses(
        (subject, row.pk, address)
        for row in rows
        for address in (getattr(row, name) for name in fields)
        if address and row.pk is not None
    )


def screen_party(party: Party, *, version: SanctionsList | None = None) -> list[ScreeningResult]:
    """Screen a party's name and wallets against the list; remember the version it passed."""
    version = version or current_list()
    results: list[ScreeningResult] = []
    if version is not None and party.purged_at is None:
        for hit in screen_name(party.name, version=version):
            result = _record(Subject.PARTY, party.pk, hit)
            if result is not None:
                results.append(result)
        results += screen_addresses(
            ((Subject.WALLET, w.pk, w.address) for w in party.wallets.all()), version=version
        )
    Party.objects.filter(pk=party.pk).update(screened_list=version, screened_at=timezone.now())
    party.screened_list, party.screened_at = version, timezone.now()
    audit_record(
        action=AuditAction.COMPLIANCE_PARTY_SCREENED,
        target=party,
        after={
            "list_version": version.pk if version else None,
            "hits": [r.pk for r in results],
        },
    )
    return results


@dataclass(frozen=True)
class Rescreen:
    address_hits: int
    cleared: int


@transaction.atomic
def rescreen_addresses(version: SanctionsList) -> Rescreen:
    """Every address the product deals with against a new list version, and open hits whose
    entry no longer lists what they matched closed as cleared. In the import's transaction,
    so no trade passes between a new list and its screening."""
    listed = _listed_addresses(version)
    hits = _record_addresses(_subject_addresses(), listed, version)
    names = set(SanctionsName.objects.filter(version=version).values_list("entry__uid", "name"))
    addresses = {(uid, published) for entries in listed.values() for uid, published in entries}
    cleared = 0
    for result in ScreeningResult.objects.select_for_update().filter(status=Status.OPEN):
        if (result.entry_uid, result.matched) in (addresses if result.address else names):
            continue
        result.status, result.resolved_at = Status.CLEARED, timezone.now()
        result.reason = f"no longer listed in version {version.pk}"
        result.save()
        audit_record(
            action=AuditAction.COMPLIANCE_SCREENING_CLEARED,
            target=result,
            after={"status": result.status, "list_version": version.pk},
        )
        cleared += 1
    return Rescreen(address_hits=len(hits), cleared=cleared)


def party_blocking_hits(party: Party) -> list[int]:
    """The open and confirmed hits on a party's name and on its wallets (a KYC approval and a
    payout both need none)."""
    wallets = party.wallets.values("pk")
    return sorted(
        ScreeningResult.objects.filter(status__in=BLOCKING)
        .filter(
            Q(subject_type=Subject.PARTY, subject_id=party.pk)
            | Q(subject_type=Subject.WALLET, subject_id__in=wallets)
        )
        .values_list("pk", flat=True)
    )


@transaction.atomic
def result_resolve(*, result_id: int, status: str, reason: str, actor: Any) -> ScreeningResult:
    """An officer's decision on a hit: confirmed or a false positive, with a reason."""
    if status not in (Status.CONFIRMED, Status.FALSE_POSITIVE):
        raise ComplianceError(
            ComplianceErrorCode.INVALID_TRANSITION,
            f"a hit is resolved as {Status.CONFIRMED} or {Status.FALSE_POSITIVE}",
            {"status": status},
        )
    if not reason.strip():
        raise ComplianceError(ComplianceErrorCode.REASON_REQUIRED, "a resolution needs a reason")
    result = ScreeningResult.objects.select_for_update().get(pk=result_id)
    if result.status not in (Status.OPEN, Status.CONFIRMED) or result.status == status:
        raise ComplianceError(
            ComplianceErrorCode.ALREADY_RESOLVED,
            f"hit {result.pk} is already {result.status}",
            {"status": result.status},
        )
    before = {"status": result.status}
    result.status, result.reason = status, reason.strip()
    result.resolved_by, result.resolved_at = actor, timezone.now()
    result.save()
    audit_record(
        action=AuditAction.COMPLIANCE_SCREENING_RESOLVED,
        actor=actor,
        target=result,
        before=before,
        after={"status": status, "reason": result.reason},
    )
    return result
