"""Decisions people (or programs) take on opportunities: approve, execute, cancel.

The chain-facing steps of a trade (simulate, sign, submit, confirm) live in
`arbitrage/services/execute.py`; this module only moves a trade into or out of the
queue, under `select_for_update` so that two decisions on one opportunity serialize.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from arbitrage.errors import ArbitrageError, ArbitrageErrorCode
from arbitrage.models import Opportunity, Trade

OPEN_STATES = (Trade.State.DETECTED, Trade.State.APPROVED)


def _locked(opportunity_id: int) -> Opportunity:
    try:
        return Opportunity.objects.select_for_update().get(pk=opportunity_id)
    except Opportunity.DoesNotExist:
        raise ArbitrageError(
            ArbitrageErrorCode.NOT_FOUND, f"opportunity {opportunity_id} does not exist"
        ) from None


@transaction.atomic
def trade_approve(*, opportunity_id: int, mode: str) -> Trade:
    """Approve an opportunity for execution: creates its trade in state `approved` (idempotent)."""
    opportunity = _locked(opportunity_id)
    trade = Trade.objects.select_for_update().filter(opportunity=opportunity).first()
    if trade is not None:
        if trade.state == Trade.State.APPROVED:
            return trade
        if trade.state != Trade.State.DETECTED:
            raise ArbitrageError(
                ArbitrageErrorCode.INVALID_STATE,
                f"trade {trade.pk} is {trade.state}; only a detected trade can be approved",
                {"state": trade.state},
            )
    elif opportunity.status != Opportunity.Status.DETECTED:
        raise ArbitrageError(
            ArbitrageErrorCode.INVALID_STATE,
            f"opportunity {opportunity.pk} is {opportunity.status}",
            {"status": opportunity.status},
        )
    else:
        trade = Trade(opportunity=opportunity, mode=mode)
    trade.state = Trade.State.APPROVED
    trade.approved_at = timezone.now()
    trade.save()
    opportunity.status = Opportunity.Status.APPROVED
    opportunity.save(update_fields=["status"])
    return trade


@transaction.atomic
def trade_cancel(*, opportunity_id: int, reason: str) -> Trade:
    """Cancel an opportunity that has not been simulated yet; its trade ends `rejected`."""
    opportunity = _locked(opportunity_id)
    trade = Trade.objects.select_for_update().filter(opportunity=opportunity).first()
    if trade is None:
        trade = Trade(opportunity=opportunity)
    elif trade.state not in OPEN_STATES:
        raise ArbitrageError(
            ArbitrageErrorCode.INVALID_STATE,
            f"trade {trade.pk} is already {trade.state}; it can no longer be cancelled",
            {"state": trade.state},
        )
    trade.state = Trade.State.REJECTED
    trade.error = f"cancelled: {reason}"[:2000]
    trade.finished_at = timezone.now()
    trade.save()
    opportunity.status = Opportunity.Status.REJECTED
    opportunity.reason = reason[:255]
    opportunity.save(update_fields=["status", "reason"])
    return trade


EXECUTE_TASK = "arbitrage.tasks.execute_trade"


@transaction.atomic
def trade_execute_request(*, opportunity_id: int, mode: str) -> Trade:
    """Approve the opportunity and queue its execution once this transaction commits."""
    from config.celery_app import app

    trade = trade_approve(opportunity_id=opportunity_id, mode=mode)
    trade_id = trade.pk
    transaction.on_commit(lambda: app.send_task(EXECUTE_TASK, args=[trade_id], queue="execute"))
    return trade
