"""Event topics and call selectors used by sync and discovery, derived from their signatures."""

from __future__ import annotations

from eth_abi.abi import decode
from eth_utils.crypto import keccak


def topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


PAIR_CREATED = topic("PairCreated(address,address,address,uint256)")
SYNC = topic("Sync(uint112,uint112)")
# Our executor's event (contracts/src/interfaces/IArbitrageExecutor.sol).
CYCLE_EXECUTED = topic("CycleExecuted(address,address,address,uint256,uint256,uint256)")
GET_RESERVES = selector("getReserves()")
SYMBOL = selector("symbol()")
NAME = selector("name()")
DECIMALS = selector("decimals()")


def decode_text(raw: bytes | None) -> str:
    """A token's symbol or name: an ABI string, or a bytes32 (as MKR and SAI return)."""
    if not raw:
        return ""
    if len(raw) == 32:
        return raw.rstrip(b"\0").decode("utf-8", errors="replace").strip()
    try:
        (text,) = decode(["string"], raw)
    except Exception:  # malformed return data: treat as no symbol
        return ""
    return str(text).replace("\0", "").strip()


def decode_uint(raw: bytes | None) -> int | None:
    if not raw or len(raw) < 32:
        return None
    return int.from_bytes(raw[:32], "big")


def decode_reserves(raw: bytes | None) -> tuple[int, int] | None:
    if not raw or len(raw) < 64:
        return None
    return int.from_bytes(raw[0:32], "big"), int.from_bytes(raw[32:64], "big")


PROBE = selector("probe(address,address,uint256)")
BALANCE_OF = selector("balanceOf(address)")
