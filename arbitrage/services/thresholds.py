"""Writes to the strategy thresholds; each is audited in the same transaction, raises the
threshold's version (an edit made from an older version is refused: optimistic locking) and
the configuration epoch (every process reloads within two seconds: config_bus.py)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.audit import AuditAction, audit_record, snapshot
from arbitrage.models import Chain, Threshold, Token
from arbitrage.services import config_bus
from core.fields import to_exact_int

AMOUNT_FIELDS = ("min_net_profit", "max_input", "max_gas_price_wei", "max_daily_loss")


def _amount(field: str, value: object) -> int:
    try:
        number = to_exact_int(value)
    except ValueError as exc:
        raise ValidationError({field: str(exc)}) from exc
    if number < 0:
        raise ValidationError({field: "must not be negative"})
    return number


def _save(threshold: Threshold) -> None:
    threshold.full_clean()
    try:
        with transaction.atomic():
            threshold.save()
    except IntegrityError as exc:
        # Two writers raced past full_clean's uniqueness check; the constraint decided.
        raise ValidationError(
            {"start_token": "a threshold for this chain and start token already exists"}
        ) from exc


@transaction.atomic
def threshold_create(
    *,
    chain: Chain,
    start_token: Token | None = None,
    min_net_profit: object = 0,
    min_profit_bps: int = 0,
    max_input: object = 0,
    max_hops: int = 3,
    max_gas_price_wei: object = 0,
    max_daily_loss: object = 0,
    enabled: bool = True,
    actor: Any = None,
) -> Threshold:
    threshold = Threshold(
        chain=chain,
        start_token=start_token,
        min_net_profit=_amount("min_net_profit", min_net_profit),
        min_profit_bps=min_profit_bps,
        max_input=_amount("max_input", max_input),
        max_hops=max_hops,
        max_gas_price_wei=_amount("max_gas_price_wei", max_gas_price_wei),
        max_daily_loss=_amount("max_daily_loss", max_daily_loss),
        enabled=enabled,
    )
    _save(threshold)
    audit_record(
        action=AuditAction.CONFIG_CREATED, actor=actor, target=threshold, after=snapshot(threshold)
    )
    config_bus.config_changed(what=f"threshold:{threshold.pk}")
    return threshold


@transaction.atomic
def threshold_update(
    *,
    threshold: Threshold,
    min_net_profit: object = None,
    min_profit_bps: int | None = None,
    max_input: object = None,
    max_hops: int | None = None,
    max_gas_price_wei: object = None,
    max_daily_loss: object = None,
    enabled: bool | None = None,
    version: int | None = None,
    actor: Any = None,
) -> Threshold:
    """Change some settings of a threshold (``None`` leaves a setting as it is). `version` is
    the version the caller read: refused (409) when the threshold changed since."""
    threshold = config_bus.locked(Threshold, threshold.pk, version)
    before = snapshot(threshold)
    amounts = {
        "min_net_profit": min_net_profit,
        "max_input": max_input,
        "max_gas_price_wei": max_gas_price_wei,
        "max_daily_loss": max_daily_loss,
    }
    for name, value in amounts.items():
        if value is not None:
            setattr(threshold, name, _amount(name, value))
    for name, plain in (
        ("min_profit_bps", min_profit_bps),
        ("max_hops", max_hops),
        ("enabled", enabled),
    ):
        if plain is not None:
            setattr(threshold, name, plain)
    threshold.full_clean()
    config_bus.changed_row(threshold, before, action=AuditAction.CONFIG_UPDATED, actor=actor)
    return threshold


@transaction.atomic
def threshold_delete(
    *, threshold: Threshold, version: int | None = None, actor: Any = None
) -> None:
    threshold = config_bus.locked(Threshold, threshold.pk, version)
    audit_record(
        action=AuditAction.CONFIG_DELETED, actor=actor, target=threshold, before=snapshot(threshold)
    )
    config_bus.config_changed(what=f"threshold:{threshold.pk}")
    threshold.delete()
