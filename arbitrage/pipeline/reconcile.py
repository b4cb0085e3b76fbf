"""The reconciler: every trade in flight compared with the chain, and the database repaired.

A crash, a lost task or an outage can leave the rows behind the chain. A beat task
(`arbitrage.tasks.reconcile_chain`, on the execute queue, whose worker holds the signer) runs
this pass; each repair goes through the state machine's own steps (`execute.py`) and leaves its
audit rows:

- a trade approved but never executed (its task lost: a killed worker, a broker down when it was
  queued, an approval recorded while the queue was unreachable) is executed now, which
  simulates it at the head, or expired when its opportunity is older than the state-lag limit;
- a trade signed but never sent is sent (the same bytes: never a second transaction);
- a trade sent whose nonce the chain has used for a transaction of none of its hashes is
  dropped, and a nonce taken by a transaction the database does not know is recorded;
- a nonce gap (a nonce handed out, then left unsent, below a nonce in flight: the later
  transactions could never be mined) is filled by a cancellation (an empty self-transfer);
- then every trade sent is checked as the confirm step checks it (confirmed, replaced, dropped).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.audit import AuditAction, audit_record
from accounts.models import AuditEvent
from arbitrage.chain.client import ChainRpcError
from arbitrage.models import Chain, Trade
from arbitrage.pipeline.execute import (
    ExecutionContext,
    fees_now,
    locked_in,
    trade_confirm,
    trade_execute,
    trade_finish,
    trades_recover,
)
from arbitrage.pipeline.nonces import nonce_lock
from arbitrage.pipeline.rules import CANCEL_GAS, stale_refusal, transaction_fields
from arbitrage.services.control import control_for

logger = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    """What one pass found and did (trade ids, nonces)."""

    executed: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    resent: int = 0
    dropped: list[int] = field(default_factory=list)
    unknown_nonces: list[int] = field(default_factory=list)
    gaps_filled: list[int] = field(default_factory=list)
    checked: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "executed": self.executed,
            "expired": self.expired,
            "resent": self.resent,
            "dropped": self.dropped,
            "unknown_nonces": self.unknown_nonces,
            "gaps_filled": self.gaps_filled,
            "checked": self.checked,
            "errors": self.errors,
        }


def reconcile(
    chain: Chain, ctx: ExecutionContext | None = None, *, grace_seconds: float | None = None
) -> ReconcileReport:
    """One pass over the chain's trades; `grace_seconds` is how long an approved trade may wait
    for its task before the reconciler takes it (ARBX_RECONCILE_GRACE_SECONDS)."""
    if ctx is None:
        from arbitrage.pipeline.loop import execution_context

        ctx = execution_context(chain)
    if grace_seconds is None:
        grace_seconds = settings.ARBX_RECONCILE_GRACE_SECONDS
    report = ReconcileReport()
    steps: tuple[Callable[[], None], ...] = (
        partial(_approved, chain, ctx, grace_seconds, report),
        partial(_signed, chain, ctx, report),
        partial(_nonces, chain, ctx, report),
        partial(_submitted, chain, ctx, report),
    )
    for step in steps:
        try:
            step()
        except ChainRpcError as exc:
            # The node is unreachable: the rest waits for the next pass.
            report.errors.append(exc.message)
            logger.warning("reconcile chain %s: %s", chain.chain_id, exc.message)
            break
    if any((report.executed, report.expired, report.dropped, report.gaps_filled)):
        logger.info("reconcile chain %s: %s", chain.chain_id, report.as_dict())
    return report


def _approved(
    chain: Chain, ctx: ExecutionContext, grace_seconds: float, report: ReconcileReport
) -> None:
    """Approved trades whose task is overdue: executed at the head, or expired."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    overdue = list(
        Trade.objects.filter(
            opportunity__chain=chain, state=Trade.State.APPROVED, approved_at__lte=cutoff
        ).values_list("pk", "opportunity__block_number")
    )
    if not overdue:
        return
    head = ctx.client.block_number()
    max_lag = control_for(chain=chain).max_state_lag_blocks
    for trade_id, found_at in overdue:
        refusal = stale_refusal(found_at=found_at, head=head, max_lag=max_lag)
        if refusal is None:
            done = trade_execute(trade_id=trade_id, ctx=ctx)
            if done.state != Trade.State.APPROVED:
                report.executed.append(trade_id)
            continue
        with transaction.atomic():
            trade = locked_in(trade_id, Trade.State.APPROVED)
            if trade is None:
                continue  # its task ran meanwhile
            trade_finish(trade, Trade.State.DROPPED, f"expired: never executed; {refusal}")
            report.expired.append(trade_id)


def _signed(chain: Chain, ctx: ExecutionContext, report: ReconcileReport) -> None:
    report.resent += trades_recover(chain=chain, ctx=ctx)


