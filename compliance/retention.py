"""Retention: personal data is purged a set time after the relationship ends, unless held.

A purge empties every personal field of the party (name, birth date, document number, postal
address, the blind index) and the content and file name of its documents; the rows stay, with
their ids, states, decisions and the documents' SHA-256, so the audit trail still adds up.
The audit row counts what was purged, never what it held.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.audit import AuditAction, audit_record
from compliance.models import KycDocument, Party


@dataclass(frozen=True)
class Purge:
    parties: int
    documents: int
    held: int  # due, but under legal hold


def purge_due(now: dt.datetime | None = None) -> list[int]:
    """The ids of the parties whose personal data is due for purging now."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.COMPLIANCE_RETENTION_DAYS)
    return list(
        Party.objects.filter(
            relationship_ended_at__lte=cutoff, purged_at__isnull=True, legal_hold=False
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def personal_data_purge(*, actor: object = None, now: dt.datetime | None = None) -> Purge:
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.COMPLIANCE_RETENTION_DAYS)
    held = Party.objects.filter(
        relationship_ended_at__lte=cutoff, purged_at__isnull=True, legal_hold=True
    ).count()
    ids = purge_due(now)
    documents = KycDocument.objects.filter(case__party_id__in=ids, purged_at__isnull=True)
    document_count = documents.update(content=b"", filename="", purged_at=now)
    party_count = Party.objects.filter(pk__in=ids).update(
        name="",
        birth_date="",
        document_number="",
        postal_address="",
        name_index="",
        purged_at=now,
    )
    if party_count or document_count:
        audit_record(
            action=AuditAction.COMPLIANCE_PERSONAL_DATA_PURGED,
            actor=actor,
            target_label="personal data",
            after={
                "parties": party_count,
                "documents": document_count,
                "held": held,
                "retention_days": settings.COMPLIANCE_RETENTION_DAYS,
            },
        )
    return Purge(parties=party_count, documents=document_count, held=held)
