"""Parties, wallets, documents and the KYC case's state machine. Every write is audited with ids
and states only (never personal data).

    draft -> submitted -> in_review -> approved -> expired (at its review date)
                 ^            |    \\-> rejected
                 |            v
                 needs_information

- Every decision (request information, approve, reject) has a reason, an officer and a time
  (a `KycDecision` row and an audit row).
- Maker-checker: the officer who submitted or last edited a case (its party, its documents)
  cannot approve it. A high-risk case needs two approvals by two officers (four eyes): the
  first is recorded and the case stays in review until a second officer approves.
- A case is approved only when its party's screening is clear against the list in force.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone

from accounts.audit import AuditAction, audit_record
from compliance.crypto import blind_index
from compliance.errors import ComplianceError, ComplianceErrorCode
from compliance.models import KycCase, KycDecision, KycDocument, Party, ScreeningResult, Wallet
from compliance.screening import (
    current_list,
    party_blocking_hits,
    screen_addresses,
    screen_party,
)
from core.addresses import normalize_address

State = KycCase.State
Risk = KycCase.Risk
RISK_RANK = {Risk.LOW: 1, Risk.MEDIUM: 2, Risk.HIGH: 3}
# Cases whose content may still change (and which an edit of their party touches).
OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.IN_REVIEW, State.NEEDS_INFORMATION)
PARTY_FIELDS = ("kind", "name", "birth_date", "document_number", "postal_address", "country")
CASE_FIELDS = ("risk", "assignee", "due_date", "review_date")


# -- parties and wallets -----------------------------------------------------------------------
RELATIONSHIP_FIELDS = ("relationship_ended_at", "legal_hold")


def _settable(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ComplianceError(
            ComplianceErrorCode.NOT_EDITABLE, "these fields cannot be set", {"fields": unknown}
        )


def _check_birth_date(value: str) -> None:
    if value:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ComplianceError(
                ComplianceErrorCode.INVALID, "a birth date is written YYYY-MM-DD"
            ) from None


@transaction.atomic
def party_create(*, actor: Any, name: str, **fields: Any) -> Party:
    if not name.strip():
        raise ComplianceError(ComplianceErrorCode.INVALID, "a party needs a name")
    _settable(fields, (*PARTY_FIELDS, *RELATIONSHIP_FIELDS))
    _check_birth_date(fields.get("birth_date", ""))
    party = Party(name=name.strip(), created_by=actor, **fields)
    party.name_index = blind_index(party.name)
    party.full_clean()
    party.save()
    audit_record(
        action=AuditAction.COMPLIANCE_PARTY_CREATED,
        actor=actor,
        target=party,
        after={"kind": party.kind, "country": party.country},
    )
    screen_party(party)
    return party


@transaction.atomic
def party_update(*, party_id: int, actor: Any, **fields: Any) -> Party:
    """Change a party; its open cases count as edited by `actor` (who then may not approve)."""
    party = Party.objects.select_for_update().get(pk=party_id)
    if party.purged_at is not None:
        raise ComplianceError(ComplianceErrorCode.NOT_EDITABLE, f"{party} was purged")
    _settable(fields, (*PARTY_FIELDS, *RELATIONSHIP_FIELDS))
    _check_birth_date(fields.get("birth_date", ""))
    changed = sorted(k for k, v in fields.items() if getattr(party, k) != v)
    for key in changed:
        setattr(party, key, fields[key])
    if not changed:
        return party
    party.name_index = blind_index(party.name)
    party.full_clean()
    party.save()
    KycCase.objects.filter(party=party, state__in=OPEN_STATES).update(
        last_edited_by=actor, first_approver=None, updated_at=timezone.now()
    )
    # Which fields changed, never their values (personal data).
    audit_record(
        action=AuditAction.COMPLIANCE_PARTY_UPDATED,
        actor=actor,
        target=party,
        after={
            "fields": changed,
            "legal_hold": party.legal_hold,
            "relationship_ended_at": party.relationship_ended_at,
        },
    )
    if "name" in changed:
        screen_party(party)
    return party


def parties_named(name: str) -> list[Party]:
    """The parties with exactly this name (normalized), found through the blind index."""
    return list(Party.objects.filter(name_index=blind_index(name)))


@transaction.atomic
def wallet_add(*, party_id: int, chain: Any, address: str, label: str = "", actor: Any) -> Wallet:
    party = Party.objects.select_for_update().get(pk=party_id)
    wallet = Wallet(party=party, chain=chain, address=normalize_address(address), label=label)
    wallet.full_clean()
    wallet.save()
    audit_record(
        action=AuditAction.COMPLIANCE_WALLET_ADDED,
        actor=actor,
        target=wallet,
        after={"party": party.pk, "chain": wallet.chain_id, "address": wallet.address},
    )
    screen_addresses([(ScreeningResult.Subject.WALLET, wallet.pk, wallet.address)])
    return wallet


# -- cases ---------------------------------------------------------------------------------
def _locked(case_id: int) -> KycCase:
    return KycCase.objects.select_for_update().select_related("party").get(pk=case_id)


def _refuse(case: KycCase, action: str, allowed: tuple[str, ...]) -> ComplianceError:
    return ComplianceError(
        ComplianceErrorCode.INVALID_TRANSITION,
        f"cannot {action} {case}: it is {case.state}, and only a case that is "
        f"{' or '.join(allowed)} can be",
        {"state": case.state, "allowed_from": list(allowed)},
    )


def _reason(reason: str, action: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ComplianceError(
            ComplianceErrorCode.REASON_REQUIRED, f"to {action} a case, give a reason"
        )
    return text


def _move(
    case: KycCase,
    to_state: str,
    *,
    actor: Any,
    action: AuditAction,
    reason: str = "",
    first_approval: bool = False,
) -> KycCase:
    from_state = case.state
    case.state = to_state
    case.save()
    KycDecision.objects.create(
        case=case,
        from_state=from_state,
        to_state=to_state,
        officer=actor,
        reason=reason,
        first_approval=first_approval,
    )
    audit_record(
        action=action,
        actor=actor,
        target=case,
        before={"state": from_state},
        after={
            "state": to_state,
            "party": case.party_id,
            "risk": case.risk,
            "reason": reason,
            "first_approver": case.first_approver_id,
        },
    )
    return case


@transaction.atomic
def case_open(*, party_id: int, actor: Any, risk: str = Risk.MEDIUM, **fields: Any) -> KycCase:
    party = Party.objects.get(pk=party_id)
    case = KycCase(
        party=party,
        risk=risk,
        risk_rank=RISK_RANK[Risk(risk)],
        created_by=actor,
        last_edited_by=actor,
        **{k: v for k, v in fields.items() if k in CASE_FIELDS},
    )
    case.full_clean()
    case.save()
    audit_record(
        action=AuditAction.COMPLIANCE_CASE_CREATED,
        actor=actor,
        target=case,
        after={"party": party.pk, "risk": case.risk, "state": case.state},
    )
    return case


@transaction.atomic
def case_update(*, case_id: int, actor: Any, **fields: Any) -> KycCase:
    """Change a case's risk, assignee, due date or review date; the actor becomes its last
    editor, and a first approval given before the change no longer counts."""
    case = _locked(case_id)
    if case.state not in OPEN_STATES:
        raise ComplianceError(
            ComplianceErrorCode.NOT_EDITABLE, f"{case} is {case.state}: open a new case"
        )
    _settable(fields, CASE_FIELDS)
    before = {k: _value(getattr(case, k)) for k in fields}
    for key, value in fields.items():
        setattr(case, key, value)
    case.risk_rank = RISK_RANK[Risk(case.risk)]
    after = {k: _value(getattr(case, k)) for k in fields}
    if before == after:
        return case
    case.last_edited_by, case.first_approver = actor, None
    case.full_clean()
    case.save()
    audit_record(
        action=AuditAction.COMPLIANCE_CASE_UPDATED,
        actor=actor,
        target=case,
        before=before,
        after=after,
    )
    return case


def _value(value: Any) -> Any:
    return getattr(value, "pk", value)


@transaction.atomic
def case_submit(*, case_id: int, actor: Any, reason: str = "") -> KycCase:
    case = _locked(case_id)
    allowed = (State.DRAFT, State.NEEDS_INFORMATION)
    if case.state not in allowed:
        raise _refuse(case, "submit", allowed)
    case.submitted_by = actor
    if case.due_date is None:
        case.due_date = timezone.localdate() + dt.timedelta(days=settings.COMPLIANCE_KYC_DUE_DAYS)
    return _move(
        case,
        State.SUBMITTED,
        actor=actor,
        action=AuditAction.COMPLIANCE_KYC_SUBMITTED,
        reason=reason.strip(),
    )


@transaction.atomic
def case_claim(*, case_id: int, actor: Any) -> KycCase:
    """An officer takes a submitted case from the queue: assigned to them, in review."""
    case = _locked(case_id)
    if case.state != State.SUBMITTED:
        raise _refuse(case, "claim", (State.SUBMITTED,))
    case.assignee = actor
    return _move(case, State.IN_REVIEW, actor=actor, action=AuditAction.COMPLIANCE_KYC_CLAIMED)


@transaction.atomic
def case_request_information(*, case_id: int, actor: Any, reason: str) -> KycCase:
    case = _locked(case_id)
    text = _reason(reason, "ask for information on")
    if case.state != State.IN_REVIEW:
        raise _refuse(case, "ask for information on", (State.IN_REVIEW,))
    case.first_approver = None
    return _move(
        case,
        State.NEEDS_INFORMATION,
        actor=actor,
        action=AuditAction.COMPLIANCE_KYC_INFO_REQUESTED,
        reason=text,
    )


@transaction.atomic
def case_reject(*, case_id: int, actor: Any, reason: str) -> KycCase:
    case = _locked(case_id)
    text = _reason(reason, "reject")
    if case.state != State.IN_REVIEW:
        raise _refuse(case, "reject", (State.IN_REVIEW,))
    case.decided_by, case.decided_at, case.decision_reason = actor, timezone.now(), text
    return _move(
        case, State.REJECTED, actor=actor, action=AuditAction.COMPLIANCE_KYC_REJECTED, reason=text
    )


@transaction.atomic
def case_approve(
    *, case_id: int, actor: Any, reason: str, review_date: dt.date | None = None
) -> KycCase:
    """Approve (or, for a high-risk case without one yet, give the first of two approvals)."""
    case = _locked(case_id)
    text = _reason(reason, "approve")
    if case.state != State.IN_REVIEW:
        raise _refuse(case, "approve", (State.IN_REVIEW,))
    if actor is None or actor.pk in (case.submitted_by_id, case.last_edited_by_id):
        raise ComplianceError(
            ComplianceErrorCode.FOUR_EYES,
            "the officer who submitted or last edited a case cannot approve it",
            {"submitted_by": case.submitted_by_id, "last_edited_by": case.last_edited_by_id},
        )
    if case.first_approver_id == actor.pk:
        raise ComplianceError(
            ComplianceErrorCode.FOUR_EYES,
            "a high-risk case needs a second officer's approval",
            {"first_approver": case.first_approver_id},
        )
    party = case.party
    if party.screened_list_id != getattr(current_list(), "pk", None):
        screen_party(party)
    blocking = party_blocking_hits(party)
    if blocking:
        raise ComplianceError(
            ComplianceErrorCode.OPEN_HITS,
            "the party has open or confirmed screening hits: resolve them first",
            {"hits": blocking},
        )
    if case.risk == Risk.HIGH and case.first_approver_id is None:
        case.first_approver = actor
        return _move(
            case,
            State.IN_REVIEW,
            actor=actor,
            action=AuditAction.COMPLIANCE_KYC_FIRST_APPROVAL,
            reason=text,
            first_approval=True,
        )
    case.decided_by, case.decided_at, case.decision_reason = actor, timezone.now(), text
    case.review_date = review_date or timezone.localdate() + dt.timedelta(
        days=settings.COMPLIANCE_KYC_REVIEW_DAYS
    )
    return _move(
        case, State.APPROVED, actor=actor, action=AuditAction.COMPLIANCE_KYC_APPROVED, reason=text
    )


def cases_expire(today: dt.date | None = None) -> int:
    """Approved cases at or past their review date become expired (the beat runs this)."""
    today = today or timezone.localdate()
    count = 0
    for pk in KycCase.objects.filter(state=State.APPROVED, review_date__lte=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            case = _locked(pk)
            if case.state == State.APPROVED:
                _move(
                    case,
                    State.EXPIRED,
                    actor=None,
                    action=AuditAction.COMPLIANCE_KYC_EXPIRED,
                    reason=f"review date {case.review_date} reached",
                )
                count += 1
    return count


# -- documents ----------------------------------------------------------------------------
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def sniff(content: bytes) -> str | None:
    """The type the bytes are (by their signature), whatever the name or the client says."""
    for magic, content_type in SIGNATURES:
        if content.startswith(magic):
            return content_type
    return None


@transaction.atomic
def document_add(
    *, case_id: int, actor: Any, content: bytes, filename: str = "", kind: str = "other"
) -> KycDocument:
    case = _locked(case_id)
    if case.state not in OPEN_STATES:
        raise ComplianceError(
            ComplianceErrorCode.NOT_EDITABLE, f"{case} is {case.state}: documents are closed"
        )
    limit = settings.COMPLIANCE_DOCUMENT_MAX_BYTES
    if not content:
        raise ComplianceError(ComplianceErrorCode.DOCUMENT_REFUSED, "the document is empty")
    if len(content) > limit:
        raise ComplianceError(
            ComplianceErrorCode.DOCUMENT_REFUSED,
            f"the document is {len(content)} bytes; the limit is {limit}",
            {"size": len(content), "limit": limit},
        )
    content_type = sniff(content)
    allowed = list(settings.COMPLIANCE_DOCUMENT_TYPES)
    if content_type is None or content_type not in allowed:
        raise ComplianceError(
            ComplianceErrorCode.DOCUMENT_REFUSED,
            f"the document's content is not one of the accepted types ({', '.join(allowed)})",
            {"detected": content_type, "allowed": allowed},
        )
    document = KycDocument.objects.create(
        case=case,
        kind=kind,
        filename=filename[:255],
        content=content,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
    )
    KycCase.objects.filter(pk=case.pk).update(
        last_edited_by=actor, first_approver=None, updated_at=timezone.now()
    )
    audit_record(
        action=AuditAction.COMPLIANCE_DOCUMENT_ADDED,
        actor=actor,
        target=document,
        after={
            "case": case.pk,
            "kind": document.kind,
            "content_type": content_type,
            "size": document.size,
            "sha256": document.sha256,
        },
    )
    return document


def document_response(document: KycDocument) -> HttpResponse:
    """A document's bytes as the browser shows them: inline, its detected type, never sniffed
    into another, never cached, framed only by our own pages."""
    response = HttpResponse(bytes(document.content or b""), content_type=document.content_type)
    response["Content-Disposition"] = f'inline; filename="document-{document.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


@transaction.atomic
def document_read(*, document_id: int, actor: Any) -> KycDocument:
    """A document opened by an officer (audited: who read which document, when)."""
    document = KycDocument.objects.get(pk=document_id)
    audit_record(
        action=AuditAction.COMPLIANCE_DOCUMENT_VIEWED,
        actor=actor,
        target=document,
        after={"case": document.case_id},
    )
    return document
