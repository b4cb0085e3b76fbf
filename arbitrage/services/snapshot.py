"""Load pools from a snapshot file in the format of ../shared/data/uniswap_v2_pairs_2020.json.

All or nothing: every entry is validated first, errors name the entry and the field,
and nothing is written unless every selected entry is valid.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from arbitrage.models import Chain, Dex
from arbitrage.services.market import pool_upsert, token_upsert
from core.addresses import normalize_address
from core.fields import to_exact_int

WETH_MAINNET = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
SNAPSHOT_FILE = "uniswap_v2_pairs_2020.json"


@dataclass(frozen=True)
class SnapshotToken:
    address: str
    symbol: str
    decimals: int


@dataclass(frozen=True)
class SnapshotPair:
    index: int
    address: str
    token0: SnapshotToken
    token1: SnapshotToken
    reserve0: int
    reserve1: int


class SnapshotError(ValueError):
    """The snapshot file or one of its entries is invalid; the message names where."""


def _field(entry: dict[str, Any], name: str, where: str) -> Any:
    if name not in entry:
        raise SnapshotError(f"{where}: missing field {name!r}")
    return entry[name]


def _parse_token(raw: Any, where: str) -> SnapshotToken:
    if not isinstance(raw, dict):
        raise SnapshotError(f"{where}: must be an object with address, symbol and decimal")
    try:
        address = normalize_address(_field(raw, "address", where))
    except ValidationError as exc:
        raise SnapshotError(f"{where}.address: {exc.messages[0]}") from None
    decimals = _field(raw, "decimal", where)
    if isinstance(decimals, str) and decimals.isdigit():
        decimals = int(decimals)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 255:
        raise SnapshotError(f"{where}.decimal: must be an integer from 0 to 255, got {decimals!r}")
    symbol = raw.get("symbol") or ""
    return SnapshotToken(address=address, symbol=str(symbol)[:64], decimals=decimals)


def parse_pair(raw: Any) -> SnapshotPair:
    where = f"pair #{raw.get('index', '?')}" if isinstance(raw, dict) else "pair"
    if not isinstance(raw, dict):
        raise SnapshotError(f"{where}: must be an object")
    try:
        address = normalize_address(_field(raw, "address", where))
    except ValidationError as exc:
        raise SnapshotError(f"{where}.address: {exc.messages[0]}") from None
    token0 = _parse_token(_field(raw, "token0", where), f"{where}.token0")
    token1 = _parse_token(_field(raw, "token1", where), f"{where}.token1")
    reserves = []
    for name in ("reserve0", "reserve1"):
        value = _field(raw, name, where)
        try:
            amount = to_exact_int(value)
        except ValueError as exc:
            raise SnapshotError(f"{where}.{name}: {exc}") from None
        if amount < 0:
            raise SnapshotError(f"{where}.{name}: must not be negative, got {amount}")
        reserves.append(amount)
    if token0.address == token1.address:
        raise SnapshotError(f"{where}.token1: token0 and token1 are the same token")
    if int(token0.address, 16) > int(token1.address, 16):
        raise SnapshotError(f"{where}.token0: token0 must have the lower address")
    return SnapshotPair(
        index=int(raw.get("index", -1)),
        address=address,
        token0=token0,
        token1=token1,
        reserve0=reserves[0],
        reserve1=reserves[1],
    )


def read_snapshot(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise SnapshotError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, list):
        raise SnapshotError(f"{path}: expected a list of pairs")
    return data


def select_most_liquid(
    entries: Iterable[dict[str, Any]], *, top: int, hub: str = WETH_MAINNET
) -> list[dict[str, Any]]:
    """The `top` pairs with the largest hub-token (WETH) reserve, plus every pair among their
    tokens, so that the sample holds triangles as well as hub pairs."""
    hub = normalize_address(hub)
    ranked: list[tuple[int, dict[str, Any]]] = []
    entries = list(entries)
    for raw in entries:
        try:
            pair = parse_pair(raw)
        except SnapshotError:
            continue
        if pair.token0.address == hub:
            ranked.append((pair.reserve0, raw))
        elif pair.token1.address == hub:
            ranked.append((pair.reserve1, raw))
    ranked.sort(key=lambda item: item[0], reverse=True)
    chosen = [raw for _, raw in ranked[:top]]
    tokens = {hub}
    for raw in chosen:
        tokens.add(normalize_address(raw["token0"]["address"]))
        tokens.add(normalize_address(raw["token1"]["address"]))
    chosen_ids = {id(raw) for raw in chosen}
    for raw in entries:
        if id(raw) in chosen_ids:
            continue
        try:
            pair = parse_pair(raw)
        except SnapshotError:
            continue
        if pair.token0.address in tokens and pair.token1.address in tokens:
            chosen.append(raw)
    return chosen


def load_pairs(
    *,
    dex: Dex,
    entries: list[dict[str, Any]],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Validate every entry, then upsert tokens and pools in one transaction.

    Returns (tokens, pools) written. Raises SnapshotError naming the first bad entry
    (or a duplicate pool address) before anything is written.
    """
    pairs: list[SnapshotPair] = []
    seen: dict[str, int] = {}
    for raw in entries:
        pair = parse_pair(raw)
        if pair.address in seen:
            raise SnapshotError(
                f"pair #{pair.index}.address: duplicate pool {pair.address} "
                f"(also pair #{seen[pair.address]})"
            )
        seen[pair.address] = pair.index
        pairs.append(pair)
    chain: Chain = dex.chain
    tokens_written: set[str] = set()
    with transaction.atomic():
        for done, pair in enumerate(pairs, start=1):
            try:
                token0 = token_upsert(
                    chain=chain,
                    address=pair.token0.address,
                    symbol=pair.token0.symbol,
                    decimals=pair.token0.decimals,
                )
                token1 = token_upsert(
                    chain=chain,
                    address=pair.token1.address,
                    symbol=pair.token1.symbol,
                    decimals=pair.token1.decimals,
                )
                pool_upsert(
                    dex=dex,
                    address=pair.address,
                    token0=token0,
                    token1=token1,
                    reserve0=pair.reserve0,
                    reserve1=pair.reserve1,
                )
            except ValidationError as exc:
                detail = "; ".join(
                    f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()
                )
                raise SnapshotError(f"pair #{pair.index} ({pair.address}): {detail}") from None
            tokens_written.update((pair.token0.address, pair.token1.address))
            if progress:
                progress(done, len(pairs))
    return len(tokens_written), len(pairs)
