"""The arbitrage domain's errors: a stable code, a message for people, and detail for programs.

The API turns every one into `{code, message, detail}` with the HTTP status given here.
"""

from __future__ import annotations

from enum import StrEnum

from core.errors import DomainError


class ArbitrageErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    INVALID_STATE = "invalid_state"
    EXECUTION_PAUSED = "execution_paused"
    RISK_LIMIT = "risk_limit"
    SIMULATION_FAILED = "simulation_failed"
    CHAIN_MISMATCH = "chain_mismatch"
    RPC_ERROR = "rpc_error"
    COMPLIANCE_BLOCKED = "compliance_blocked"
    # An edit made from a version that is no longer current (optimistic locking).
    CONFLICT = "conflict"
    VERSION_REQUIRED = "version_required"


_STATUS = {
    ArbitrageErrorCode.NOT_FOUND: 404,
    ArbitrageErrorCode.INVALID_STATE: 409,
    ArbitrageErrorCode.EXECUTION_PAUSED: 409,
    ArbitrageErrorCode.RISK_LIMIT: 422,
    ArbitrageErrorCode.SIMULATION_FAILED: 422,
    ArbitrageErrorCode.CHAIN_MISMATCH: 502,
    ArbitrageErrorCode.RPC_ERROR: 502,
    ArbitrageErrorCode.COMPLIANCE_BLOCKED: 403,
    ArbitrageErrorCode.CONFLICT: 409,
    ArbitrageErrorCode.VERSION_REQUIRED: 428,
}


class ArbitrageError(DomainError):
    code: ArbitrageErrorCode

    def __init__(
        self, code: ArbitrageErrorCode, message: str, detail: dict[str, object] | None = None
    ) -> None:
        super().__init__(code, message, detail)

    @property
    def http_status(self) -> int:
        return _STATUS[self.code]
