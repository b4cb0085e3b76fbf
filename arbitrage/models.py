"""The market as the product sees it: chains, tokens, DEXes, pools, and what it does with them.

Amounts are on-chain integers (`AmountField`: NUMERIC(78,0), Python int). Fees are in
parts per million, so Uniswap V2's 0.3 % is 3000.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.addresses import ADDRESS_LENGTH, validate_checksum_address
from core.fields import AmountField

FEE_DENOMINATOR_PPM = 1_000_000
MAX_RESERVE = 2**112 - 1  # Uniswap V2 stores reserves as uint112


def version_field() -> models.PositiveBigIntegerField:  # type: ignore[type-arg]
    """A run-time setting's version: raised by every change (optimistic locking)."""
    return models.PositiveBigIntegerField(
        default=1,
        editable=False,  # raised by the services, never typed in
        help_text="Raised by every change: an edit made from an older version is refused.",
    )


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Chain(TimestampedModel):
    chain_id = models.PositiveBigIntegerField(unique=True, help_text="EIP-155 chain id")
    name = models.CharField(max_length=64, unique=True)
    rpc_urls = models.JSONField(
        default=list,
        blank=True,
        help_text="RPC endpoints in order of preference; API keys belong in the secrets backend.",
    )
    native_symbol = models.CharField(max_length=16, default="ETH")
    block_time_ms = models.PositiveIntegerField(default=12_000, validators=[MinValueValidator(1)])
    wrapped_native_address = models.CharField(
        max_length=ADDRESS_LENGTH,
        blank=True,
        validators=[validate_checksum_address],
        help_text="WETH or its equivalent: gas costs are converted through it.",
    )
    executor_address = models.CharField(
        max_length=ADDRESS_LENGTH,
        blank=True,
        validators=[validate_checksum_address],
        help_text="Our ArbitrageExecutor contract on this chain.",
    )
    active = models.BooleanField(default=True)

    version = version_field()

    class Meta:
        ordering = ("chain_id",)
        constraints = (
            models.CheckConstraint(
                condition=Q(block_time_ms__gt=0), name="chain_block_time_positive"
            ),
        )

    def __str__(self) -> str:
        return f"{self.name} ({self.chain_id})"

    def clean(self) -> None:
        if not isinstance(self.rpc_urls, list) or not all(
            isinstance(url, str) and url.startswith(("http://", "https://", "ws://", "wss://"))
            for url in self.rpc_urls
        ):
            raise ValidationError({"rpc_urls": "must be a list of http(s):// or ws(s):// URLs"})


class Token(TimestampedModel):
    chain = models.ForeignKey(Chain, on_delete=models.PROTECT, related_name="tokens")
    address = models.CharField(max_length=ADDRESS_LENGTH, validators=[validate_checksum_address])
    symbol = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=128, blank=True)
    decimals = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(255)]
    )
    is_fee_on_transfer = models.BooleanField(
        default=False, help_text="Takes a fee on transfer: excluded from cycles."
    )
    is_blocked = models.BooleanField(default=False, help_text="Never traded.")

    version = version_field()

    class Meta:
        ordering = ("chain_id", "symbol", "address")
        constraints = (
            models.UniqueConstraint(fields=("chain", "address"), name="token_unique_per_chain"),
            models.CheckConstraint(condition=Q(decimals__lte=255), name="token_decimals_range"),
        )
        indexes = (models.Index(fields=("symbol",), name="token_symbol_idx"),)

    def __str__(self) -> str:
        return f"{self.symbol or '?'} {self.address}"


class Dex(TimestampedModel):
    class Kind(models.TextChoices):
        UNISWAP_V2 = "uniswap_v2", "Uniswap V2 (constant product)"

    chain = models.ForeignKey(Chain, on_delete=models.PROTECT, related_name="dexes")
    name = models.CharField(max_length=64)
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.UNISWAP_V2)
    factory_address = models.CharField(
        max_length=ADDRESS_LENGTH, validators=[validate_checksum_address]
    )
    router_address = models.CharField(
        max_length=ADDRESS_LENGTH, blank=True, validators=[validate_checksum_address]
    )
    fee_ppm = models.PositiveIntegerField(
        default=3000,
        validators=[MaxValueValidator(FEE_DENOMINATOR_PPM - 1)],
        help_text="Swap fee in parts per million (3000 = 0.3 %).",
    )
    discovered_to_block = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="PairCreated logs have been read up to this block."
    )
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "DEX"
        verbose_name_plural = "DEXes"
        ordering = ("chain_id", "name")
        constraints = (
            models.UniqueConstraint(fields=("chain", "factory_address"), name="dex_factory_unique"),
            models.UniqueConstraint(fields=("chain", "name"), name="dex_name_unique"),
            models.CheckConstraint(
                condition=Q(fee_ppm__lt=FEE_DENOMINATOR_PPM), name="dex_fee_below_100_percent"
            ),
        )

    def __str__(self) -> str:
        return f"{self.name} on {self.chain.name}"


