"""The one JSON-RPC client: web3.py over HTTP with timeouts, batches and clear errors.

Every call to a node goes through `ChainClient`; a failure becomes `ChainRpcError`
naming the method, so callers handle one error type.
"""

from __future__ import annotations

import logging
import os
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import requests
from eth_typing import HexStr
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3Exception
from web3.types import LogReceipt, RPCEndpoint, TxReceipt

from arbitrage.errors import ArbitrageError, ArbitrageErrorCode

logger = logging.getLogger(__name__)


class ChainRpcError(ArbitrageError):
    def __init__(self, method: str, error: object) -> None:
        super().__init__(
            ArbitrageErrorCode.RPC_ERROR,
            f"RPC {method} failed: {error}",
            {"method": method},
        )
        self.method = method


class ChainMismatchError(ArbitrageError):
    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            ArbitrageErrorCode.CHAIN_MISMATCH,
            f"the RPC endpoint serves chain {actual}, not chain {expected}",
            {"expected": expected, "actual": actual},
        )


class CallRevertedError(Exception):
    """An eth_call reverted; `data` holds the revert data (a custom error, if any)."""

    def __init__(self, message: str, data: str | None) -> None:
        super().__init__(message)
        self.data = data


@dataclass(frozen=True)
class BlockHeader:
    number: int
    hash: str
    parent_hash: str
    timestamp: int
    base_fee_per_gas: int


def header_from_rpc(raw: dict[str, Any]) -> BlockHeader:
    """A header as the node gives it (eth_getBlockByNumber, or a pushed newHeads)."""
    return BlockHeader(
        number=int(raw["number"], 16),
        hash=raw["hash"],
        parent_hash=raw["parentHash"],
        timestamp=int(raw["timestamp"], 16),
        base_fee_per_gas=int(raw.get("baseFeePerGas") or "0x0", 16),
    )


@dataclass
class ExecutionReads:
    """What an execution reads from the node in one request (see head_tip_and_nonce)."""

    head: BlockHeader
    tip: int
    pending: int | None = None
    call_result: bytes | None = None
    call_reverted: CallRevertedError | None = None


def _call_result(response: Any) -> bytes:
    """The bytes of an eth_call response; CallRevertedError (with the revert data) when it
    reverted, ChainRpcError for any other failure."""
    error = response.get("error")
    if error:
        message = error.get("message", str(error)) if isinstance(error, dict) else str(error)
        data = error.get("data") if isinstance(error, dict) else None
        if "revert" in message.lower() or data:
            raise CallRevertedError(message, data if isinstance(data, str) else None)
        raise ChainRpcError("eth_call", error)
    return bytes(HexBytes(response["result"]))


# The customary priority fee for a node without eth_maxPriorityFeePerGas: 1 gwei.
DEFAULT_TIP = 1_000_000_000


def _tip(response: Any) -> int:
    """The priority fee from an eth_maxPriorityFeePerGas response, or the customary one."""
    tip_hex = response.get("result")
    return int(tip_hex, 16) if tip_hex else DEFAULT_TIP


def _log(raw: dict[str, Any]) -> LogReceipt:
    """A log as web3.py's formatters would give it (ints and bytes), built directly: the
    generic formatters cost about a millisecond per call on the sync's hot path."""
    return cast(
        LogReceipt,
        {
            "address": str(to_checksum_address(raw["address"])),
            "topics": [HexBytes(topic) for topic in raw.get("topics", [])],
            "data": HexBytes(raw.get("data", "0x")),
            "blockNumber": int(raw["blockNumber"], 16),
            "blockHash": HexBytes(raw["blockHash"]),
            "transactionHash": HexBytes(raw["transactionHash"]),
            "transactionIndex": int(raw["transactionIndex"], 16),
            "logIndex": int(raw["logIndex"], 16),
            "removed": bool(raw.get("removed", False)),
        },
    )


def _hex(value: Any) -> str:
    return "0x" + bytes(HexBytes(value)).hex()


def _session() -> requests.Session:
    """A keep-alive HTTP session. `requests` re-reads the environment on every request (a scan
    of os.environ for proxies, about a fifth of a millisecond per call to a local node); when no
    proxy (nor netrc) is configured, the session is told not to look, and a CA bundle named in
    the environment is set on it once instead."""
    session = requests.Session()
    session.trust_env = bool(urllib.request.getproxies()) or "NETRC" in os.environ
    if not session.trust_env:
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            session.verify = bundle
    return session


