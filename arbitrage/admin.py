"""The admin console for the market model. On-chain facts are read-only here.

The run-time settings (chains, tokens, pools, thresholds, the execution control) are edited
from the version the page was opened at: the form carries it in a hidden field, and a save
made from an older version shows an error instead of overwriting (the check is the services'
own, config_bus.locked). Each change raises the version and the configuration epoch, so every
process reloads within two seconds; the page shows the object's audit history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from accounts.admin_audit import AuditedAdminMixin, ReadOnlyAdminMixin
from accounts.audit import AuditAction, snapshot
from accounts.models import AuditEvent
from arbitrage.errors import ArbitrageError
from arbitrage.models import (
    Chain,
    Dex,
    ExecutionControl,
    Opportunity,
    Pool,
    ReserveSnapshot,
    Threshold,
    Token,
    Trade,
)
from arbitrage.services import config_bus, market

HISTORY_ROWS = 50


class VersionedForm(forms.ModelForm[Any]):
    """A model form that carries the version it was opened at, and refuses a stale save."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        expected = cleaned.get("expected_version")
        if self.instance.pk is not None and expected is not None:
            current = (
                type(self.instance)
                ._default_manager.filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if current is not None and current != expected:
                raise ValidationError(
                    f"Changed by someone else since you opened it (version {expected}, now "
                    f"{current}): reload the page and make the change again.",
                    code="conflict",
                )
        return cleaned


class VersionedAdminMixin(AuditedAdminMixin):
    """Saves through the services' versioned change (locked at the version the form was opened
    at, the version raised, audited, the configuration epoch raised)."""

    form: type[forms.ModelForm[Any]] = VersionedForm

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            with transaction.atomic():
                super().save_model(request, obj, form, change)
                config_bus.config_changed(what=f"{obj._meta.label_lower}:{obj.pk}")
            return
        expected = form.cleaned_data.get("expected_version")
        try:
            with transaction.atomic():
                row = config_bus.locked(type(obj), obj.pk, expected)
                before = snapshot(row, self.audit_fields)
                # The form's fields onto the row as it is now (the sync may have moved the
                # reserves since the page was read: those stay as they are).
                names = {f.name for f in row._meta.concrete_fields} & set(form.cleaned_data)
                for name in names:
                    field = row._meta.get_field(name)
                    setattr(row, field.attname, getattr(obj, field.attname))
                config_bus.changed_row(
                    row,
                    before,
                    action=self.audit_updated,
                    actor=request.user,
                    fields=self.audit_fields,
                )
                obj.version = row.version
        except ArbitrageError as exc:  # saved by someone else between the form's check and now
            self.message_user(request, exc.message, messages.ERROR)  # type: ignore[attr-defined]

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            super().delete_model(request, obj)
            config_bus.config_changed(what=f"{obj._meta.label_lower}:{obj.pk}")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            config_bus.config_changed(what="bulk delete")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        return (*fields, "version", "audit_history") if obj else fields

    @admin.display(description="history (audit log)")
    def audit_history(self, obj: Model) -> str:
        events = AuditEvent.objects.filter(
            target_type=obj._meta.label_lower, target_id=str(obj.pk)
        ).order_by("-sequence")[:HISTORY_ROWS]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (e.created_at, e.action, e.actor_username or "system", e.before, e.after)
                for e in events
            ),
        )
        return format_html(
            "<table><tr><th>when</th><th>what</th><th>who</th><th>before</th><th>after</th>"
            "</tr>{}</table>",
            rows,
        )


def _each_changed(
    queryset: QuerySet[Any], field: str, value: object, update: Callable[[Any], object]
) -> int:
    """A bulk action through the versioned change, one row at a time (each row's version and
    audit row, one epoch raise per row), for the rows whose `field` is not `value` yet; how
    many changed."""
    count = 0
    with transaction.atomic():
        for row in queryset:
            if getattr(row, field) != value:
                update(row)
                count += 1
    return count


@admin.register(Chain)
class ChainAdmin(VersionedAdminMixin, admin.ModelAdmin[Chain]):
    list_display = ("chain_id", "name", "native_symbol", "block_time_ms", "active")
    list_filter = ("active",)
    search_fields = ("name", "=chain_id")


@admin.register(Token)
class TokenAdmin(VersionedAdminMixin, admin.ModelAdmin[Token]):
    list_display = (
        "symbol",
        "address",
        "chain",
        "decimals",
        "is_fee_on_transfer",
        "is_blocked",
    )
    list_filter = ("chain", "is_fee_on_transfer", "is_blocked")
    search_fields = ("symbol", "name", "address")
    list_select_related = ("chain",)
    actions = ("block_tokens", "unblock_tokens")

    def get_readonly_fields(
        self, request: HttpRequest, obj: Token | None = None
    ) -> tuple[str, ...]:
        # Address and decimals are on-chain facts: fixed once the token exists.
        return ("chain", "address", "decimals", "version", "audit_history") if obj else ()

    def _set_blocked(self, request: HttpRequest, queryset: QuerySet[Token], blocked: bool) -> int:
        return _each_changed(
            queryset,
            "is_blocked",
            blocked,
            lambda token: market.token_update(token=token, is_blocked=blocked, actor=request.user),
        )

    @admin.action(description="Block the selected tokens (never traded)")
    def block_tokens(self, request: HttpRequest, queryset: QuerySet[Token]) -> None:
        count = self._set_blocked(request, queryset, True)
        self.message_user(request, f"Blocked {count} token(s).", messages.SUCCESS)

    @admin.action(description="Unblock the selected tokens")
    def unblock_tokens(self, request: HttpRequest, queryset: QuerySet[Token]) -> None:
        count = self._set_blocked(request, queryset, False)
        self.message_user(request, f"Unblocked {count} token(s).", messages.SUCCESS)