class Pool(TimestampedModel):
    chain = models.ForeignKey(Chain, on_delete=models.PROTECT, related_name="pools")
    dex = models.ForeignKey(Dex, on_delete=models.PROTECT, related_name="pools")
    address = models.CharField(max_length=ADDRESS_LENGTH, validators=[validate_checksum_address])
    token0 = models.ForeignKey(Token, on_delete=models.PROTECT, related_name="pools_as_token0")
    token1 = models.ForeignKey(Token, on_delete=models.PROTECT, related_name="pools_as_token1")
    fee_ppm = models.PositiveIntegerField(
        default=3000, validators=[MaxValueValidator(FEE_DENOMINATOR_PPM - 1)]
    )
    reserve0 = AmountField(default=0)
    reserve1 = AmountField(default=0)
    last_synced_block = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="Block of the reserves last read (empty: not read yet, a cold start is due).",
    )
    created_block = models.PositiveBigIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)
    inactive_reason = models.CharField(
        max_length=255, blank=True, help_text="Why the pool was deactivated, and by whom or what."
    )

    version = version_field()

    class Meta:
        ordering = ("chain_id", "address")
        constraints = (
            models.UniqueConstraint(fields=("chain", "address"), name="pool_unique_per_chain"),
            models.UniqueConstraint(
                fields=("dex", "token0", "token1"), name="pool_one_per_pair_per_dex"
            ),
            models.CheckConstraint(condition=~Q(token0=F("token1")), name="pool_tokens_distinct"),
            models.CheckConstraint(condition=Q(reserve0__gte=0), name="pool_reserve0_nonneg"),
            models.CheckConstraint(condition=Q(reserve1__gte=0), name="pool_reserve1_nonneg"),
            models.CheckConstraint(
                condition=Q(reserve0__lte=MAX_RESERVE), name="pool_reserve0_uint112"
            ),
            models.CheckConstraint(
                condition=Q(reserve1__lte=MAX_RESERVE), name="pool_reserve1_uint112"
            ),
            models.CheckConstraint(
                condition=Q(fee_ppm__lt=FEE_DENOMINATOR_PPM), name="pool_fee_below_100_percent"
            ),
        )
        indexes = (models.Index(fields=("active", "chain"), name="pool_active_chain_idx"),)

    def __str__(self) -> str:
        return f"{self.token0.symbol}/{self.token1.symbol} {self.address}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name in ("reserve0", "reserve1"):
            value = getattr(self, name)
            if isinstance(value, int) and not 0 <= value <= MAX_RESERVE:
                errors[name] = f"must be between 0 and 2**112-1, got {value}"
        if self.token0_id and self.token1_id:
            if self.token0_id == self.token1_id:
                errors["token1"] = "token0 and token1 must be different tokens"
            elif int(self.token0.address, 16) >= int(self.token1.address, 16):
                errors["token0"] = "token0 must have the lower address (Uniswap's ordering)"
            elif self.chain_id and (
                self.token0.chain_id != self.chain_id or self.token1.chain_id != self.chain_id
            ):
                errors["token0"] = "both tokens must be on the pool's chain"
        if self.dex_id and self.chain_id and self.dex.chain_id != self.chain_id:
            errors["dex"] = "the DEX is on another chain"
        if errors:
            raise ValidationError(errors)


class ReserveSnapshot(models.Model):
    """A pool's reserves as of the end of a block (the last Sync in it)."""

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="snapshots")
    block_number = models.PositiveBigIntegerField()
    block_hash = models.CharField(max_length=66, blank=True)
    reserve0 = AmountField()
    reserve1 = AmountField()
    timestamp = models.DateTimeField()

    class Meta:
        ordering = ("pool_id", "-block_number")
        constraints = (
            models.UniqueConstraint(fields=("pool", "block_number"), name="snapshot_one_per_block"),
            models.CheckConstraint(condition=Q(reserve0__gte=0), name="snapshot_reserve0_nonneg"),
            models.CheckConstraint(condition=Q(reserve1__gte=0), name="snapshot_reserve1_nonneg"),
        )
        indexes = (models.Index(fields=("block_number",), name="snapshot_block_idx"),)

    def __str__(self) -> str:
        return f"{self.pool_id}@{self.block_number}"


