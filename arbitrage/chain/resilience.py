"""The one resilience policy of calls to a node: what is retried, how often, how long to wait,
when an endpoint's circuit opens and when it is tried again.

- Idempotent reads are retried with exponential backoff and jitter (tenacity) on a transient
  failure only: a transport error or timeout, HTTP 5xx or 429, a truncated or invalid JSON
  body, or a JSON-RPC error that says "busy" (a rate limit). A JSON-RPC error that is an
  answer (a revert, invalid params, a refused log range) is not retried.
- Each endpoint has a circuit breaker (pybreaker): it opens after `breaker_failures`
  consecutive transient failures; after `breaker_reset` seconds one call is let through
  (half-open), which closes it on success or opens it again on failure.
- Sends are never retried here (see `ChainClient.send_raw_transaction`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pybreaker
from tenacity import RetryCallState, Retrying, wait_exponential_jitter

# Words of a JSON-RPC error that mean "not now" rather than "no": rate limits and overloads.
_TRANSIENT_WORDS = (
    "rate limit",
    "too many requests",
    "capacity",
    "timeout",
    "timed out",
    "temporarily",
    "unavailable",
    "busy",
    "try again",
    "overloaded",
)
# Words of a JSON-RPC eth_getLogs error that mean "the range or its result is too large".
_RANGE_WORDS = (
    "range",
    "too many",
    "too large",
    "exceed",
    "limit",
    "response size",
    "results",
)
# JSON-RPC codes of a rate limit (non-standard but common: 429 as a code, -32005 "limit
# exceeded" when it names no range).
_RATE_LIMIT_CODE = 429


class TransientRpcError(Exception):
    """One attempt failed for a reason another attempt (or another endpoint) may not have."""


def _error_text(error: object) -> str:
    if isinstance(error, dict):
        return str(error.get("message", error)).lower()
    return str(error).lower()


def _error_code(error: object) -> object:
    return error.get("code") if isinstance(error, dict) else None


def is_revert(error: object) -> bool:
    """Whether a JSON-RPC error of an eth_call is the contract's own revert (evidence)."""
    data = error.get("data") if isinstance(error, dict) else None
    return "revert" in _error_text(error) or bool(data) or _error_code(error) == 3


def is_transient_answer(error: object) -> bool:
    """Whether a JSON-RPC error answer says "not now" (a rate limit, an overload)."""
    if _error_code(error) == _RATE_LIMIT_CODE:
        return True
    text = _error_text(error)
    return any(word in text for word in _TRANSIENT_WORDS)


def is_range_refusal(error: object) -> bool:
    """Whether an eth_getLogs JSON-RPC error refuses the range or the size of its result
    (the caller halves the range); a timeout or transport error is not one."""
    if is_transient_answer(error):
        return False
    text = _error_text(error)
    return _error_code(error) == -32005 or any(word in text for word in _RANGE_WORDS)


@dataclass(frozen=True)
class RpcPolicy:
    attempts: int = 3
    backoff: float = 0.05
    backoff_max: float = 0.5
    breaker_failures: int = 5
    breaker_reset: float = 10.0
    # How often (seconds) the other endpoints' heads are probed to measure a lag.
    probe_every: float = 5.0
    # A head seen longer ago than this no longer counts as "the best head seen recently".
    head_memory: float = 30.0

    def wait(self) -> Callable[[RetryCallState], float]:
        return wait_exponential_jitter(
            multiplier=self.backoff, max=self.backoff_max, exp_base=2, jitter=self.backoff
        )


def policy_from_settings() -> RpcPolicy:
    from django.conf import settings

    return RpcPolicy(
        attempts=settings.ARBX_RPC_ATTEMPTS,
        backoff=settings.ARBX_RPC_BACKOFF,
        backoff_max=settings.ARBX_RPC_BACKOFF_MAX,
        breaker_failures=settings.ARBX_RPC_BREAKER_FAILURES,
        breaker_reset=settings.ARBX_RPC_BREAKER_RESET,
        probe_every=settings.ARBX_RPC_PROBE_SECONDS,
    )


def _noop() -> None:
    return None


def _fail(exc: BaseException) -> None:
    raise exc


