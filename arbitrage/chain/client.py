"""The one JSON-RPC client: JSON-RPC over keep-alive HTTP with timeouts, batches and clear
errors, behind the resilience policy of resilience.py (retries of reads with backoff, a
circuit breaker per endpoint, failover across a chain's RPC URLs, sends looked up before any
second send, the lag of an endpoint's head measured).

Every call to a node goes through `ChainClient`; a failure becomes `ChainRpcError`
naming the method (`transient` when the node did not answer), so callers handle one error type.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar, cast

import requests
from eth_typing import HexStr
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from web3 import HTTPProvider, Web3
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3Exception, Web3RPCError
from web3.types import LogReceipt, TxReceipt

from arbitrage.chain.resilience import (
    EndpointHealth,
    RpcPolicy,
    RpcStats,
    TransientRpcError,
    is_range_refusal,
    is_revert,
    is_transient_answer,
    lag_refusal,
    safe_url,
    scrub,
)
from arbitrage.errors import ArbitrageError, ArbitrageErrorCode

logger = logging.getLogger(__name__)


class ChainRpcError(ArbitrageError):
    """A call that failed. `transient`: the node did not answer (transport, timeout, HTTP
    5xx/429, invalid JSON, rate limit) even after the policy's retries, so nothing is known
    of the result; otherwise the node answered with this error."""

    def __init__(self, method: str, error: object, *, transient: bool = False) -> None:
        super().__init__(
            ArbitrageErrorCode.RPC_ERROR,
            f"RPC {method} failed: {error}",
            {"method": method},
        )
        self.method = method
        self.transient = transient
        self.error = error


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
        if is_revert(error):
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


_T = TypeVar("_T")
_HEADERS = {"Content-Type": "application/json"}
# Send answers that mean our exact bytes are already with the node.
_ALREADY_KNOWN = ("already known", "already imported", "known transaction")


class _BatchRefusedError(Exception):
    """The node answered a batch with one error (batches unsupported, too large): an answer."""

    def __init__(self, error: object) -> None:
        super().__init__(str(error))
        self.error = error


class _Endpoint:
    """One RPC endpoint: its keep-alive session, a web3 object for the calls that use web3's
    formatters, and its health (circuit, last head)."""

    def __init__(self, url: str, timeout: float, policy: RpcPolicy) -> None:
        self.url = url
        self.session = _session()
        self.provider = Web3.HTTPProvider(
            url, request_kwargs={"timeout": timeout}, session=self.session
        )
        self.w3 = Web3(self.provider)
        self.health = EndpointHealth(url, policy)
        self.safe_url = safe_url(url)
        # Whether it serves the client's chain (None: not asked yet; True until one is set).
        self.chain_ok: bool | None = True

    def __repr__(self) -> str:
        return f"<endpoint {self.safe_url} {self.health.state}>"


def _w3_attempt(call: Callable[[Web3], _T], method: str) -> Callable[[_Endpoint], _T]:
    """An attempt through web3's own request path, its failures sorted like _post's."""

    def attempt(endpoint: _Endpoint) -> _T:
        try:
            return call(endpoint.w3)
        except Web3RPCError as exc:
            if is_transient_answer(exc.rpc_response.get("error") if exc.rpc_response else exc):
                raise TransientRpcError(f"{method}: {exc}") from exc
            raise
        except (requests.RequestException, OSError) as exc:
            message = scrub(str(exc), endpoint.url)
            raise TransientRpcError(f"{type(exc).__name__}: {message}") from exc
        except ValueError as exc:
            if isinstance(exc, Web3Exception):
                raise
            raise TransientRpcError(f"invalid answer: {exc}") from exc

    return attempt


class ChainClient:
    """A chain's JSON-RPC endpoints behind one resilience policy (see resilience.py): a call
    goes to the first endpoint whose circuit is closed (and whose head does not lag), a read
    that fails for a transient reason is retried with backoff, moving on to the next endpoint.
    In the healthy case a call is one HTTP request, with no more than a few attribute checks
    around it."""

    def __init__(
        self,
        url: str | Sequence[str],
        *,
        timeout: float = 10.0,
        policy: RpcPolicy | None = None,
    ) -> None:
        urls = [url] if isinstance(url, str) else [u for u in url if u]
        if not urls:
            raise ValueError("a chain client needs at least one RPC endpoint")
        self.timeout = timeout
        self.policy = policy or RpcPolicy()
        self.endpoints = [_Endpoint(u, timeout, self.policy) for u in urls]
        self._current = self.endpoints[0]
        self.stats = RpcStats()
        self._ids = itertools.count(1)
        self._probed_at = 0.0
        self._probing = threading.Lock()
        self._lag_limit: int | None = None
        self._expected_chain: int | None = None
        self._attempts = self.policy.attempts + len(self.endpoints) - 1
        self._wait = self.policy.wait()

    # -- endpoints ------------------------------------------------------------------------
    @property
    def expected_chain(self) -> int | None:
        """The chain id every endpoint was checked against (None: not checked)."""
        return self._expected_chain

    @property
    def url(self) -> str:
        """The endpoint in use (the last that answered, or the first to try)."""
        return self._current.url

    @property
    def provider(self) -> HTTPProvider:
        return self._current.provider

    @property
    def w3(self) -> Web3:
        return self._current.w3

    def _pick(self, avoid: Sequence[_Endpoint] = ()) -> _Endpoint | None:
        """The first endpoint whose circuit lets a call through, preferring those not in
        `avoid` (failed already in this call) and those whose head does not lag."""
        now = time.monotonic()
        fallback = None
        for endpoint in self.endpoints:
            if not endpoint.health.usable(now):
                continue
            if endpoint.chain_ok is not True and not self._checked(endpoint):
                continue
            if endpoint in avoid or endpoint.health.lagging_until > now:
                fallback = fallback or endpoint
                continue
            return endpoint
        return fallback

    def _checked(self, endpoint: _Endpoint) -> bool:
        """An endpoint not checked against the chain yet (it did not answer then): checked
        now; one serving another chain is never used."""
        if endpoint.chain_ok is False:
            return False
        try:
            return self._verified(endpoint)
        except ChainMismatchError:
            return False

    def _read(self, label: str, attempt: Callable[[_Endpoint], _T]) -> _T:
        """`attempt` on an endpoint, retried on a transient failure (idempotent reads only)."""
        endpoint = self._pick()
        if endpoint is not None:
            try:
                result = attempt(endpoint)
            except TransientRpcError as exc:
                endpoint.health.failed(exc)
                return self._retry(label, attempt, endpoint)
            endpoint.health.succeeded()
            self._current = endpoint
            return result
        return self._retry(label, attempt, None)

    def _retry(
        self, label: str, attempt: Callable[[_Endpoint], _T], failed: _Endpoint | None
    ) -> _T:
        tried: list[_Endpoint] = [failed] if failed is not None else []
        wait = self._wait

        def pause(state: RetryCallState) -> float:
            # No pause before the first try of another endpoint; backoff on the same one.
            following = self._pick(tried)
            return 0.0 if following is not None and following not in tried else wait(state)

        try:
            for trial in Retrying(
                stop=stop_after_attempt(self._attempts - (1 if failed else 0)),
                wait=pause,
                retry=retry_if_exception_type(TransientRpcError),
                reraise=True,
            ):
                with trial:
                    endpoint = self._pick(tried)
                    if endpoint is None:
                        raise ChainRpcError(
                            label,
                            "no endpoint to call (circuits open, or unreachable)",
                            transient=True,
                        )
                    if tried:
                        self.stats.retries += 1
                        if endpoint is not tried[-1]:
                            self.stats.failovers += 1
                            logger.warning("RPC %s: failing over to %s", label, endpoint.safe_url)
                    tried.append(endpoint)
                    try:
                        result = attempt(endpoint)
                    except TransientRpcError as exc:
                        endpoint.health.failed(exc)
                        raise
                    endpoint.health.succeeded()
                    self._current = endpoint
                    return result
        except TransientRpcError as exc:
            raise ChainRpcError(label, exc, transient=True) from exc
        raise AssertionError("unreachable")  # pragma: no cover - Retrying re-raises

    def _post(self, endpoint: _Endpoint, payload: Any) -> Any:
        """One HTTP request: the decoded JSON body; TransientRpcError when the transport, the
        HTTP status or the body says the node did not answer."""
        try:
            response = endpoint.session.post(
                endpoint.url, data=json.dumps(payload), headers=_HEADERS, timeout=self.timeout
            )
        except (requests.RequestException, OSError) as exc:
            message = scrub(str(exc), endpoint.url)
            raise TransientRpcError(f"{type(exc).__name__}: {message}") from exc
        if response.status_code != HTTPStatus.OK:
            raise TransientRpcError(f"HTTP {response.status_code}")
        try:
            return json.loads(response.content)
        except ValueError as exc:
            raise TransientRpcError(f"invalid JSON ({len(response.content)} bytes)") from exc

    def _answer(self, endpoint: _Endpoint, method: str, params: Sequence[Any]) -> Any:
        """One JSON-RPC call's response object (an error answer included); a rate limit or an
        overload is transient."""
        response = self._post(
            endpoint, {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        )
        if not isinstance(response, dict):
            raise TransientRpcError(f"not a JSON-RPC response: {str(response)[:80]}")
        error = response.get("error")
        if error and is_transient_answer(error):
            raise TransientRpcError(f"{method}: {error}")
        return response

    def _batch_answers(
        self, endpoint: _Endpoint, calls: Sequence[tuple[str, list[Any]]], *, strict: bool = True
    ) -> list[Any]:
        """Several JSON-RPC calls in one HTTP request: their responses in order (error answers
        in place, each call's to judge). `strict`: a call answered with a rate limit makes the
        whole request transient (retried as one); otherwise the caller sorts them out."""
        first = next(self._ids)
        for _ in range(len(calls) - 1):
            next(self._ids)
        payload = [
            {"jsonrpc": "2.0", "id": first + i, "method": method, "params": params}
            for i, (method, params) in enumerate(calls)
        ]
        responses = self._post(endpoint, payload)
        if isinstance(responses, dict):
            error = responses.get("error", responses)
            if is_transient_answer(error):
                raise TransientRpcError(str(error))
            raise _BatchRefusedError(error)
        if not isinstance(responses, list) or len(responses) != len(calls):
            raise TransientRpcError("a batch answered in part")
        by_id = {r.get("id"): r for r in responses if isinstance(r, dict)}
        try:
            ordered = [by_id[first + i] for i in range(len(calls))]
        except KeyError as exc:
            raise TransientRpcError("a batch answered in part") from exc
        if strict:
            for (method, _), response in zip(calls, ordered, strict=True):
                error = response.get("error")
                if error and is_transient_answer(error):
                    raise TransientRpcError(f"{method} (in a batch): {error}")
        return ordered

    def _request(self, method: str, params: Sequence[Any]) -> Any:
        response = self._read(method, lambda e: self._answer(e, method, list(params)))
        if response.get("error"):
            raise ChainRpcError(method, response["error"])
        return response.get("result")

    def chain_id(self) -> int:
        return int(self._request("eth_chainId", []), 16)

    def check_chain_id(self, expected: int) -> None:
        """Every endpoint must serve chain `expected`: those that answer now are checked (a
        mismatch raises), one that does not is checked before its first use."""
        self._expected_chain = expected
        for endpoint in self.endpoints:
            endpoint.chain_ok = None
            self._verified(endpoint)
        actual = self.chain_id()
        if actual != expected:
            raise ChainMismatchError(expected, actual)

    def _verified(self, endpoint: _Endpoint) -> bool:
        """Whether the endpoint serves the expected chain (asked once; a mismatch raises)."""
        if endpoint.chain_ok is None:
            try:
                response = self._answer(endpoint, "eth_chainId", [])
            except TransientRpcError as exc:
                endpoint.health.failed(exc)
                return False
            actual = int(response.get("result") or "0x0", 16)
            endpoint.chain_ok = actual == self._expected_chain
            if not endpoint.chain_ok:
                logger.error("endpoint %s serves chain %s: never used", endpoint.safe_url, actual)
                raise ChainMismatchError(self._expected_chain or 0, actual)
        return endpoint.chain_ok

    def block_number(self) -> int:
        def attempt(endpoint: _Endpoint) -> int:
            response = self._answer(endpoint, "eth_blockNumber", [])
            if response.get("error"):
                raise ChainRpcError("eth_blockNumber", response["error"])
            number = int(response["result"], 16)
            endpoint.health.note_head(number)
            return number

        return self._read("eth_blockNumber", attempt)

    def block(self, number: int | str = "latest") -> BlockHeader:
        tag = hex(number) if isinstance(number, int) else number

        def attempt(endpoint: _Endpoint) -> Any:
            response = self._answer(endpoint, "eth_getBlockByNumber", [tag, False])
            if tag == "latest" and response.get("result"):
                endpoint.health.note_head(int(response["result"]["number"], 16))
            return response

        response = self._read("eth_getBlockByNumber", attempt)
        if response.get("error"):
            raise ChainRpcError("eth_getBlockByNumber", response["error"])
        raw = response.get("result")
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
        except ChainRpcError as exc:
            if exc.transient:
                raise
            return DEFAULT_TIP

    # -- sends ----------------------------------------------------------------------------
    def send_raw_transaction(self, raw: bytes | str) -> str:
        """Send signed bytes; never retried blindly. When the send's answer is lost (a
        timeout, a transport error) the transaction is looked up by its hash first: known, it
        was sent; unknown, the same bytes (same hash: harmless) go once more, to the next
        endpoint. An answer that our bytes are already known counts as sent; any other
        JSON-RPC rejection (insufficient funds, underpriced) is raised."""
        data = bytes(HexBytes(raw))
        tx_hash = "0x" + keccak(data).hex()
        endpoint = self._pick()
        if endpoint is None:
            raise ChainRpcError(
                "eth_sendRawTransaction", "no endpoint to call (circuits open, or unreachable)"
            )
        try:
            return self._send_once(endpoint, data, tx_hash)
        except TransientRpcError as exc:
            endpoint.health.failed(exc)
            lost = exc
        self.stats.send_lookups += 1
        if self._known(tx_hash):
            logger.warning("send of %s lost its answer (%s); the node has it", tx_hash, lost)
            return tx_hash
        following = self._pick([endpoint]) or endpoint
        self.stats.resends += 1
        logger.warning(
            "send of %s lost (%s); sending the same bytes to %s", tx_hash, lost, following.safe_url
        )
        try:
            return self._send_once(following, data, tx_hash)
        except TransientRpcError as exc:
            following.health.failed(exc)
            if self._known(tx_hash):
                return tx_hash
            raise ChainRpcError("eth_sendRawTransaction", exc, transient=True) from exc

    def _send_once(self, endpoint: _Endpoint, data: bytes, tx_hash: str) -> str:
        response = self._answer(endpoint, "eth_sendRawTransaction", [_hex(data)])
        endpoint.health.succeeded()
        self._current = endpoint
        error = response.get("error")
        if not error:
            return str(response.get("result") or tx_hash)
        text = str(error).lower()
        if any(words in text for words in _ALREADY_KNOWN):
            return tx_hash
        if "nonce too low" in text and self._known(tx_hash):
            return tx_hash
        raise ChainRpcError("eth_sendRawTransaction", error)

    def _known(self, tx_hash: str) -> bool:
        """Whether any endpoint knows this transaction (mined or in its pool)."""
        try:
            return self.transaction(tx_hash) is not None
        except ChainRpcError:
            return False

    # -- reads ----------------------------------------------------------------------------
    def receipt(self, tx_hash: str) -> TxReceipt | None:
        def get(w3: Web3) -> TxReceipt | None:
            try:
                return w3.eth.get_transaction_receipt(HexStr(tx_hash))
            except TransactionNotFound:
                return None

        try:
            return self._read("eth_getTransactionReceipt", _w3_attempt(get, "receipt"))
        except Web3Exception as exc:
            if "not found" in str(exc).lower():
                return None
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
        return _call_result(self._read("eth_call", lambda e: self._answer(e, "eth_call", params)))

    def estimate_gas(self, tx: dict[str, Any]) -> int:
        try:
            return self._read(
                "eth_estimateGas",
                _w3_attempt(lambda w3: int(w3.eth.estimate_gas(cast(Any, tx))), "estimate_gas"),
            )
        except ContractLogicError as exc:
            raise CallRevertedError(str(exc), getattr(exc, "data", None)) from exc
        except (Web3Exception, ValueError) as exc:
            raise ChainRpcError("eth_estimateGas", exc) from exc

    # -- batches --------------------------------------------------------------------------
    def _batch(
        self,
        label: str,
        calls: Sequence[tuple[str, list[Any]]],
        note: Callable[[_Endpoint, list[Any]], None] | None = None,
        *,
        strict: bool = True,
    ) -> list[Any]:
        """Several JSON-RPC calls in one HTTP request; the responses in order. `strict`: the
        request is retried whole when one of its calls is rate-limited."""

        def attempt(endpoint: _Endpoint) -> list[Any]:
            responses = self._batch_answers(endpoint, calls, strict=strict)
            if note is not None:
                note(endpoint, responses)
            return responses

        try:
            return self._read(label, attempt)
        except _BatchRefusedError as exc:
            raise ChainRpcError(label, exc.error) from exc

    def call_batch(
        self, calls: Sequence[tuple[str, bytes]], block: int | str = "latest"
    ) -> list[bytes | None]:
        """Many eth_calls in one HTTP request; a reverted call gives None in its place. A call
        that failed otherwise (a rate limit) is retried; one that still fails raises a
        transient ChainRpcError: its result is unknown, not None (see call_batch_partial)."""
        results, unknown = self.call_batch_partial(calls, block)
        if unknown:
            raise ChainRpcError(
                "eth_call (batch)",
                f"{len(unknown)} of {len(calls)} calls unanswered",
                transient=True,
            )
        return results

    def call_batch_partial(
        self, calls: Sequence[tuple[str, bytes]], block: int | str = "latest"
    ) -> tuple[list[bytes | None], set[int]]:
        """Many eth_calls in one HTTP request: the results (None: the call reverted, or is
        unknown) and the indices of the calls whose result is unknown (they failed for another
        reason than a revert, in the first request and in the retries of the failed ones)."""
        if not calls:
            return [], set()
        tag = hex(block) if isinstance(block, int) else block
        requests_made = [("eth_call", [{"to": to, "data": _hex(data)}, tag]) for to, data in calls]
        results: list[bytes | None] = [None] * len(calls)
        pending = list(range(len(calls)))
        wait = self._wait
        for round_ in range(self.policy.attempts):
            if round_:
                self.stats.batch_retries += 1
                time.sleep(wait(_retry_state(round_)))
            responses = self._batch(
                "eth_call (batch)", [requests_made[i] for i in pending], strict=False
            )
            failed = []
            for index, response in zip(pending, responses, strict=True):
                error = response.get("error")
                if not error:
                    results[index] = bytes(HexBytes(response["result"]))
                elif not is_revert(error):
                    failed.append(index)
            pending = failed
            if not pending:
                break
        self.stats.unknown_results += len(pending)
        return results, set(pending)

    def head_tip_and_nonce(
        self, address: str | None, call: dict[str, Any] | None = None
    ) -> ExecutionReads:
        """The head's header, the suggested priority fee, `address`'s pending transaction count
        and (with `call`) an eth_call at the latest block, in one HTTP request: what an
        execution reads from the node before signing. A reverted call is reported in the
        result, not raised."""
        reads: list[tuple[str, list[Any]]] = [
            ("eth_getBlockByNumber", ["latest", False]),
            ("eth_maxPriorityFeePerGas", []),
        ]
        if address is not None:
            reads.append(("eth_getTransactionCount", [address, "pending"]))
        if call is not None:
            reads.append(("eth_call", [call, "latest"]))
        responses = self._batch("head, tip, nonce and call (batch)", reads, _note_latest)
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
        reads = [("eth_getBlockByNumber", [tag, False]) for tag in tags]
        responses = self._batch(
            "eth_getBlockByNumber (batch)", reads, _note_latest if latest else None
        )
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
        """Logs from from_block to to_block inclusive, in ranges. A range the node refuses as
        too large (a JSON-RPC answer saying so) is halved; a timeout or a transport error is
        no refusal: the policy retries it, then it is raised."""
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
                if exc.transient or end == start or not is_range_refusal(exc.error):
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
                [("eth_getLogs", [params]), ("eth_maxPriorityFeePerGas", [])],
            )
            error = responses[0].get("error")
            if not error:
                return [_log(entry) for entry in responses[0].get("result") or []], _tip(
                    responses[1]
                )
            if is_range_refusal(error):
                max_range = max(1, span // 2)  # refused even this range: halved by the reader
            # Any other error: the ranged reader asks again, through the policy.
        logs = self.get_logs(
            address=None,
            topics=topics,
            from_block=from_block,
            to_block=to_block,
            max_range=max_range,
        )
        return logs, self.max_priority_fee()

    # -- head lag -------------------------------------------------------------------------
    def head_lag(self, head_number: int, *, limit: int | None = None) -> int | None:
        """How many blocks `head_number` (a head just read from this client) is behind the
        best head seen recently from any of the chain's endpoints; None with one endpoint.
        Cheap: the heads are those the client read anyway, and the other endpoints are probed
        on a background thread at most every `probe_every` seconds. With `limit`, the
        endpoints serving that head are passed over while they lag by more than it."""
        if len(self.endpoints) < 2:
            return None
        now = time.monotonic()
        if now - self._probed_at >= self.policy.probe_every:
            self.probe_soon()
        recent = [
            e.health.head
            for e in self.endpoints
            if e.health.head >= 0 and now - e.health.head_at <= self.policy.head_memory
        ]
        best = max([*recent, head_number])
        lag = best - head_number
        if limit is not None:
            self._lag_limit = limit
            if lag > limit:
                for endpoint in self.endpoints:
                    if endpoint.health.head == head_number:
                        endpoint.health.lagging_until = now + self.policy.breaker_reset
                        logger.warning(
                            "endpoint %s lags %s blocks behind %s: passed over",
                            endpoint.safe_url,
                            lag,
                            best,
                        )
        return lag

    def lag_refusal(self, head_number: int, max_lag: int) -> str | None:
        """Why no trade may be signed on `head_number` (just read from this client) when its
        endpoint lags the best head seen among the chain's endpoints by more than `max_lag`
        blocks, or None. The lagging endpoint is passed over from now on, while it lags."""
        return lag_refusal(
            head=head_number, lag=self.head_lag(head_number, limit=max_lag), max_lag=max_lag
        )

    def probe_soon(self) -> None:
        """Probe every endpoint's head on a background thread (when there are several)."""
        if len(self.endpoints) > 1:
            self._probed_at = time.monotonic()
            threading.Thread(
                target=self.probe_heads, kwargs={"wait": False}, daemon=True, name="rpc-probe"
            ).start()

    def probe_heads(self, *, wait: bool = True) -> dict[str, int]:
        """Every endpoint's head (one try each, its circuit respected): the heads by URL.
        Without `wait`, nothing when another probe is under way."""
        if not self._probing.acquire(blocking=wait):
            return {}
        try:
            heads: dict[str, int] = {}
            now = time.monotonic()
            for endpoint in self.endpoints:
                if not endpoint.health.usable(now):
                    continue
                try:
                    response = self._answer(endpoint, "eth_blockNumber", [])
                except TransientRpcError as exc:
                    endpoint.health.failed(exc)
                    continue
                if response.get("result"):
                    endpoint.health.succeeded()
                    endpoint.health.note_head(int(response["result"], 16))
                    heads[endpoint.url] = endpoint.health.head
            if heads and self._lag_limit is not None:
                best = max(heads.values())
                for endpoint in self.endpoints:
                    if endpoint.url in heads and best - heads[endpoint.url] <= self._lag_limit:
                        endpoint.health.lagging_until = 0.0  # caught up
            return heads
        finally:
            self._probing.release()

    def contract(self, address: str, abi: list[dict[str, Any]]) -> Any:
        return self.w3.eth.contract(address=to_checksum_address(address), abi=abi)


def _note_latest(endpoint: _Endpoint, responses: list[Any]) -> None:
    """Record the head a batch led with (eth_getBlockByNumber("latest") first)."""
    raw = responses[0].get("result") if responses else None
    if raw:
        endpoint.health.note_head(int(raw["number"], 16))


def _retry_state(attempt_number: int) -> RetryCallState:
    """A tenacity retry state at this attempt, for the policy's wait outside a Retrying."""
    state = RetryCallState(retry_object=Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt_number
    return state
