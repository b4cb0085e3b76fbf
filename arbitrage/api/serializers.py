"""Shapes of the arbitrage API. Amounts are decimal strings both ways (``core.api.fields``)."""

from __future__ import annotations

from typing import Any

from django_celery_beat.models import PeriodicTask
from rest_framework import serializers

from arbitrage.models import (
    FEE_DENOMINATOR_PPM,
    Chain,
    Dex,
    ExecutionControl,
    Opportunity,
    Pool,
    Threshold,
    Token,
    Trade,
)
from core.addresses import ADDRESS_LENGTH
from core.api.fields import AmountField

MAX_BIGINT = 2**63 - 1
MAX_INT = 2**31 - 1


# --- Market: read ------------------------------------------------------------------------


class ChainSerializer(serializers.ModelSerializer[Chain]):
    class Meta:
        model = Chain
        fields = (
            "id",
            "chain_id",
            "name",
            "native_symbol",
            "block_time_ms",
            "active",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class TokenSerializer(serializers.ModelSerializer[Token]):
    class Meta:
        model = Token
        fields = (
            "id",
            "chain",
            "address",
            "symbol",
            "name",
            "decimals",
            "is_fee_on_transfer",
            "is_blocked",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class DexSerializer(serializers.ModelSerializer[Dex]):
    class Meta:
        model = Dex
        fields = (
            "id",
            "chain",
            "name",
            "kind",
            "factory_address",
            "router_address",
            "fee_ppm",
            "active",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class PoolSerializer(serializers.ModelSerializer[Pool]):
    reserve0 = AmountField(read_only=True)
    reserve1 = AmountField(read_only=True)

    class Meta:
        model = Pool
        fields = (
            "id",
            "chain",
            "dex",
            "address",
            "token0",
            "token1",
            "fee_ppm",
            "reserve0",
            "reserve1",
            "last_synced_block",
            "created_block",
            "active",
            "inactive_reason",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


# --- Market: admin writes (create, or update by the natural key) ---------------------------


class ChainWriteSerializer(serializers.Serializer[Any]):
    chain_id = serializers.IntegerField(min_value=1, max_value=MAX_BIGINT)
    name = serializers.CharField(max_length=64)
    rpc_urls = serializers.ListField(
        child=serializers.CharField(max_length=500), max_length=20, required=False, default=list
    )
    native_symbol = serializers.CharField(max_length=16, required=False, default="ETH")
    block_time_ms = serializers.IntegerField(
        min_value=1, max_value=MAX_INT, required=False, default=12_000
    )


class TokenWriteSerializer(serializers.Serializer[Any]):
    chain = serializers.PrimaryKeyRelatedField(queryset=Chain.objects.all())
    address = serializers.CharField(max_length=ADDRESS_LENGTH)
    symbol = serializers.CharField(max_length=64, allow_blank=True)
    decimals = serializers.IntegerField(min_value=0, max_value=255)
    name = serializers.CharField(max_length=128, required=False, default="", allow_blank=True)
    is_fee_on_transfer = serializers.BooleanField(required=False, default=False)


class DexWriteSerializer(serializers.Serializer[Any]):
    chain = serializers.PrimaryKeyRelatedField(queryset=Chain.objects.all())
    name = serializers.CharField(max_length=64)
    factory_address = serializers.CharField(max_length=ADDRESS_LENGTH)
    router_address = serializers.CharField(
        max_length=ADDRESS_LENGTH, required=False, default="", allow_blank=True
    )
    fee_ppm = serializers.IntegerField(
        min_value=0, max_value=FEE_DENOMINATOR_PPM - 1, required=False, default=3000
    )
    kind = serializers.ChoiceField(
        choices=Dex.Kind.choices, required=False, default=Dex.Kind.UNISWAP_V2
    )


class PoolWriteSerializer(serializers.Serializer[Any]):
    dex = serializers.PrimaryKeyRelatedField(queryset=Dex.objects.all())
    address = serializers.CharField(max_length=ADDRESS_LENGTH)
    token0 = serializers.PrimaryKeyRelatedField(queryset=Token.objects.all())
    token1 = serializers.PrimaryKeyRelatedField(queryset=Token.objects.all())
    fee_ppm = serializers.IntegerField(
        min_value=0, max_value=FEE_DENOMINATOR_PPM - 1, required=False, allow_null=True
    )


# --- Run-time settings: versioned edits (optimistic locking) -------------------------------

VERSION_HELP = (
    "The version the change was made from (as read, or as the ETag gave it; an If-Match header"
    " does the same): a change from an older version is refused with 409."
)


def version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1, max_value=MAX_BIGINT, required=False, help_text=VERSION_HELP
    )


class ChainSettingsSerializer(serializers.Serializer[Any]):
    """A chain's run-time settings; every one optional (PATCH changes only those given)."""

    rpc_urls = serializers.ListField(
        child=serializers.CharField(max_length=500),
        max_length=20,
        required=False,
        help_text="RPC endpoints in order of preference (http(s):// or ws(s)://).",
    )
    active = serializers.BooleanField(required=False)
    block_time_ms = serializers.IntegerField(min_value=1, max_value=MAX_INT, required=False)
    version = version_field()


class TokenSettingsSerializer(serializers.Serializer[Any]):
    is_blocked = serializers.BooleanField(required=False, help_text="Never traded.")
    is_fee_on_transfer = serializers.BooleanField(required=False)
    version = version_field()


class PoolSettingsSerializer(serializers.Serializer[Any]):
    active = serializers.BooleanField(required=False)
    inactive_reason = serializers.CharField(max_length=255, required=False, allow_blank=True)
    fee_ppm = serializers.IntegerField(
        min_value=0, max_value=FEE_DENOMINATOR_PPM - 1, required=False
    )
    version = version_field()


class ControlSettingsSerializer(serializers.Serializer[Any]):
    """The kill switch, scanning and the in-flight, finality and staleness limits."""

    execution_paused = serializers.BooleanField(required=False)
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True)
    scanning_enabled = serializers.BooleanField(required=False)
    max_trades_in_flight = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    confirmations = serializers.IntegerField(min_value=1, max_value=32767, required=False)
    max_state_lag_blocks = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    replace_after_blocks = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    version = version_field()


class ScheduleSerializer(serializers.ModelSerializer[PeriodicTask]):
    """A periodic task of Celery beat (its version is its last change, in microseconds)."""

    every_seconds = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField()

    class Meta:
        model = PeriodicTask
        fields = (
            "id",
            "name",
            "task",
            "queue",
            "enabled",
            "every_seconds",
            "last_run_at",
            "total_run_count",
            "version",
            "date_changed",
        )
        read_only_fields = fields

    def get_every_seconds(self, task: PeriodicTask) -> int | None:
        from arbitrage.services.schedules import schedule_state

        every: int | None = schedule_state(task)["every_seconds"]
        return every

    def get_version(self, task: PeriodicTask) -> int:
        from arbitrage.services.schedules import schedule_version

        return schedule_version(task)


class ScheduleSettingsSerializer(serializers.Serializer[Any]):
    every_seconds = serializers.IntegerField(min_value=1, max_value=86_400, required=False)
    enabled = serializers.BooleanField(required=False)
    version = serializers.IntegerField(
        min_value=0, max_value=MAX_BIGINT, required=False, help_text=VERSION_HELP
    )


# --- Thresholds --------------------------------------------------------------------------


class ThresholdSerializer(serializers.ModelSerializer[Threshold]):
    min_net_profit = AmountField(read_only=True)
    max_input = AmountField(read_only=True)
    max_gas_price_wei = AmountField(read_only=True)
    max_daily_loss = AmountField(read_only=True)

    class Meta:
        model = Threshold
        fields = (
            "id",
            "chain",
            "start_token",
            "min_net_profit",
            "min_profit_bps",
            "max_input",
            "max_hops",
            "max_gas_price_wei",
            "max_daily_loss",
            "enabled",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class ThresholdSettingsSerializer(serializers.Serializer[Any]):
    """The settings a threshold holds; every one optional (PATCH changes only those given)."""

    min_net_profit = AmountField(required=False, help_text="Start token base units.")
    min_profit_bps = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    max_input = AmountField(required=False, help_text="0 means no limit.")
    max_hops = serializers.IntegerField(min_value=2, max_value=4, required=False)
    max_gas_price_wei = AmountField(required=False, help_text="0 means no limit.")
    max_daily_loss = AmountField(required=False, help_text="0 means none allowed.")
    enabled = serializers.BooleanField(required=False)
    version = version_field()


class ThresholdCreateSerializer(ThresholdSettingsSerializer):
    version = None  # type: ignore[assignment]  # a new threshold has no version to match
    chain = serializers.PrimaryKeyRelatedField(queryset=Chain.objects.all())
    start_token = serializers.PrimaryKeyRelatedField(
        queryset=Token.objects.all(), required=False, allow_null=True, default=None
    )


# --- Kill switch -------------------------------------------------------------------------


class ExecutionControlSerializer(serializers.ModelSerializer[ExecutionControl]):
    class Meta:
        model = ExecutionControl
        fields = (
            "chain",
            "execution_paused",
            "scanning_enabled",
            "max_trades_in_flight",
            "confirmations",
            "max_state_lag_blocks",
            "replace_after_blocks",
            "reason",
            "version",
            "updated_at",
        )
        read_only_fields = fields


class PauseSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=255)
    version = version_field()


class ScanningSerializer(serializers.Serializer[Any]):
    enabled = serializers.BooleanField()
    version = version_field()


# --- Opportunities and trades -------------------------------------------------------------


class OpportunitySerializer(serializers.ModelSerializer[Opportunity]):
    pool_path = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    token_path = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    amount_in = AmountField(read_only=True)
    amounts_out = serializers.ListField(child=serializers.CharField(), read_only=True)
    fees_ppm = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    gross_profit = AmountField(signed=True, read_only=True)
    gas_cost = AmountField(read_only=True)
    net_profit = AmountField(signed=True, read_only=True)

    class Meta:
        model = Opportunity
        fields = (
            "id",
            "chain",
            "block_number",
            "cycle_key",
            "pool_path",
            "token_path",
            "start_token",
            "amount_in",
            "amounts_out",
            "fees_ppm",
            "gross_profit",
            "gas_estimate",
            "gas_cost",
            "net_profit",
            "status",
            "reason",
            "detected_at",
        )
        read_only_fields = fields


class TradeSerializer(serializers.ModelSerializer[Trade]):
    max_fee_per_gas = AmountField(read_only=True, allow_null=True)
    effective_gas_price = AmountField(read_only=True, allow_null=True)
    realized_profit = AmountField(signed=True, read_only=True, allow_null=True)
    simulated_profit = AmountField(signed=True, read_only=True, allow_null=True)
    tx_hashes = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Trade
        fields = (
            "id",
            "opportunity",
            "state",
            "mode",
            "account",
            "nonce",
            "tx_hash",
            "tx_hashes",
            "simulated_profit",
            "deadline_block",
            "submitted_block",
            "gas_limit",
            "max_fee_per_gas",
            "gas_used",
            "effective_gas_price",
            "block_number",
            "realized_profit",
            "error",
            "created_at",
            "updated_at",
            "approved_at",
            "simulated_at",
            "signed_at",
            "submitted_at",
            "confirmed_at",
            "finished_at",
        )
        read_only_fields = fields


class CancelSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=255)
