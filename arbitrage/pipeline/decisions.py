"""Decisions people (or programs) take on opportunities: approve, execute, cancel.

The chain-facing steps of a trade (simulate, sign, submit, confirm) live in
`arbitrage/pipeline/execute.py`; this module only moves a trade into or out of the
queue, under `select_for_update` so that two decisions on one opportunity serialize.

Lock order: the trade's row, then its opportunity's, as the execute steps take them (they lock
the trade and then update the opportunity when they finish it). A decision that locked the
opportunity first could deadlock with an execution finishing the same trade.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.audit import AuditAction, audit_record
from arbitrage.errors import ArbitrageError, ArbitrageErrorCode
from arbitrage.models import Opportunity, Trade
from arbitrage.pipeline.rules import approved, decision_after, decision_before
from core import handoff

OPEN_STATES = (Trade.State.DETECTED, Trade.State.APPROVED)


def _locked(opportunity_id: int) -> tuple[Opportunity, Trade | None]:
    """The opportunity and its trade (when it has one), both rows locked, the trade's first."""
    trade = Trade.objects.select_for_update().filter(opportunity_id=opportunity_id).first()
    try:
        opportunity = Opportunity.objects.select_for_update().get(pk=opportunity_id)
    except Opportunity.DoesNotExist:
        raise ArbitrageError(
            ArbitrageErrorCode.NOT_FOUND, f"opportunity {opportunity_id} does not exist"
        ) from None
    if trade is None:  # one may have been made meanwhile, by a decision holding the opportunity
        trade = Trade.objects.select_for_update().filter(opportunity=opportunity).first()
    return opportunity, trade


def _audit(action: AuditAction, trade: Trade, before: dict[str, Any], actor: Any) -> None:
    audit_record(
        action=action, actor=actor, target=trade, before=before, after=decision_after(trade)
    )


@transaction.atomic
def trade_approve(*, opportunity_id: int, mode: str, actor: Any = None) -> Trade:
    """Approve an opportunity for execution: creates its trade in state `approved` (idempotent)."""
    opportunity, trade = _locked(opportunity_id)
    before = decision_before(opportunity, trade)
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
    approved(trade, opportunity)
    trade.save()
    opportunity.save(update_fields=["status"])
    _audit(AuditAction.EXECUTION_TRADE_APPROVED, trade, before, actor)
    return trade


@transaction.atomic
def trade_cancel(*, opportunity_id: int, reason: str, actor: Any = None) -> Trade:
    """Cancel an opportunity that has not been simulated yet; its trade ends `rejected`."""
    opportunity, trade = _locked(opportunity_id)
    before = decision_before(opportunity, trade)
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
    _audit(AuditAction.EXECUTION_TRADE_CANCELLED, trade, before, actor)
    return trade


EXECUTE_TASK = "arbitrage.tasks.execute_trade"


def trade_execute_request(*, opportunity_id: int, mode: str, actor: Any = None) -> Trade:
    """Approve the opportunity and queue its execution once the approval has committed.

    The queueing is the bounded hand-off (core/handoff.py). When the broker does not take the
    task in time, the trade stays approved, an audit row (execution.trade_queue_failed) says it
    was not queued, and `HandoffError` is raised (the API answers 503 with Retry-After): the
    reconciler's approved pass executes it (or expires it) once it has waited
    ARBX_RECONCILE_GRACE_SECONDS, and asking again queues it again (the approval is
    idempotent)."""
    with transaction.atomic():
        trade = trade_approve(opportunity_id=opportunity_id, mode=mode, actor=actor)
        audit_record(
            action=AuditAction.EXECUTION_TRADE_EXECUTE_REQUESTED,
            actor=actor,
            target=trade,
            after=_request_after(trade),
        )
    transaction.on_commit(lambda: _queue_execution(trade, actor))
    return trade


def _request_after(trade: Trade, **more: object) -> dict[str, Any]:
    return {"opportunity": trade.opportunity_id, "state": trade.state, "mode": trade.mode, **more}


def _queue_execution(trade: Trade, actor: Any) -> None:
    try:
        handoff.publish(EXECUTE_TASK, [trade.pk], queue="execute")
    except handoff.HandoffError as exc:
        audit_record(
            action=AuditAction.EXECUTION_TRADE_QUEUE_FAILED,
            actor=actor,
            target=trade,
            after=_request_after(trade, queued=False, reason=str(exc)),
        )
        raise
