"""Retention: purged when due, kept under legal hold, audited by counts. And no personal data
in the logs of a whole KYC flow."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AuditEvent
from compliance import kyc
from compliance.models import KycDocument, Party
from compliance.screening import screen_party
from tests.compliance.conftest import PDF, submitted_case

pytestmark = pytest.mark.django_db


def test_the_purge_removes_expired_data_and_keeps_what_is_held(officers, settings, capsys):
    settings.COMPLIANCE_RETENTION_DAYS = 30
    long_ago = timezone.now() - dt.timedelta(days=31)
    ended = kyc.party_create(actor=officers[0], name="Old Client", document_number="P1")
    held = kyc.party_create(actor=officers[0], name="Held Client", document_number="P2")
    recent = kyc.party_create(actor=officers[0], name="Recent Client", document_number="P3")
    case = submitted_case(ended, officers[0])
    for party, when, hold in (
        (ended, long_ago, False),
        (held, long_ago, True),
        (recent, timezone.now(), False),
    ):
        kyc.party_update(
            party_id=party.pk, actor=officers[0], relationship_ended_at=when, legal_hold=hold
        )

    call_command("purge_personal_data")
    assert (
        "Purged 1 party(ies) and 1 document(s); 1 due but under legal hold."
        in capsys.readouterr().out
    )
    gone = Party.objects.get(pk=ended.pk)
    assert (gone.name, gone.document_number, gone.name_index) == ("", "", "")
    assert gone.purged_at is not None
    document = KycDocument.objects.get(case=case)
    assert (bytes(document.content), document.filename) == (b"", "")
    assert len(document.sha256) == 64  # the fingerprint stays for the audit trail
    assert Party.objects.get(pk=held.pk).name == "Held Client"
    assert Party.objects.get(pk=recent.pk).name == "Recent Client"
    (event,) = AuditEvent.objects.filter(action="compliance.personal_data_purged")
    assert event.after == {"parties": 1, "documents": 1, "held": 1, "retention_days": 30}
    call_command("purge_personal_data")  # nothing more is due
    assert AuditEvent.objects.filter(action="compliance.personal_data_purged").count() == 1


def test_no_personal_value_reaches_the_logs(officers, sdn_list, caplog):
    caplog.set_level(logging.DEBUG)
    maker, checker = officers
    values = ("Ivan Petrovsky", "1970-01-01", "PA9988776", "7 Hidden Lane")
    party = kyc.party_create(
        actor=maker,
        name=values[0],  # on the list: a screening hit is logged (by ids)
        birth_date=values[1],
        document_number=values[2],
        postal_address=values[3],
    )
    case = kyc.case_claim(case_id=submitted_case(party, maker).pk, actor=checker)
    kyc.document_add(case_id=case.pk, actor=maker, content=PDF, filename="Ivan-passport.pdf")
    screen_party(party)
    with pytest.raises(Exception, match="screening hits"):
        kyc.case_approve(case_id=case.pk, actor=checker, reason="ok")
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert "screening hit" in logged  # the flow did log
    audit = " ".join(f"{e.target_repr} {e.before} {e.after}" for e in AuditEvent.objects.all())
    for value in (*values, "Ivan-passport", "Petrovsky Ivan"):
        assert value not in logged
        assert value not in audit