class Threshold(TimestampedModel):
    """Run-time strategy settings for one start token (or the chain's default when blank)."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="thresholds")
    start_token = models.ForeignKey(
        Token, on_delete=models.CASCADE, null=True, blank=True, related_name="thresholds"
    )
    min_net_profit = AmountField(default=0, help_text="In the start token's base units.")
    min_profit_bps = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(1_000_000)], help_text="Net profit / input, bps."
    )
    max_input = AmountField(default=0, help_text="0 means no limit.")
    max_hops = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(2), MaxValueValidator(4)]
    )
    max_gas_price_wei = AmountField(default=0, help_text="0 means no limit.")
    max_daily_loss = AmountField(
        default=0, help_text="Realized losses (start token) allowed per UTC day; 0 means none."
    )
    enabled = models.BooleanField(default=True)

    version = version_field()

    class Meta:
        ordering = ("chain_id", "start_token_id")
        constraints = (
            models.UniqueConstraint(
                fields=("chain", "start_token"), name="threshold_one_per_start_token"
            ),
            models.UniqueConstraint(
                fields=("chain",),
                condition=Q(start_token__isnull=True),
                name="threshold_one_default_per_chain",
            ),
            models.CheckConstraint(
                condition=Q(max_hops__gte=2) & Q(max_hops__lte=4), name="threshold_max_hops_range"
            ),
        )

    def __str__(self) -> str:
        token = self.start_token.symbol if self.start_token else "default"
        return f"Threshold {token} on {self.chain.name}"

    def clean(self) -> None:
        token = self.start_token if self.start_token_id else None
        if token is not None and self.chain_id and token.chain_id != self.chain_id:
            raise ValidationError({"start_token": "the token is on another chain"})


class Opportunity(models.Model):
    class Status(models.TextChoices):
        DETECTED = "detected"
        APPROVED = "approved"
        REJECTED = "rejected"
        EXECUTED = "executed"
        EXPIRED = "expired"
        REORGED = "reorged", "reorged (its trade's block left the chain)"

    chain = models.ForeignKey(Chain, on_delete=models.PROTECT, related_name="opportunities")
    block_number = models.PositiveBigIntegerField()
    cycle_key = models.CharField(
        max_length=255, help_text="Pool ids of the cycle in order, joined by '-'."
    )
    pool_path = models.JSONField(help_text="Pool ids in swap order.")
    token_path = models.JSONField(help_text="Token ids, starting and ending with the start token.")
    start_token = models.ForeignKey(Token, on_delete=models.PROTECT, related_name="+")
    amount_in = AmountField()
    amounts_out = models.JSONField(help_text="Each hop's output as a decimal string.")
    fees_ppm = models.JSONField(
        default=list,
        blank=True,
        help_text="Each hop's pool fee in ppm, as the engine priced it (the executor is called "
        "with the same fees).",
    )
    gross_profit = AmountField(signed=True)
    gas_estimate = models.PositiveBigIntegerField(default=0)
    gas_cost = AmountField(default=0, help_text="Gas at the base fee, in the start token.")
    net_profit = AmountField(signed=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DETECTED)
    reason = models.CharField(max_length=255, blank=True)
    detected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "opportunities"
        ordering = ("-detected_at",)
        constraints = (
            models.UniqueConstraint(
                fields=("chain", "cycle_key", "block_number"), name="opportunity_once_per_block"
            ),
            models.CheckConstraint(condition=Q(amount_in__gt=0), name="opportunity_amount_in_pos"),
        )
        indexes = (models.Index(fields=("status", "-detected_at"), name="opportunity_status_idx"),)

    def __str__(self) -> str:
        return f"Opportunity {self.pk} [{self.cycle_key}] @{self.block_number}"


class Trade(models.Model):
    class State(models.TextChoices):
        DETECTED = "detected"
        APPROVED = "approved"
        SIMULATED = "simulated"
        SIGNED = "signed"
        SUBMITTED = "submitted"
        CONFIRMED = "confirmed"
        FAILED = "failed"
        DROPPED = "dropped"
        REJECTED = "rejected"

    class Mode(models.TextChoices):
        DRY_RUN = "dry_run"
        LIVE = "live"

    opportunity = models.OneToOneField(Opportunity, on_delete=models.PROTECT, related_name="trade")
    state = models.CharField(max_length=16, choices=State.choices, default=State.DETECTED)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.DRY_RUN)
    account = models.CharField(max_length=ADDRESS_LENGTH, blank=True)
    nonce = models.PositiveBigIntegerField(null=True, blank=True)
    tx_hash = models.CharField(max_length=66, null=True, blank=True, unique=True)
    calldata = models.TextField(
        blank=True, help_text="The executor call, as simulated (and, in dry run, not sent)."
    )
    signed_tx = models.TextField(blank=True, help_text="Raw signed transaction, for re-broadcast.")
    tx_hashes = models.JSONField(
        default=list, blank=True, help_text="Every hash sent for this nonce (replacements too)."
    )
    simulated_profit = AmountField(signed=True, null=True, blank=True)
    deadline_block = models.PositiveBigIntegerField(null=True, blank=True)
    submitted_block = models.PositiveBigIntegerField(null=True, blank=True)
    gas_limit = models.PositiveBigIntegerField(null=True, blank=True)
    max_fee_per_gas = AmountField(null=True, blank=True)
    max_priority_fee_per_gas = AmountField(null=True, blank=True)
    gas_used = models.PositiveBigIntegerField(null=True, blank=True)
    effective_gas_price = AmountField(null=True, blank=True)
    block_number = models.PositiveBigIntegerField(null=True, blank=True)
    realized_profit = AmountField(signed=True, null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    simulated_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = (models.Index(fields=("state",), name="trade_state_idx"),)

    def __str__(self) -> str:
        return f"Trade {self.pk} ({self.state})"


class ExecutionControl(TimestampedModel):
    """Run-time switches for one chain: the kill switch, scanning, and in-flight limits."""

    chain = models.OneToOneField(Chain, on_delete=models.CASCADE, related_name="control")
    execution_paused = models.BooleanField(
        default=False, help_text="Kill switch: no trade is signed or sent while on."
    )
    scanning_enabled = models.BooleanField(default=True)
    max_trades_in_flight = models.PositiveSmallIntegerField(default=1)
    confirmations = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1)],
        help_text="Finality depth: the blocks from a trade's block to the head (its own included)"
        " before its profit is booked; until then it is provisional.",
    )
    max_state_lag_blocks = models.PositiveSmallIntegerField(
        default=2,
        help_text="No trade is signed on state (the synced reserves, the opportunity's block)"
        " more than this many blocks behind the node's head.",
    )
    replace_after_blocks = models.PositiveSmallIntegerField(
        default=3, help_text="A transaction not mined after this many blocks is replaced."
    )
    reason = models.CharField(max_length=255, blank=True)

    version = version_field()

    class Meta:
        verbose_name = "execution control"

    def __str__(self) -> str:
        state = "paused" if self.execution_paused else "running"
        return f"Execution on {self.chain.name}: {state}"


class BlockRecord(models.Model):
    """A block the sync has applied, with its hash: how a reorg is noticed."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="blocks")
    number = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=66)
    parent_hash = models.CharField(max_length=66)
    timestamp = models.DateTimeField()
    base_fee_per_gas = AmountField(default=0)

    class Meta:
        ordering = ("chain_id", "-number")
        constraints = (
            models.UniqueConstraint(fields=("chain", "number"), name="block_one_per_number"),
        )

    def __str__(self) -> str:
        return f"{self.chain_id}#{self.number} {self.hash[:10]}"


class AccountNonce(models.Model):
    """The next nonce of one of our sending accounts on one chain (the nonce manager's memory)."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="nonces")
    address = models.CharField(max_length=ADDRESS_LENGTH, validators=[validate_checksum_address])
    next_nonce = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("chain", "address"), name="nonce_one_per_account"),
        )

    def __str__(self) -> str:
        return f"{self.address} next nonce {self.next_nonce}"


class ConfigEpoch(models.Model):
    """One counter raised in the same transaction as every run-time configuration change
    (thresholds, switches, limits, pool and token activation, RPC endpoints): a process
    whose copy is older reloads (see arbitrage/services/config_bus.py)."""

    name = models.CharField(max_length=32, unique=True, default="runtime")
    epoch = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} configuration, epoch {self.epoch}"