@admin.register(Dex)
class DexAdmin(AuditedAdminMixin, admin.ModelAdmin[Dex]):
    list_display = ("name", "chain", "kind", "factory_address", "fee_ppm", "active")
    list_filter = ("chain", "kind", "active")
    search_fields = ("name", "factory_address", "router_address")
    list_select_related = ("chain",)


@admin.register(Pool)
class PoolAdmin(VersionedAdminMixin, admin.ModelAdmin[Pool]):
    list_display = (
        "address",
        "pair",
        "dex",
        "fee_ppm",
        "reserve0",
        "reserve1",
        "last_synced_block",
        "active",
    )
    list_filter = ("active", "dex", "chain")
    search_fields = (
        "address",
        "token0__symbol",
        "token1__symbol",
        "token0__address",
        "token1__address",
    )
    list_select_related = ("dex", "token0", "token1", "chain")
    autocomplete_fields = ("token0", "token1")
    actions = ("activate_pools", "deactivate_pools")

    @admin.display(description="pair")
    def pair(self, obj: Pool) -> str:
        return f"{obj.token0.symbol}/{obj.token1.symbol}"

    def get_readonly_fields(self, request: HttpRequest, obj: Pool | None = None) -> tuple[str, ...]:
        on_chain = ("reserve0", "reserve1", "last_synced_block", "created_block")
        if obj:
            return (
                "chain",
                "dex",
                "address",
                "token0",
                "token1",
                *on_chain,
                "version",
                "audit_history",
            )
        return on_chain

    def _set_active(self, request: HttpRequest, queryset: QuerySet[Pool], active: bool) -> int:
        """Each pool through the versioned change: its version and the epoch raised, so every
        warm engine (the fast lane's included) takes a re-activated pool back within 2 s."""
        return _each_changed(
            queryset,
            "active",
            active,
            lambda pool: market.pool_update(pool=pool, active=active, actor=request.user),
        )

    @admin.action(description="Activate the selected pools")
    def activate_pools(self, request: HttpRequest, queryset: QuerySet[Pool]) -> None:
        count = self._set_active(request, queryset, True)
        self.message_user(request, f"Activated {count} pool(s).", messages.SUCCESS)

    @admin.action(description="Deactivate the selected pools")
    def deactivate_pools(self, request: HttpRequest, queryset: QuerySet[Pool]) -> None:
        count = self._set_active(request, queryset, False)
        self.message_user(request, f"Deactivated {count} pool(s).", messages.SUCCESS)


@admin.register(ReserveSnapshot)
class ReserveSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[ReserveSnapshot]):
    list_display = ("pool", "block_number", "reserve0", "reserve1", "timestamp")
    search_fields = ("pool__address", "=block_number")
    list_select_related = ("pool__token0", "pool__token1")
    raw_id_fields = ("pool",)


@admin.register(Threshold)
class ThresholdAdmin(VersionedAdminMixin, admin.ModelAdmin[Threshold]):
    audit_created = AuditAction.CONFIG_CREATED
    audit_updated = AuditAction.CONFIG_UPDATED
    audit_deleted = AuditAction.CONFIG_DELETED
    list_display = (
        "chain",
        "start_token",
        "min_net_profit",
        "min_profit_bps",
        "max_input",
        "max_hops",
        "max_gas_price_wei",
        "enabled",
    )
    list_filter = ("chain", "enabled")
    list_select_related = ("chain", "start_token")
    autocomplete_fields = ("start_token",)


@admin.register(Opportunity)
class OpportunityAdmin(AuditedAdminMixin, admin.ModelAdmin[Opportunity]):
    audit_created = AuditAction.EXECUTION_UPDATED
    audit_updated = AuditAction.EXECUTION_UPDATED
    audit_deleted = AuditAction.EXECUTION_UPDATED
    list_display = (
        "id",
        "cycle_key",
        "start_token",
        "amount_in",
        "gross_profit",
        "net_profit",
        "block_number",
        "status",
        "detected_at",
    )
    list_filter = ("status", "chain")
    search_fields = ("cycle_key", "start_token__symbol", "=block_number")
    list_select_related = ("start_token",)
    date_hierarchy = "detected_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_readonly_fields(
        self, request: HttpRequest, obj: Opportunity | None = None
    ) -> tuple[str, ...]:
        return tuple(f.name for f in Opportunity._meta.fields if f.name not in ("status", "reason"))


@admin.register(Trade)
class TradeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Trade]):
    """A trade changes only through the execution state machine, and is never deleted: it is
    the record of what the chain paid."""

    list_display = (
        "id",
        "opportunity",
        "state",
        "mode",
        "nonce",
        "tx_hash",
        "gas_used",
        "realized_profit",
        "created_at",
    )
    list_filter = ("state", "mode")
    search_fields = ("tx_hash", "account")
    list_select_related = ("opportunity",)


@admin.register(ExecutionControl)
class ExecutionControlAdmin(VersionedAdminMixin, admin.ModelAdmin[ExecutionControl]):
    audit_created = AuditAction.CONFIG_CREATED
    audit_updated = AuditAction.CONFIG_UPDATED
    audit_deleted = AuditAction.CONFIG_DELETED
    list_display = (
        "chain",
        "execution_paused",
        "scanning_enabled",
        "max_trades_in_flight",
        "confirmations",
        "updated_at",
    )
    list_filter = ("execution_paused", "scanning_enabled")
