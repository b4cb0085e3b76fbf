"""Compliance errors: a stable code, a message for people (never personal data), detail."""

from __future__ import annotations

from enum import StrEnum

from core.errors import DomainError


class ComplianceErrorCode(StrEnum):
    INVALID = "invalid"
    INVALID_TRANSITION = "invalid_transition"
    FOUR_EYES = "four_eyes"
    REASON_REQUIRED = "reason_required"
    OPEN_HITS = "open_hits"
    DOCUMENT_REFUSED = "document_refused"
    NOT_EDITABLE = "not_editable"
    ALREADY_RESOLVED = "already_resolved"
    PAYOUT_REFUSED = "payout_refused"
    INVALID_STATE = "invalid_state"


_STATUS = {
    ComplianceErrorCode.INVALID: 400,
    ComplianceErrorCode.INVALID_TRANSITION: 409,
    ComplianceErrorCode.FOUR_EYES: 403,
    ComplianceErrorCode.REASON_REQUIRED: 400,
    ComplianceErrorCode.OPEN_HITS: 409,
    ComplianceErrorCode.DOCUMENT_REFUSED: 400,
    ComplianceErrorCode.NOT_EDITABLE: 409,
    ComplianceErrorCode.ALREADY_RESOLVED: 409,
    ComplianceErrorCode.PAYOUT_REFUSED: 403,
    ComplianceErrorCode.INVALID_STATE: 409,
}


class ComplianceError(DomainError):
    code: ComplianceErrorCode

    @property
    def http_status(self) -> int:
        return _STATUS.get(ComplianceErrorCode(self.code), 400)
