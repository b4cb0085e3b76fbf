"""Writes to the market model: chains, tokens, DEXes and pools.

Every function validates with ``full_clean()`` before saving, so the admin, the API,
management commands and the sync task all refuse the same bad input with the same
messages, naming the field.

The run-time settings among them (a chain's RPC endpoints and activation, a token's block, a
pool's activation and fee) are versioned: each change raises the row's version, an edit made
from an older version is refused (409), and the configuration epoch is raised so that every
process reloads (config_bus.py).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F

from accounts.audit import AuditAction, audit_record, changed, snapshot
from arbitrage.models import Chain, Dex, Pool, Token
from arbitrage.services import config_bus
from core.addresses import normalize_address
from core.fields import to_exact_int


def _address(field: str, value: object) -> str:
    try:
        return normalize_address(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def _amount(field: str, value: object) -> int:
    try:
        return to_exact_int(value)
    except ValueError as exc:
        raise ValidationError({field: str(exc)}) from exc


# Reserves are chain observations (kept in ReserveSnapshot), not changes anyone made.
_OBSERVED = ("reserve0", "reserve1", "last_synced_block")


def _audit_upsert(obj: models.Model, before: dict[str, Any] | None, actor: Any) -> None:
    """Audit a created row, or the fields of an existing row that changed (if any)."""
    after = {key: value for key, value in snapshot(obj).items() if key not in _OBSERVED}
    if before is None:
        audit_record(action=AuditAction.MARKET_CREATED, actor=actor, target=obj, after=after)
        return
    old, new = changed(before, after)
    if new:
        audit_record(
            action=AuditAction.MARKET_UPDATED, actor=actor, target=obj, before=old, after=new
        )
        if hasattr(obj, "version"):  # a run-time setting changed: raised, and heard everywhere
            type(obj)._default_manager.filter(pk=obj.pk).update(version=F("version") + 1)
            obj.version += 1
            config_bus.config_changed(what=f"{obj._meta.label_lower}:{obj.pk}")


def _before(obj: models.Model) -> dict[str, Any] | None:
    if obj.pk is None:
        return None
    return {key: value for key, value in snapshot(obj).items() if key not in _OBSERVED}


@transaction.atomic
def chain_upsert(
    *,
    chain_id: int,
    name: str,
    rpc_urls: list[str] | None = None,
    native_symbol: str = "ETH",
    block_time_ms: int = 12_000,
    actor: Any = None,
) -> Chain:
    chain = Chain.objects.filter(chain_id=chain_id).first() or Chain(chain_id=chain_id)
    before = _before(chain)
    chain.name = name
    chain.rpc_urls = list(rpc_urls or [])
    chain.native_symbol = native_symbol
    chain.block_time_ms = block_time_ms
    chain.full_clean()
    chain.save()
    _audit_upsert(chain, before, actor)
    return chain


def chain_get(*, chain_id: int) -> Chain:
    try:
        return Chain.objects.get(chain_id=chain_id)
    except Chain.DoesNotExist:
        raise ValidationError(
            {"chain_id": f"unknown chain {chain_id}: create it first (admin or seed_demo)"}
        ) from None


@transaction.atomic
def token_upsert(
    *,
    chain: Chain,
    address: str,
    symbol: str,
    decimals: int,
    name: str = "",
    is_fee_on_transfer: bool = False,
    actor: Any = None,
) -> Token:
    checksummed = _address("address", address)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 255:
        raise ValidationError({"decimals": f"must be an integer from 0 to 255, got {decimals!r}"})
    token = Token.objects.filter(chain=chain, address=checksummed).first()
    if token is None:
        token = Token(chain=chain, address=checksummed, decimals=decimals)
    elif token.decimals != decimals:
        raise ValidationError(
            {"decimals": f"token {checksummed} has {token.decimals} decimals, not {decimals}"}
        )
    before = _before(token)
    token.symbol = symbol[:64]
    token.name = name[:128]
    token.is_fee_on_transfer = token.is_fee_on_transfer or is_fee_on_transfer
    token.full_clean()
    token.save()
    _audit_upsert(token, before, actor)
    return token


@transaction.atomic
def dex_upsert(
    *,
    chain: Chain,
    name: str,
    factory_address: str,
    fee_ppm: int = 3000,
    router_address: str = "",
    kind: str = Dex.Kind.UNISWAP_V2,
    actor: Any = None,
) -> Dex:
    factory = _address("factory_address", factory_address)
    router = _address("router_address", router_address) if router_address else ""
    dex = Dex.objects.filter(chain=chain, factory_address=factory).first() or Dex(
        chain=chain, factory_address=factory
    )
    before = _before(dex)
    dex.name = name
    dex.kind = kind
    dex.fee_ppm = fee_ppm
    dex.router_address = router
    dex.full_clean()
    dex.save()
    _audit_upsert(dex, before, actor)
    return dex


@transaction.atomic
def pool_upsert(
    *,
    dex: Dex,
    address: str,
    token0: Token,
    token1: Token,
    reserve0: object = 0,
    reserve1: object = 0,
    block_number: int | None = None,
    fee_ppm: int | None = None,
    actor: Any = None,
) -> Pool:
    """Create a pool or refresh its reserves. token0/token1 must be in Uniswap's order."""
    checksummed = _address("address", address)
    r0, r1 = _amount("reserve0", reserve0), _amount("reserve1", reserve1)
    pool = Pool.objects.filter(chain_id=dex.chain_id, address=checksummed).first()
    if pool is None:
        pool = Pool(
            chain_id=dex.chain_id,
            dex=dex,
            address=checksummed,
            token0=token0,
            token1=token1,
            fee_ppm=dex.fee_ppm if fee_ppm is None else fee_ppm,
            created_block=block_number,
        )
    elif (pool.token0_id, pool.token1_id, pool.dex_id) != (token0.pk, token1.pk, dex.pk):
        raise ValidationError(
            {"address": f"pool {checksummed} already exists with other tokens or on another DEX"}
        )
    before = _before(pool)
    pool.reserve0, pool.reserve1 = r0, r1
    if block_number is not None:
        pool.last_synced_block = block_number
    pool.full_clean()
    pool.save()
    _audit_upsert(pool, before, actor)
    return pool