@dataclass
class EndpointHealth:
    """An endpoint's circuit and the last head it served. The breaker is pybreaker's state
    machine, told the outcome of each call after it: its `call` holds a lock for the whole
    guarded call, which would serialise concurrent requests to one node."""

    url: str
    policy: RpcPolicy
    breaker: pybreaker.CircuitBreaker = field(init=False)
    retry_at: float = 0.0  # when an open circuit lets a trial call through (monotonic)
    head: int = -1
    head_at: float = 0.0
    lagging_until: float = 0.0
    failures: int = 0
    opened: int = 0

    def __post_init__(self) -> None:
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=self.policy.breaker_failures,
            reset_timeout=self.policy.breaker_reset,
            name=safe_url(self.url),
        )

    @property
    def state(self) -> str:
        return str(self.breaker.current_state)

    def usable(self, now: float) -> bool:
        """Closed, or open long enough that one trial call is due (half-open)."""
        return self.breaker.current_state == pybreaker.STATE_CLOSED or now >= self.retry_at

    def succeeded(self) -> None:
        if self.breaker.fail_counter or self.breaker.current_state != pybreaker.STATE_CLOSED:
            self.breaker.call(_noop)  # resets the count; a due trial closes the circuit

    def failed(self, exc: BaseException) -> None:
        self.failures += 1
        try:
            self.breaker.call(_fail, exc)
        except pybreaker.CircuitBreakerError:
            pass
        except Exception:  # noqa: S110 - the failure being recorded, re-raised by the caller
            pass
        if self.breaker.current_state == pybreaker.STATE_OPEN:
            if time.monotonic() >= self.retry_at:
                self.opened += 1
            self.retry_at = time.monotonic() + self.policy.breaker_reset

    def note_head(self, number: int) -> None:
        self.head, self.head_at = number, time.monotonic()


def lag_refusal(*, head: int, lag: int | None, max_lag: int) -> str | None:
    """Why a trade must not be signed on a node whose head `head` lags the best head seen
    among the chain's endpoints by `lag` blocks (more than `max_lag`), or None."""
    if lag is not None and lag > max_lag:
        return (
            f"lagging node: its head {head} is {lag} blocks behind the best head seen"
            f" ({head + lag}) among the chain's endpoints (limit {max_lag})"
        )
    return None


@dataclass
class RpcStats:
    """What the policy did, for the fault tests and the logs."""

    retries: int = 0
    failovers: int = 0
    send_lookups: int = 0
    resends: int = 0
    batch_retries: int = 0
    unknown_results: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class ReconnectBackoff:
    """How long to wait before the next connection attempt (the watcher's WebSocket):
    exponential with jitter, capped at `cap`, back to `first` once a connection has lasted
    `healthy` seconds."""

    def __init__(self, *, first: float = 0.5, cap: float = 10.0, healthy: float = 30.0) -> None:
        self.first, self.cap, self.healthy = first, cap, healthy
        self.failures = 0
        self._wait = wait_exponential_jitter(multiplier=first, max=cap, exp_base=2, jitter=first)

    def next(self, lasted: float) -> float:
        """The pause after a connection that ended after `lasted` seconds."""
        if lasted >= self.healthy:
            self.failures = 0
        self.failures += 1
        state = RetryCallState(retry_object=Retrying(), fn=None, args=(), kwargs={})
        state.attempt_number = self.failures
        return float(self._wait(state))


def safe_url(url: str) -> str:
    """An endpoint's URL fit for logs and errors: scheme, host and port only (a hosted node's
    path or query often holds its API key)."""
    parsed = urlsplit(url)
    host = parsed.hostname or ""
    port = f":{parsed.port}" if parsed.port else ""
    hidden = "/…" if parsed.path.strip("/") or parsed.query else ""
    return f"{parsed.scheme}://{host}{port}{hidden}"


def scrub(text: str, url: str) -> str:
    """`text` (an exception's message) with the URL's secret parts left out."""
    parsed = urlsplit(url)
    text = text.replace(url, safe_url(url))
    if parsed.path.strip("/"):
        text = text.replace(parsed.path, "/…")
    if parsed.query:
        text = text.replace(parsed.query, "…")
    if parsed.password:
        text = text.replace(parsed.password, "…")
    return text
