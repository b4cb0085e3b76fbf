"""The KYC case's state machine: legal moves, refused ones, reasons, maker-checker, four eyes,
expiry; documents checked on their bytes."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from compliance import kyc
from compliance.errors import ComplianceError, ComplianceErrorCode
from compliance.models import KycCase, KycDecision
from tests.compliance.conftest import PDF, PNG, submitted_case
from tests.personas import make_user

pytestmark = pytest.mark.django_db
State = KycCase.State


def _code(excinfo):
    return excinfo.value.code


def test_a_case_goes_from_draft_to_approved_with_every_decision_recorded(party, officers):
    maker, checker = officers
    case = submitted_case(party, maker)
    assert case.state == State.SUBMITTED
    assert case.due_date is not None
    case = kyc.case_claim(case_id=case.pk, actor=checker)
    assert (case.state, case.assignee) == (State.IN_REVIEW, checker)
    case = kyc.case_request_information(case_id=case.pk, actor=checker, reason="proof of address")
    assert case.state == State.NEEDS_INFORMATION
    case = kyc.case_submit(case_id=case.pk, actor=maker, reason="bill attached")
    case = kyc.case_claim(case_id=case.pk, actor=checker)
    case = kyc.case_approve(case_id=case.pk, actor=checker, reason="documents match")
    assert case.state == State.APPROVED
    assert (case.decided_by, case.decision_reason) == (checker, "documents match")
    assert case.review_date == timezone.localdate() + dt.timedelta(days=365)
    moves = list(KycDecision.objects.filter(case=case).values_list("to_state", "officer__username"))
    assert moves == [
        (State.SUBMITTED, "cora"),
        (State.IN_REVIEW, "carl"),
        (State.NEEDS_INFORMATION, "carl"),
        (State.SUBMITTED, "cora"),
        (State.IN_REVIEW, "carl"),
        (State.APPROVED, "carl"),
    ]
    approval = AuditEvent.objects.get(action="compliance.kyc_approved")
    assert approval.actor == checker
    assert approval.target_id == str(case.pk)
    assert (approval.after or {})["reason"] == "documents match"


@pytest.mark.parametrize(
    ("moves", "refused"),
    [
        ((), "claim_draft"),
        (("submit",), "approve_submitted"),
        (("submit", "claim"), "submit_in_review"),
        (("submit", "claim", "reject"), "approve_rejected"),
        (("submit", "claim", "approve"), "request_approved"),
    ],
)
def test_an_illegal_move_is_refused_with_the_state_it_found(party, officers, moves, refused):
    maker, checker = officers
    case = kyc.case_open(party_id=party.pk, actor=maker)
    steps = {
        "submit": lambda: kyc.case_submit(case_id=case.pk, actor=maker),
        "claim": lambda: kyc.case_claim(case_id=case.pk, actor=checker),
        "approve": lambda: kyc.case_approve(case_id=case.pk, actor=checker, reason="ok"),
        "reject": lambda: kyc.case_reject(case_id=case.pk, actor=checker, reason="no"),
        "request": lambda: kyc.case_request_information(case_id=case.pk, actor=checker, reason="x"),
    }
    for move in moves:
        steps[move]()
    before = KycCase.objects.get(pk=case.pk).state
    action, state = refused.split("_", 1)
    with pytest.raises(ComplianceError) as excinfo:
        {
            "claim": steps["claim"],
            "approve": steps["approve"],
            "submit": steps["submit"],
            "request": steps["request"],
        }[action]()
    assert _code(excinfo) == ComplianceErrorCode.INVALID_TRANSITION
    assert f"it is {state}" in excinfo.value.message
    assert KycCase.objects.get(pk=case.pk).state == before


def test_decisions_need_a_reason(party, officers):
    maker, checker = officers
    case = kyc.case_claim(case_id=submitted_case(party, maker).pk, actor=checker)
    for decide in (kyc.case_approve, kyc.case_reject, kyc.case_request_information):
        with pytest.raises(ComplianceError) as excinfo:
            decide(case_id=case.pk, actor=checker, reason="  ")
        assert _code(excinfo) == ComplianceErrorCode.REASON_REQUIRED
    assert KycCase.objects.get(pk=case.pk).state == State.IN_REVIEW


def test_who_submitted_or_last_edited_a_case_cannot_approve_it(party, officers):
    maker, checker = officers
    case = kyc.case_claim(case_id=submitted_case(party, maker).pk, actor=checker)
    with pytest.raises(ComplianceError) as excinfo:
        kyc.case_approve(case_id=case.pk, actor=maker, reason="mine")
    assert _code(excinfo) == ComplianceErrorCode.FOUR_EYES
    # The checker edits the party: now the checker may not approve either.
    kyc.party_update(party_id=party.pk, actor=checker, postal_address="3 New Road")
    with pytest.raises(ComplianceError, match="last edited"):
        kyc.case_approve(case_id=case.pk, actor=checker, reason="fine")
    third = make_user("cleo", Role.COMPLIANCE_OFFICER)
    assert kyc.case_approve(case_id=case.pk, actor=third, reason="ok").state == State.APPROVED


def test_a_high_risk_case_needs_two_officers(party, officers):
    maker, first = officers
    second = make_user("cleo", Role.COMPLIANCE_OFFICER)
    case = kyc.case_claim(case_id=submitted_case(party, maker, KycCase.Risk.HIGH).pk, actor=first)
    case = kyc.case_approve(case_id=case.pk, actor=first, reason="first look fine")
    assert (case.state, case.first_approver) == (State.IN_REVIEW, first)
    with pytest.raises(ComplianceError) as excinfo:
        kyc.case_approve(case_id=case.pk, actor=first, reason="again")
    assert _code(excinfo) == ComplianceErrorCode.FOUR_EYES
    case = kyc.case_approve(case_id=case.pk, actor=second, reason="second look fine")
    assert (case.state, case.decided_by) == (State.APPROVED, second)
    assert AuditEvent.objects.filter(action="compliance.kyc_first_approval").count() == 1


def test_an_edit_after_a_first_approval_voids_it(party, officers):
    maker, first = officers
    second = make_user("cleo", Role.COMPLIANCE_OFFICER)
    case = kyc.case_claim(case_id=submitted_case(party, maker, KycCase.Risk.HIGH).pk, actor=first)
    kyc.case_approve(case_id=case.pk, actor=first, reason="ok")
    kyc.case_update(case_id=case.pk, actor=maker, due_date=timezone.localdate())
    case = kyc.case_approve(case_id=case.pk, actor=second, reason="ok")
    assert (case.state, case.first_approver) == (State.IN_REVIEW, second)


def test_an_approval_expires_at_its_review_date(party, officers):
    maker, checker = officers
    case = kyc.case_claim(case_id=submitted_case(party, maker).pk, actor=checker)
    today = timezone.localdate()
    kyc.case_approve(
        case_id=case.pk, actor=checker, reason="ok", review_date=today + dt.timedelta(days=3)
    )
    assert kyc.cases_expire(today + dt.timedelta(days=2)) == 0
    assert kyc.cases_expire(today + dt.timedelta(days=3)) == 1
    assert KycCase.objects.get(pk=case.pk).state == State.EXPIRED
    assert AuditEvent.objects.filter(action="compliance.kyc_expired").count() == 1


def test_documents_are_checked_on_their_bytes(party, officers, settings):
    maker = officers[0]
    case = kyc.case_open(party_id=party.pk, actor=maker)
    png = kyc.document_add(case_id=case.pk, actor=maker, content=PNG, filename="selfie.pdf")
    assert png.content_type == "image/png"  # the bytes decide, not the name
    assert png.sha256 == hashlib.sha256(PNG).hexdigest()
    assert png.size == len(PNG)
    for content in (b"MZ\x90\x00 an executable", b"<html><script>", b""):
        with pytest.raises(ComplianceError) as excinfo:
            kyc.document_add(case_id=case.pk, actor=maker, content=content, filename="x.pdf")
        assert _code(excinfo) == ComplianceErrorCode.DOCUMENT_REFUSED
    settings.COMPLIANCE_DOCUMENT_MAX_BYTES = len(PDF) - 1
    with pytest.raises(ComplianceError, match="limit"):
        kyc.document_add(case_id=case.pk, actor=maker, content=PDF)
    settings.COMPLIANCE_DOCUMENT_TYPES = ["application/pdf"]
    settings.COMPLIANCE_DOCUMENT_MAX_BYTES = 1 << 20
    with pytest.raises(ComplianceError, match="accepted types"):
        kyc.document_add(case_id=case.pk, actor=maker, content=PNG)
    assert case.documents.count() == 1