# --- run-time settings: versioned edits (the admin and the API) ------------------------------

CHAIN_SETTINGS = ("rpc_urls", "active", "block_time_ms")
TOKEN_SETTINGS = ("is_blocked", "is_fee_on_transfer")
POOL_SETTINGS = ("active", "inactive_reason", "fee_ppm")


def _settings_update(  # noqa: PLR0917 - one private helper of the three updates below
    model: type[models.Model],
    pk: object,
    names: tuple[str, ...],
    values: dict[str, Any],
    version: int | None,
    actor: Any,
) -> Any:
    unknown = set(values) - set(names)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "not a run-time setting of this row"))
    row = config_bus.locked(model, pk, version)
    before = snapshot(row, names)
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean()
    config_bus.changed_row(
        row, before, action=AuditAction.MARKET_UPDATED, actor=actor, fields=names
    )
    return row


@transaction.atomic
def chain_update(
    *, chain: Chain, version: int | None = None, actor: Any = None, **values: Any
) -> Chain:
    """A chain's RPC endpoints (in order of preference), activation or block time."""
    if "rpc_urls" in values:
        values["rpc_urls"] = list(values["rpc_urls"] or [])
    row: Chain = _settings_update(Chain, chain.pk, CHAIN_SETTINGS, values, version, actor)
    return row


@transaction.atomic
def token_update(
    *, token: Token, version: int | None = None, actor: Any = None, **values: Any
) -> Token:
    """A token blocked (never traded) or unblocked, or flagged as taking a fee on transfer."""
    row: Token = _settings_update(Token, token.pk, TOKEN_SETTINGS, values, version, actor)
    return row


@transaction.atomic
def pool_update(
    *, pool: Pool, version: int | None = None, actor: Any = None, **values: Any
) -> Pool:
    """A pool activated or deactivated (with the reason), or its fee. Re-activated, it is back
    in every warm engine within two seconds (the engines rebuild from the rows)."""
    if values.get("active") is True and "inactive_reason" not in values:
        values["inactive_reason"] = ""
    row: Pool = _settings_update(Pool, pool.pk, POOL_SETTINGS, values, version, actor)
    return row