class ChainClient:
    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self.provider = Web3.HTTPProvider(
            url, request_kwargs={"timeout": timeout}, session=_session()
        )
        self.w3 = Web3(self.provider)

    # -- plain requests -------------------------------------------------------------------
    def _request(self, method: str, params: Sequence[Any]) -> Any:
        try:
            response = self.w3.provider.make_request(RPCEndpoint(method), list(params))
        except (OSError, Web3Exception, ValueError) as exc:
            raise ChainRpcError(method, exc) from exc
        if response.get("error"):
            raise ChainRpcError(method, response["error"])
        return response.get("result")

    def chain_id(self) -> int:
        return int(self._request("eth_chainId", []), 16)

    def check_chain_id(self, expected: int) -> None:
        actual = self.chain_id()
        if actual != expected:
            raise ChainMismatchError(expected, actual)

    def block_number(self) -> int:
        return int(self._request("eth_blockNumber", []), 16)

    def block(self, number: int | str = "latest") -> BlockHeader:
        tag = hex(number) if isinstance(number, int) else number
        raw = self._request("eth_getBlockByNumber", [tag, False])
        if raw is None:
            raise ChainRpcError("eth_getBlockByNumber", f"block {number} not found")
        return header_from_rpc(raw)

    def transaction_count(self, address: str, block: str = "pending") -> int:
        return int(self._request("eth_getTransactionCount", [address, block]), 16)

    def balance(self, address: str, block: int | str = "latest") -> int:
        tag = hex(block) if isinstance(block, int) else block
        return int(self._request("eth_getBalance", [address, tag]), 16)

    def max_priority_fee(self) -> int:
        try:
            return int(self._request("eth_maxPriorityFeePerGas", []), 16)
        except ChainRpcError:
            return DEFAULT_TIP

    def send_raw_transaction(self, raw: bytes | str) -> str:
        return str(self._request("eth_sendRawTransaction", [_hex(raw)]))

    def receipt(self, tx_hash: str) -> TxReceipt | None:
        try:
            return self.w3.eth.get_transaction_receipt(HexStr(tx_hash))
        except Web3Exception as exc:
            if "not found" in str(exc).lower():
                return None
            raise ChainRpcError("eth_getTransactionReceipt", exc) from exc
        except OSError as exc:
            raise ChainRpcError("eth_getTransactionReceipt", exc) from exc

    def transaction(self, tx_hash: str) -> dict[str, Any] | None:
        raw = self._request("eth_getTransactionByHash", [tx_hash])
        return cast(dict[str, Any] | None, raw)

    def call(
        self, tx: dict[str, Any], block: int | str = "latest", *, state_override: Any = None
    ) -> bytes:
        """eth_call; raises CallRevertedError with the revert data when the call reverts."""
        tag = hex(block) if isinstance(block, int) else block
        params: list[Any] = [tx, tag]
        if state_override is not None:
            params.append(state_override)
        try:
            response = self.w3.provider.make_request(RPCEndpoint("eth_call"), params)
        except (OSError, Web3Exception, ValueError) as exc:
            raise ChainRpcError("eth_call", exc) from exc
        return _call_result(response)

    def estimate_gas(self, tx: dict[str, Any]) -> int:
        try:
            return int(self.w3.eth.estimate_gas(cast(Any, tx)))
        except ContractLogicError as exc:
            raise CallRevertedError(str(exc), getattr(exc, "data", None)) from exc
        except (OSError, Web3Exception, ValueError) as exc:
            raise ChainRpcError("eth_estimateGas", exc) from exc

    # -- batches --------------------------------------------------------------------------
    def _batch(self, label: str, calls: list[tuple[RPCEndpoint, list[Any]]]) -> list[Any]:
        """Several JSON-RPC calls in one HTTP request; the responses in order."""
        try:
            responses = self.provider.make_batch_request(calls)
        except (OSError, Web3Exception, ValueError) as exc:
            raise ChainRpcError(label, exc) from exc
        if not isinstance(responses, list):
            raise ChainRpcError(label, responses.get("error", responses))
        return responses

    def call_batch(
        self, calls: Sequence[tuple[str, bytes]], block: int | str = "latest"
    ) -> list[bytes | None]:
        """Many eth_calls in one HTTP request; a reverted call gives None in its place."""
        if not calls:
            return []
        tag = hex(block) if isinstance(block, int) else block
        calls_made: list[tuple[RPCEndpoint, list[Any]]] = [
            (RPCEndpoint("eth_call"), [{"to": to, "data": _hex(data)}, tag]) for to, data in calls
        ]
        responses = self._batch("eth_call (batch)", calls_made)
        results: list[bytes | None] = []
        for response in responses:
            if response.get("error"):
                results.append(None)
            else:
                results.append(bytes(HexBytes(response["result"])))
        return results

    def head_tip_and_nonce(
        self, address: str | None, call: dict[str, Any] | None = None
    ) -> ExecutionReads:
        """The head's header, the suggested priority fee, `address`'s pending transaction count
        and (with `call`) an eth_call at the latest block, in one HTTP request: what an
        execution reads from the node before signing. A reverted call is reported in the
        result, not raised."""
        reads: list[tuple[RPCEndpoint, list[Any]]] = [
            (RPCEndpoint("eth_getBlockByNumber"), ["latest", False]),
            (RPCEndpoint("eth_maxPriorityFeePerGas"), []),
        ]
        if address is not None:
            reads.append((RPCEndpoint("eth_getTransactionCount"), [address, "pending"]))
        if call is not None:
            reads.append((RPCEndpoint("eth_call"), [call, "latest"]))
        responses = self._batch("head, tip, nonce and call (batch)", reads)
        raw_head = responses[0].get("result")
        if not raw_head:
            raise ChainRpcError("eth_getBlockByNumber", responses[0].get("error", "no block"))
        reads_done = ExecutionReads(head=header_from_rpc(raw_head), tip=_tip(responses[1]))
        if address is not None:
            count = responses[2].get("result")
            if count is None:
                raise ChainRpcError("eth_getTransactionCount", responses[2].get("error"))
            reads_done.pending = int(count, 16)
        if call is not None:
            response = responses[-1]
            try:
                reads_done.call_result = _call_result(response)
            except CallRevertedError as exc:
                reads_done.call_reverted = exc
        return reads_done

    def blocks(self, numbers: Sequence[int]) -> dict[int, BlockHeader]:
        """Headers of many blocks in one HTTP request."""
        if not numbers:
            return {}
        return self._headers([hex(number) for number in numbers])

    def blocks_and_latest(
        self, numbers: Sequence[int]
    ) -> tuple[dict[int, BlockHeader], BlockHeader]:
        """Headers of some blocks and of the head, in one HTTP request."""
        headers = self._headers(["latest", *(hex(number) for number in numbers)], latest=True)
        head = headers.pop(-1)
        return headers, head

    def _headers(self, tags: Sequence[str], *, latest: bool = False) -> dict[int, BlockHeader]:
        reads: list[tuple[RPCEndpoint, list[Any]]] = [
            (RPCEndpoint("eth_getBlockByNumber"), [tag, False]) for tag in tags
        ]
        responses = self._batch("eth_getBlockByNumber (batch)", reads)
        headers: dict[int, BlockHeader] = {}
        for index, response in enumerate(responses):
            raw = response.get("result")
            if not raw:
                if latest and index == 0:
                    raise ChainRpcError("eth_getBlockByNumber", "no latest block")
                continue
            header = header_from_rpc(raw)
            if latest and index == 0:
                headers[-1] = header  # the head, keyed apart so a listed number cannot clash
            else:
                headers[header.number] = header
        return headers

    def get_logs(
        self,
        *,
        address: Sequence[str] | str | None,
        topics: Sequence[Any],
        from_block: int,
        to_block: int,
        max_range: int = 2000,
    ) -> list[LogReceipt]:
        """Logs from from_block to to_block inclusive, in ranges; a refused range is halved."""
        logs: list[LogReceipt] = []
        start, span = from_block, max(1, max_range)
        while start <= to_block:
            end = min(to_block, start + span - 1)
            params: dict[str, Any] = {
                "fromBlock": hex(start),
                "toBlock": hex(end),
                "topics": list(topics),
            }
            if address is not None:
                params["address"] = address
            try:
                raw = self._request("eth_getLogs", [params])
            except ChainRpcError as exc:
                if end == start:
                    raise
                span = max(1, (end - start + 1) // 2)
                logger.info("eth_getLogs refused %s..%s (%s), halving to %s", start, end, exc, span)
                continue
            logs.extend(_log(entry) for entry in raw or [])
            start = end + 1
        return logs

    def logs_and_tip(
        self, *, topics: Sequence[Any], from_block: int, to_block: int, max_range: int = 2000
    ) -> tuple[list[LogReceipt], int]:
        """Logs of every address from from_block to to_block and the suggested priority fee:
        one HTTP request when the range fits in one `eth_getLogs` (the steady state, a block
        or two), else the tip's read and `get_logs` in ranges."""
        span = to_block - from_block + 1
        params = {"fromBlock": hex(from_block), "toBlock": hex(to_block), "topics": list(topics)}
        if span <= max(1, max_range):
            responses = self._batch(
                "eth_getLogs and tip (batch)",
                [
                    (RPCEndpoint("eth_getLogs"), [params]),
                    (RPCEndpoint("eth_maxPriorityFeePerGas"), []),
                ],
            )
            if not responses[0].get("error"):
                return [_log(entry) for entry in responses[0].get("result") or []], _tip(
                    responses[1]
                )
            max_range = max(1, span // 2)  # refused even this range: the ranged reader halves it
        logs = self.get_logs(
            address=None,
            topics=topics,
            from_block=from_block,
            to_block=to_block,
            max_range=max_range,
        )
        return logs, self.max_priority_fee()

    def contract(self, address: str, abi: list[dict[str, Any]]) -> Any:
        return self.w3.eth.contract(address=to_checksum_address(address), abi=abi)
