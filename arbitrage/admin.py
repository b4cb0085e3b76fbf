"""The admin console for the market model. On-chain facts are read-only here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin_audit import AuditedAdminMixin, ReadOnlyAdminMixin
from accounts.audit import AuditAction
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


@admin.register(Chain)
class ChainAdmin(AuditedAdminMixin, admin.ModelAdmin[Chain]):
    list_display = ("chain_id", "name", "native_symbol", "block_time_ms", "active")
    list_filter = ("active",)
    search_fields = ("name", "=chain_id")


@admin.register(Token)
class TokenAdmin(AuditedAdminMixin, admin.ModelAdmin[Token]):
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
        return ("chain", "address", "decimals") if obj else ()

    @admin.action(description="Block the selected tokens (never traded)")
    def block_tokens(self, request: HttpRequest, queryset: QuerySet[Token]) -> None:
        count = self.audited_update(request, queryset, is_blocked=True)
        self.message_user(request, f"Blocked {count} token(s).", messages.SUCCESS)

    @admin.action(description="Unblock the selected tokens")
    def unblock_tokens(self, request: HttpRequest, queryset: QuerySet[Token]) -> None:
        count = self.audited_update(request, queryset, is_blocked=False)
        self.message_user(request, f"Unblocked {count} token(s).", messages.SUCCESS)


@admin.register(Dex)
class DexAdmin(AuditedAdminMixin, admin.ModelAdmin[Dex]):
    list_display = ("name", "chain", "kind", "factory_address", "fee_ppm", "active")
    list_filter = ("chain", "kind", "active")
    search_fields = ("name", "factory_address", "router_address")
    list_select_related = ("chain",)


@admin.register(Pool)
class PoolAdmin(AuditedAdminMixin, admin.ModelAdmin[Pool]):
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
            return ("chain", "dex", "address", "token0", "token1", *on_chain)
        return on_chain

    @admin.action(description="Activate the selected pools")
    def activate_pools(self, request: HttpRequest, queryset: QuerySet[Pool]) -> None:
        count = self.audited_update(request, queryset, active=True)
        self.message_user(request, f"Activated {count} pool(s).", messages.SUCCESS)

    @admin.action(description="Deactivate the selected pools")
    def deactivate_pools(self, request: HttpRequest, queryset: QuerySet[Pool]) -> None:
        count = self.audited_update(request, queryset, active=False)
        self.message_user(request, f"Deactivated {count} pool(s).", messages.SUCCESS)


@admin.register(ReserveSnapshot)
class ReserveSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[ReserveSnapshot]):
    list_display = ("pool", "block_number", "reserve0", "reserve1", "timestamp")
    search_fields = ("pool__address", "=block_number")
    list_select_related = ("pool__token0", "pool__token1")
    raw_id_fields = ("pool",)


@admin.register(Threshold)
class ThresholdAdmin(AuditedAdminMixin, admin.ModelAdmin[Threshold]):
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
class ExecutionControlAdmin(AuditedAdminMixin, admin.ModelAdmin[ExecutionControl]):
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
