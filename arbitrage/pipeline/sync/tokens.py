"""Tokens met in new pools: their metadata (symbol, name, decimals) and a probe that flags
those that take a fee on transfer (cycles through them are never traded)."""

from __future__ import annotations

import logging
from typing import Any

from eth_abi.abi import encode

from arbitrage.chain import abi
from arbitrage.chain.artifacts import runtime_code
from arbitrage.chain.client import CallRevertedError, ChainClient
from arbitrage.models import Chain, Pool, Token
from arbitrage.services.market import token_upsert

logger = logging.getLogger(__name__)


def token_metadata(client: ChainClient, addresses: list[str], block: int) -> dict[str, Any]:
    calls = []
    for address in addresses:
        calls += [(address, abi.SYMBOL), (address, abi.NAME), (address, abi.DECIMALS)]
    results = client.call_batch(calls, block)
    meta: dict[str, Any] = {}
    for i, address in enumerate(addresses):
        symbol, name, decimals = results[3 * i : 3 * i + 3]
        meta[address] = {
            "symbol": abi.decode_text(symbol),
            "name": abi.decode_text(name),
            "decimals": abi.decode_uint(decimals),
        }
    return meta


def token_register(chain: Chain, address: str, meta: dict[str, Any]) -> Token:
    existing = Token.objects.filter(chain=chain, address=address).first()
    if existing is not None:
        return existing
    decimals = meta.get("decimals")
    if decimals is None or decimals > 255:
        # No usable decimals(): keep the token so its pools are known, but never trade it.
        token = token_upsert(
            chain=chain, address=address, symbol=meta.get("symbol", ""), decimals=0
        )
        token.is_blocked = True
        token.save(update_fields=["is_blocked", "updated_at"])
        return token
    return token_upsert(
        chain=chain,
        address=address,
        symbol=meta.get("symbol") or address[:8],
        name=meta.get("name", ""),
        decimals=int(decimals),
    )


# Where the probe sends the tokens inside the simulated call: an address no one controls.
PROBE_RECIPIENT = "0x000000000000000000000000000000000000dEaD"


def token_delivers_in_full(
    client: ChainClient, *, token: str, holder: str, block: int
) -> bool | None:
    """Simulate a transfer of part of `holder`'s balance (eth_call with our probe's code placed
    at `holder`): True if it all arrives, False if a fee was taken, None if it cannot move."""
    balance = abi.decode_uint(
        client.call_batch([(token, abi.BALANCE_OF + bytes(12) + bytes.fromhex(holder[2:]))], block)[
            0
        ]
    )
    if not balance:
        return None
    amount = max(1, balance // 1000)
    data = abi.PROBE + encode(["address", "address", "uint256"], [token, PROBE_RECIPIENT, amount])
    try:
        raw = client.call(
            {"to": holder, "data": "0x" + data.hex()},
            block,
            state_override={holder: {"code": runtime_code("TransferProbe")}},
        )
    except CallRevertedError:
        return None
    received = abi.decode_uint(raw)
    return received == amount


def tokens_probe(chain: Chain, client: ChainClient, pools: list[Pool], block: int) -> None:
    """Flag fee-on-transfer tokens (excluded from cycles) and tokens that cannot be moved."""
    probed: set[int] = set()
    for pool in pools:
        for token in (pool.token0, pool.token1):
            if token.pk in probed or token.is_blocked:
                continue
            probed.add(token.pk)
            full = token_delivers_in_full(
                client, token=token.address, holder=pool.address, block=block
            )
            if full is False:
                token.is_fee_on_transfer = True
                token.save(update_fields=["is_fee_on_transfer", "updated_at"])
                logger.warning("token %s %s takes a fee on transfer", token.symbol, token.address)
