"""A compliance officer, as a new user of the demo would: log in, find the KYC queue, claim and
open a case, see its documents, approve it with a reason; the decision is in the audit log."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import AuditEvent
from compliance.models import KycCase
from tests.browser.conftest import shot

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
PASSWORD = "a demo officer's passphrase 7"


def test_an_officer_reviews_and_approves_a_case_in_the_admin(page, live_server, monkeypatch):
    monkeypatch.setenv("ARBX_COMPLIANCE_PASSWORD", PASSWORD)
    call_command("seed_compliance_demo", verbosity=0)  # what `make demo` seeds
    base = live_server.url
    page.goto(f"{base}/admin/")
    page.fill("#id_username", "compliance")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.get_by_role("link", name="KYC cases").click()
    rows = page.locator("#result_list tbody tr")
    rows.first.wait_for()
    assert rows.count() == 3
    # The queue: due soonest first.
    assert "Amelia Hart" in rows.nth(0).inner_text()
    assert "Submitted" in rows.nth(0).inner_text()
    shot(page, "kyc-queue")

    rows.nth(0).locator("input.action-select").check()
    page.select_option("select[name=action]", "claim_cases")
    page.click("button[name=index]")
    page.get_by_text("Claimed 1 case(s).").wait_for()
    case = KycCase.objects.get(state="in_review")
    assert case.assignee is not None
    assert case.assignee.username == "compliance"

    page.goto(f"{base}/admin/compliance/kyccase/{case.pk}/change/")
    documents = page.locator("#documents-group")
    assert "passport" in documents.inner_text().lower()
    assert "image/png" in documents.inner_text()
    shot(page, "kyc-case")
    png = case.documents.get(content_type="image/png")
    page.goto(f"{base}/admin/compliance/kycdocument/{png.pk}/change/")
    image = page.locator("img[alt=document]")
    image.wait_for()
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) == 320
    shot(page, "kyc-document")

    page.goto(f"{base}/admin/compliance/kyccase/{case.pk}/change/")
    page.get_by_role("link", name="Decide with a reason").first.click()
    page.check("input[name=action][value=approve]")
    page.fill("#id_reason", "passport and ID card match; screening clear")
    shot(page, "kyc-decide")
    page.click("input[type=submit][value='Record the decision']")
    page.get_by_text("approve recorded").wait_for()
    shot(page, "kyc-approved")

    case.refresh_from_db()
    assert case.state == KycCase.State.APPROVED
    assert case.decision_reason == "passport and ID card match; screening clear"
    event = AuditEvent.objects.get(action="compliance.kyc_approved", target_id=str(case.pk))
    assert event.actor_username == "compliance"
    assert (event.after or {})["reason"] == case.decision_reason
    viewed = AuditEvent.objects.filter(action="compliance.document_viewed", target_id=str(png.pk))
    assert viewed.exists()  # opening a document is audited too
