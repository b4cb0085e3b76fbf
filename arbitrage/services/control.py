"""The kill switch and the other run-time switches of execution and scanning, and the risk
limits of execution. Each change is audited, raises the row's version (optimistic locking:
an edit made from an older version is refused) and the configuration epoch (config_bus.py)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.audit import AuditAction, audit_record, snapshot
from arbitrage.models import Chain, ExecutionControl
from arbitrage.pipeline.rules import finality_default
from arbitrage.services import config_bus

# What an operator may set through `control_update` (the chain is the row's identity).
CONTROL_FIELDS = (
    "execution_paused",
    "reason",
    "scanning_enabled",
    "max_trades_in_flight",
    "confirmations",
    "max_state_lag_blocks",
    "replace_after_blocks",
)


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


def _save(control: ExecutionControl, *fields: str) -> None:
    """A switch saved with its version raised and the configuration epoch with it."""
    control.version += 1
    control.save(update_fields=[*fields, "version", "updated_at"])
    config_bus.config_changed(what=f"control:{control.pk}")


@transaction.atomic
def execution_pause(
    *, chain: Chain, reason: str, version: int | None = None, actor: Any = None
) -> ExecutionControl:
    """Engage the kill switch: the execute step refuses to sign or send from now on."""
    control = config_bus.locked(ExecutionControl, control_for(chain=chain).pk, version)
    before = {"execution_paused": control.execution_paused, "reason": control.reason}
    control.execution_paused = True
    control.reason = reason[:255]
    _save(control, "execution_paused", "reason")
    audit_record(
        action=AuditAction.CONFIG_EXECUTION_PAUSED,
        actor=actor,
        target=control,
        before=before,
        after={"execution_paused": True, "reason": control.reason},
    )
    return control


@transaction.atomic
def execution_resume(
    *, chain: Chain, version: int | None = None, actor: Any = None
) -> ExecutionControl:
    control = config_bus.locked(ExecutionControl, control_for(chain=chain).pk, version)
    before = {"execution_paused": control.execution_paused, "reason": control.reason}
    control.execution_paused = False
    control.reason = ""
    _save(control, "execution_paused", "reason")
    audit_record(
        action=AuditAction.CONFIG_EXECUTION_RESUMED,
        actor=actor,
        target=control,
        before=before,
        after={"execution_paused": False, "reason": ""},
    )
    return control


@transaction.atomic
def scanning_set(
    *, chain: Chain, enabled: bool, version: int | None = None, actor: Any = None
) -> ExecutionControl:
    control = config_bus.locked(ExecutionControl, control_for(chain=chain).pk, version)
    before = {"scanning_enabled": control.scanning_enabled}
    control.scanning_enabled = enabled
    _save(control, "scanning_enabled")
    audit_record(
        action=AuditAction.CONFIG_SCANNING_CHANGED,
        actor=actor,
        target=control,
        before=before,
        after={"scanning_enabled": enabled},
    )
    return control


@transaction.atomic
def control_update(
    *, chain: Chain, version: int | None = None, actor: Any = None, **values: Any
) -> ExecutionControl:
    """Change some of the chain's switches and limits (`CONTROL_FIELDS`); validated, refused
    (409) when `version` is not the current one."""
    unknown = set(values) - set(CONTROL_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "not a setting of the execution control"))
    control = config_bus.locked(ExecutionControl, control_for(chain=chain).pk, version)
    before = snapshot(control)
    for name, value in values.items():
        setattr(control, name, value[:255] if name == "reason" else value)
    if values.get("execution_paused") is False and "reason" not in values:
        control.reason = ""
    control.full_clean()
    config_bus.changed_row(control, before, action=AuditAction.CONFIG_UPDATED, actor=actor)
    return control
