"""The kill switch and the other run-time switches of execution and scanning."""

from __future__ import annotations

from django.db import transaction

from arbitrage.models import Chain, ExecutionControl


def control_for(*, chain: Chain) -> ExecutionControl:
    control, _ = ExecutionControl.objects.get_or_create(chain=chain)
    return control


@transaction.atomic
def execution_pause(*, chain: Chain, reason: str) -> ExecutionControl:
    """Engage the kill switch: the execute step refuses to sign or send from now on."""
    control = ExecutionControl.objects.select_for_update().get(pk=control_for(chain=chain).pk)
    control.execution_paused = True
    control.reason = reason[:255]
    control.save(update_fields=["execution_paused", "reason", "updated_at"])
    return control


@transaction.atomic
def execution_resume(*, chain: Chain) -> ExecutionControl:
    control = ExecutionControl.objects.select_for_update().get(pk=control_for(chain=chain).pk)
    control.execution_paused = False
    control.reason = ""
    control.save(update_fields=["execution_paused", "reason", "updated_at"])
    return control


@transaction.atomic
def scanning_set(*, chain: Chain, enabled: bool) -> ExecutionControl:
    control = ExecutionControl.objects.select_for_update().get(pk=control_for(chain=chain).pk)
    control.scanning_enabled = enabled
    control.save(update_fields=["scanning_enabled", "updated_at"])
    return control
