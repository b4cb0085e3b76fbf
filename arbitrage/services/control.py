"""The kill switch and the other run-time switches of execution and scanning."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.audit import AuditAction, audit_record
from arbitrage.models import Chain, ExecutionControl
from arbitrage.pipeline.rules import finality_default


def control_for(*, chain: Chain) -> ExecutionControl:
    """The chain's switches, made on first use with the chain's finality depth."""
    control, _ = ExecutionControl.objects.get_or_create(
        chain=chain, defaults={"confirmations": finality_default(chain.chain_id)}
    )
    return control


def kill_switch_engaged(chain: Chain) -> bool:
    """The kill switch alone, in the smallest read (the execute step reads it again right
    before signing)."""
    return ExecutionControl.objects.filter(chain=chain, execution_paused=True).exists()


@transaction.atomic
def execution_pause(*, chain: Chain, reason: str, actor: Any = None) -> ExecutionControl:
    """Engage the kill switch: the execute step refuses to sign or send from now on."""
    control = ExecutionControl.objects.select_for_update().get(pk=control_for(chain=chain).pk)
    before = {"execution_paused": control.execution_paused, "reason": control.reason}
    control.execution_paused = True
    control.reason = reason[:255]
    control.save(update_fields=["execution_paused", "reason", "updated_at"])
    audit_record(
        action=AuditAction.CONFIG_EXECUTION_PAUSED,
        actor=actor,
        target=control,
        before=before,
        after={"execution_paused": True, "reason": control.reason},
    )
    return control


@transaction.atomic
def execution_resume(*, chain: Chain, actor: Any = None) -> ExecutionControl:
    control = ExecutionControl.objects.select_for_update().get(pk=control_for(chain=chain).pk)
    before = {"execution_paused": control.execution_paused, "reason": control.reason}
    control.execution_paused = False
    control.reason = ""
    control.save(update_fields=["execution_paused", "reason", "updated_at"])
    audit_record(
        action=AuditAction.CONFIG_EXECUTION_RESUMED,
        actor=actor,
        target=control,
        before=before,
        after={"execution_paused": False, "reason": ""},
    )
    return control


@transaction.atomic
def scanning_set(*, chain: Chain, enabled: bool, actor: Any = None) -> ExecutionControl:
    control = ExecutionControl.objects.select_for_update().get(pk=control_for(chain=chain).pk)
    before = {"scanning_enabled": control.scanning_enabled}
    control.scanning_enabled = enabled
    control.save(update_fields=["scanning_enabled", "updated_at"])
    audit_record(
        action=AuditAction.CONFIG_SCANNING_CHANGED,
        actor=actor,
        target=control,
        before=before,
        after={"scanning_enabled": enabled},
    )
    return control