def _nonces(chain: Chain, ctx: ExecutionContext, report: ReconcileReport) -> None:
    """The account's nonces against the chain, under the nonce manager's lock (no nonce is
    handed out meanwhile)."""
    signer = ctx.signer
    if ctx.mode != Trade.Mode.LIVE or signer is None:
        return
    with transaction.atomic():
        nonce_lock(chain=chain, address=signer.address)
        mined_count = ctx.client.transaction_count(signer.address, "latest")
        ours = Trade.objects.filter(
            opportunity__chain=chain, account=signer.address, nonce__isnull=False
        )
        known: set[int] = {int(n) for n in ours.values_list("nonce", flat=True) if n is not None}
        in_flight: dict[int, int] = {
            int(nonce): trade_id
            for trade_id, nonce in ours.filter(
                state__in=(Trade.State.SIGNED, Trade.State.SUBMITTED)
            ).values_list("pk", "nonce")
            if nonce is not None
        }
        # Sent, never mined, and its nonce used on chain by none of its transactions.
        for nonce, trade_id in sorted(in_flight.items()):
            if nonce >= mined_count:
                continue
            trade = locked_in(trade_id, Trade.State.SUBMITTED)
            if trade is None or any(ctx.client.receipt(h) for h in trade.tx_hashes if h):
                continue  # mined: the confirm step books it
            trade_finish(
                trade,
                Trade.State.DROPPED,
                f"nonce {nonce} was used on chain by a transaction the trade did not send",
            )
            report.dropped.append(trade_id)
            # The transaction that took it is none of the trade's: recorded (once) as the
            # nonces no row of ours holds are, below.
            if _nonce_note(
                chain,
                signer.address,
                nonce,
                "used by a transaction the database does not know",
                trade=trade_id,
            ):
                report.unknown_nonces.append(nonce)
        # Nonces the chain has used that no row of ours holds (from our first one on: what
        # the account sent before the product took it over is not ours to explain).
        others = _other_nonces(chain, signer.address)
        known |= others
        first = min(known, default=None)
        if first is not None:
            for nonce in range(first, mined_count):
                if nonce not in known and _nonce_note(
                    chain, signer.address, nonce, "used by a transaction the database does not know"
                ):
                    report.unknown_nonces.append(nonce)
        # A gap below a nonce in flight: fill it, or the trades above it are never mined.
        pending_above = [n for n in in_flight if n >= mined_count]
        if not pending_above:
            return
        held = set(in_flight) | others  # a payout's, or a cancellation already sent
        gaps = [n for n in range(mined_count, max(pending_above)) if n not in held]
        for nonce in gaps:
            _cancel_nonce(chain, ctx, nonce, report)


def _cancel_nonce(chain: Chain, ctx: ExecutionContext, nonce: int, report: ReconcileReport) -> None:
    """Send an empty self-transfer with `nonce` (the fee the confirm step would pay now)."""
    signer = ctx.signer
    assert signer is not None
    max_fee, tip = fees_now(ctx)
    tx = signer.sign(
        transaction_fields(
            chain_id=chain.chain_id,
            nonce=nonce,
            to=signer.address,
            data="0x",
            gas=CANCEL_GAS,
            max_fee=max_fee,
            tip=tip,
        )
    )
    try:
        ctx.client.send_raw_transaction(tx.raw)
    except ChainRpcError as exc:
        # Taken meanwhile by a transaction of the node's pool we do not know: recorded, and the
        # next pass looks again.
        report.errors.append(f"nonce {nonce}: {exc.message}")
        return
    _nonce_note(chain, signer.address, nonce, "gap filled by a cancellation", tx_hash=tx.hash)
    report.gaps_filled.append(nonce)
    logger.warning("account %s: nonce gap %s filled by a cancellation", signer.address, nonce)


def _nonce_label(chain: Chain, account: str, nonce: int) -> str:
    return f"nonce {nonce} of {account} on chain {chain.chain_id}"


def _other_nonces(chain: Chain, account: str) -> set[int]:
    """Nonces the account used outside trades: payouts, and the reconciler's own repairs."""
    from compliance.models import Payout

    used = set(
        Payout.objects.filter(account=account, nonce__isnull=False).values_list("nonce", flat=True)
    )
    prefix = f" of {account} on chain {chain.chain_id}"
    for after in AuditEvent.objects.filter(
        action=AuditAction.EXECUTION_RECONCILED, target_repr__endswith=prefix
    ).values_list("after", flat=True):
        if after:
            used.add(int(after["nonce"]))
    return {n for n in used if n is not None}


def _nonce_note(chain: Chain, account: str, nonce: int, what: str, **extra: object) -> bool:
    """Record (once) what the reconciler found or did about a nonce; whether it is new."""
    label = _nonce_label(chain, account, nonce)
    if AuditEvent.objects.filter(
        action=AuditAction.EXECUTION_RECONCILED, target_repr=label
    ).exists():
        return False
    audit_record(
        action=AuditAction.EXECUTION_RECONCILED,
        target_label=label,
        after={"chain": chain.chain_id, "account": account, "nonce": nonce, "found": what, **extra},
    )
    return True


def _submitted(chain: Chain, ctx: ExecutionContext, report: ReconcileReport) -> None:
    for trade_id in Trade.objects.filter(
        opportunity__chain=chain, state=Trade.State.SUBMITTED
    ).values_list("pk", flat=True):
        trade_confirm(trade_id=trade_id, ctx=ctx)
        report.checked += 1
