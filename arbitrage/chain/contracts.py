"""Our executor contract as the Python side sees it: calldata, revert reasons, events.

The ABI comes from forge's build output (arbitrage.chain.artifacts.executor()).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi.abi import decode, encode
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.logs import DISCARD

from arbitrage.chain.artifacts import executor


@dataclass(frozen=True)
class CycleCall:
    pairs: list[str]
    zero_for_one: list[bool]
    fees_ppm: list[int]
    start_token: str
    amount_in: int
    min_profit: int
    deadline_block: int

    def args(self) -> list[Any]:
        return [
            [to_checksum_address(p) for p in self.pairs],
            self.zero_for_one,
            self.fees_ppm,
            to_checksum_address(self.start_token),
            self.amount_in,
            self.min_profit,
            self.deadline_block,
        ]


@cache
def _execute_signature() -> tuple[bytes, list[str]]:
    """The selector and argument types of `execute`, read once from the ABI."""
    (item,) = [i for i in executor().abi if i.get("type") == "function" and i["name"] == "execute"]
    types = [i["type"] for i in item["inputs"]]
    return function_signature_to_4byte_selector(f"execute({','.join(types)})"), types


def execute_calldata(call: CycleCall) -> str:
    """ABI-encoded `execute(...)` calldata. Encoded with eth_abi directly: web3's contract
    `encode_abi` looks the function up and validates generically, about 2 ms a call on the
    execution hot path; the same bytes (tests/arbitrage/test_calldata.py compares with web3)."""
    selector, types = _execute_signature()
    return "0x" + (selector + encode(types, call.args())).hex()


def decode_profit(raw: bytes) -> int:
    (profit,) = decode(["uint256"], raw)
    return int(profit)


@cache
def _errors() -> dict[bytes, tuple[str, list[str]]]:
    table = {}
    for item in executor().abi:
        if item.get("type") != "error":
            continue
        types = [i["type"] for i in item.get("inputs", [])]
        signature = f"{item['name']}({','.join(types)})"
        table[function_signature_to_4byte_selector(signature)] = (item["name"], types)
    return table


def decode_revert(data: str | None) -> str:
    """Name a revert: the executor's custom error with its arguments, when it is one."""
    if not data or len(data) < 10:
        return "reverted without data"
    raw = bytes.fromhex(data[2:] if data.startswith("0x") else data)
    known = _errors().get(raw[:4])
    if known is None:
        if raw[:4] == bytes.fromhex("08c379a0"):
            (message,) = decode(["string"], raw[4:])
            return f"Error({message!r})"
        return f"reverted with data {data[:74]}"
    name, types = known
    try:
        values = decode(types, raw[4:]) if types else ()
    except Exception:  # malformed arguments: the name alone still helps
        return name
    return f"{name}({', '.join(str(v) for v in values)})"


def cycle_executed_events(receipt: Any, executor_address: str) -> list[dict[str, Any]]:
    contract = Web3().eth.contract(
        address=to_checksum_address(executor_address), abi=executor().abi
    )
    events = contract.events.CycleExecuted().process_receipt(receipt, errors=DISCARD)
    return [dict(event["args"]) for event in events]
