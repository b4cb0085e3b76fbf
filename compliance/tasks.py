"""Celery tasks of the compliance app. Arguments are ids only: never personal data."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings

from compliance.models import Party, SanctionsList
from core.handoff import Message, send

logger = logging.getLogger(__name__)


@shared_task(
    name="compliance.tasks.rescreen_parties",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=240,
    time_limit=270,
)
def rescreen_parties_task(version_id: int | None = None) -> dict[str, int]:
    """Screen every party not yet screened against the list in force (all of them after an
    import); the periodic run catches a rescreen that could not be queued."""
    from compliance.screening import current_list, screen_party

    version = current_list()
    if version is None or (version_id is not None and version.pk != version_id):
        return {"parties": 0, "hits": 0}  # a newer version's own task screens against it
    pending = Party.objects.filter(purged_at__isnull=True).exclude(screened_list=version)
    parties = hits = 0
    for pk in pending.values_list("pk", flat=True):
        from django.db import transaction

        with transaction.atomic():
            party = Party.objects.select_for_update().get(pk=pk)
            if party.screened_list_id == version.pk:
                continue
            hits += len(screen_party(party, version=version))
            parties += 1
    return {"parties": parties, "hits": hits}


@shared_task(
    name="compliance.tasks.import_sanctions_folder",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=240,
    time_limit=270,
)
def import_sanctions_folder() -> dict[str, object]:
    """Import every list file in COMPLIANCE_SANCTIONS_DIR that is not the version in force
    (a file is imported once: by its SHA-256)."""
    from compliance.sanctions.formats import SanctionsFormatError
    from compliance.sanctions.store import list_import

    folder = settings.COMPLIANCE_SANCTIONS_DIR
    if not folder:
        return {"skipped": "COMPLIANCE_SANCTIONS_DIR is not set"}
    imported: list[int] = []
    known = set(SanctionsList.objects.values_list("sha256", flat=True))
    for path in sorted(Path(folder).iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in (".xml", ".csv", ""):
            continue
        if path.is_file() and path.suffix.lower() == ".csv" and path.stem.lower() != "sdn":
            continue  # the CSV siblings (alt.csv, ...) are read with sdn.csv
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() in known:
            continue
        try:
            report = list_import(path)
        except SanctionsFormatError as exc:
            logger.error("sanctions list %s refused: %s", path.name, exc)
            continue
        if report.version is not None:
            imported.append(report.version.pk)
    return {"imported": imported}


@shared_task(
    name="compliance.tasks.expire_cases",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def expire_cases() -> int:
    from compliance.kyc import cases_expire

    return cases_expire()


@shared_task(
    name="compliance.tasks.purge_personal_data",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=150,
)
def purge_personal_data() -> dict[str, int]:
    from compliance.retention import personal_data_purge

    purge = personal_data_purge()
    return {"parties": purge.parties, "documents": purge.documents, "held": purge.held}


@shared_task(
    name="compliance.tasks.send_payout",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=30,
    time_limit=45,
)
def send_payout(payout_id: int) -> str:
    """Sign and send a requested payout (the gate is read again first), then confirm it."""
    from arbitrage.pipeline.loop import execution_context
    from compliance.models import Payout
    from compliance.payouts import payout_send

    payout = Payout.objects.select_related("wallet__chain").get(pk=payout_id)
    ctx = execution_context(payout.wallet.chain)
    payout = payout_send(payout_id=payout_id, client=ctx.client, signer=ctx.signer)
    if payout.state == Payout.State.SUBMITTED:
        send(
            Message("compliance.tasks.confirm_payout", (payout_id,), "default", countdown=2),
            wait=True,
        )
    return str(payout.state)


@shared_task(
    name="compliance.tasks.confirm_payout",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=30,
    time_limit=45,
    max_retries=30,
)
def confirm_payout(payout_id: int) -> str:
    from arbitrage.pipeline.loop import execution_context
    from compliance.models import Payout
    from compliance.payouts import payout_confirm

    payout = Payout.objects.select_related("wallet__chain").get(pk=payout_id)
    payout = payout_confirm(
        payout_id=payout_id, client=execution_context(payout.wallet.chain).client
    )
    if payout.state == Payout.State.SUBMITTED:
        raise confirm_payout.retry(countdown=5)
    return str(payout.state)
