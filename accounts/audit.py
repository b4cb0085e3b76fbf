"""The audit log: one function writes a row, one walks the chain.

Call ``audit_record`` inside the transaction of the change it records (services are
``@transaction.atomic``; the row commits or rolls back with the change). Appends are
serialized with a PostgreSQL advisory lock held until the transaction ends, so two
writers never read the same last row and the chain never forks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AuditEvent
from core.fields import AmountField
from core.logging import request_id_var

GENESIS_HASH = "0" * 64
# pg_advisory_xact_lock key: "AUDT" in ASCII.
_LOCK_KEY = 0x41554454

# The client's IP for the current request (set by accounts.middleware.AuditContextMiddleware),
# so services called from a view need not carry the request to record where it came from.
client_ip_var: ContextVar[str | None] = ContextVar("client_ip", default=None)


class AuditCategory(StrEnum):
    AUTH = "auth"
    USERS = "users"
    CONFIG = "config"
    MARKET = "market"
    EXECUTION = "execution"
    COMPLIANCE = "compliance"


class AuditAction(StrEnum):
    """Every kind of audit row: ``<category>.<what happened>``. Add members here, never
    free-form strings, so the log stays filterable."""

    AUTH_LOGIN_SUCCEEDED = "auth.login_succeeded"
    AUTH_LOGIN_FAILED = "auth.login_failed"
    AUTH_LOCKED_OUT = "auth.locked_out"
    AUTH_LOCKOUT_RESET = "auth.lockout_reset"
    AUTH_LOGOUT = "auth.logout"

    USERS_CREATED = "users.created"
    USERS_UPDATED = "users.updated"
    USERS_DELETED = "users.deleted"
    USERS_ROLES_CHANGED = "users.roles_changed"

    CONFIG_CREATED = "config.created"
    CONFIG_UPDATED = "config.updated"
    CONFIG_DELETED = "config.deleted"
    CONFIG_EXECUTION_PAUSED = "config.execution_paused"
    CONFIG_EXECUTION_RESUMED = "config.execution_resumed"
    CONFIG_SCANNING_CHANGED = "config.scanning_changed"

    MARKET_CREATED = "market.created"
    MARKET_UPDATED = "market.updated"
    MARKET_DELETED = "market.deleted"

    EXECUTION_TRADE_APPROVED = "execution.trade_approved"
    EXECUTION_TRADE_EXECUTE_REQUESTED = "execution.trade_execute_requested"
    EXECUTION_TRADE_QUEUE_FAILED = "execution.trade_queue_failed"
    EXECUTION_TRADE_CANCELLED = "execution.trade_cancelled"
    EXECUTION_UPDATED = "execution.updated"
    EXECUTION_TRADE_SIGNED = "execution.trade_signed"
    EXECUTION_TRADE_SUBMITTED = "execution.trade_submitted"
    EXECUTION_TRADE_REPLACED = "execution.trade_replaced"
    EXECUTION_TRADE_FINISHED = "execution.trade_finished"
    EXECUTION_TRADE_REORGED = "execution.trade_reorged"
    EXECUTION_RECONCILED = "execution.reconciled"

    # The compliance app: parties and their KYC cases (payloads hold ids, never personal data).
    COMPLIANCE_PARTY_CREATED = "compliance.party_created"
    COMPLIANCE_PARTY_UPDATED = "compliance.party_updated"
    COMPLIANCE_WALLET_ADDED = "compliance.wallet_added"
    COMPLIANCE_CASE_CREATED = "compliance.case_created"
    COMPLIANCE_CASE_UPDATED = "compliance.case_updated"
    COMPLIANCE_KYC_SUBMITTED = "compliance.kyc_submitted"
    COMPLIANCE_KYC_CLAIMED = "compliance.kyc_claimed"
    COMPLIANCE_KYC_FIRST_APPROVAL = "compliance.kyc_first_approval"
    COMPLIANCE_KYC_APPROVED = "compliance.kyc_approved"
    COMPLIANCE_KYC_REJECTED = "compliance.kyc_rejected"
    COMPLIANCE_KYC_INFO_REQUESTED = "compliance.kyc_info_requested"
    COMPLIANCE_KYC_EXPIRED = "compliance.kyc_expired"
    COMPLIANCE_DOCUMENT_ADDED = "compliance.document_added"
    COMPLIANCE_DOCUMENT_VIEWED = "compliance.document_viewed"
    # Sanctions lists and screening.
    COMPLIANCE_SANCTIONS_IMPORTED = "compliance.sanctions_imported"
    COMPLIANCE_SCREENING_HIT = "compliance.screening_hit"
    COMPLIANCE_SCREENING_RESOLVED = "compliance.screening_resolved"
    COMPLIANCE_SCREENING_CLEARED = "compliance.screening_cleared"
    COMPLIANCE_PARTY_SCREENED = "compliance.party_screened"
    # The gate, payouts, retention and keys.
    COMPLIANCE_TRADE_REFUSED = "compliance.trade_refused"
    COMPLIANCE_PAYOUT_REQUESTED = "compliance.payout_requested"
    COMPLIANCE_PAYOUT_REFUSED = "compliance.payout_refused"
    COMPLIANCE_PAYOUT_SUBMITTED = "compliance.payout_submitted"
    COMPLIANCE_PAYOUT_FINISHED = "compliance.payout_finished"
    COMPLIANCE_PERSONAL_DATA_PURGED = "compliance.personal_data_purged"
    COMPLIANCE_PII_KEY_ROTATED = "compliance.pii_key_rotated"

    @property
    def category(self) -> AuditCategory:
        return AuditCategory(self.value.split(".", 1)[0])


def _jsonable(value: Any) -> Any:  # noqa: PLR0911 - one branch per kind of value
    """A JSON value that reads back from the database exactly as it was hashed."""
    if value is None or isinstance(value, bool | str):
        return value.replace("\x00", "") if isinstance(value, str) else value
    if isinstance(value, int):
        # Beyond 2**53 a JSON reader may round: on-chain amounts are decimal strings.
        return value if abs(value) < 2**53 else str(value)
    if isinstance(value, float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(item) for item in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, models.Model):
        return _jsonable(value.pk)
    return str(value)


# Secrets and bookkeeping: the audit row has its own time.
_NOT_AUDITED = frozenset({"password", "created_at", "updated_at"})


def snapshot(obj: models.Model, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The audit-ready state of a model row: concrete fields, foreign keys as ids,
    amounts as decimal strings."""
    state: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in _NOT_AUDITED or getattr(field, "personal", False):
            continue  # secrets, bookkeeping and personal data (compliance.fields) never
        value = getattr(obj, field.attname)
        if isinstance(field, AmountField) and value is not None:
            value = str(value)
        state[field.name] = _jsonable(value)
    return state


def changed(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose value differs, as (before, after)."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after.get(key) for key in keys}


def _actor_of(actor: Any, request: HttpRequest | None) -> Any:
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return client_ip_var.get()
    from axes.helpers import get_client_ip_address

    ip: str | None = get_client_ip_address(request)
    return ip or None


def _request_id(request: HttpRequest | None) -> str:
    rid = getattr(request, "request_id", None) if request is not None else None
    value = rid or request_id_var.get()
    return "" if value == "-" else str(value)[:64]


# Every column the hash covers, in the order exports show them; the hash itself comes last.
HASHED_COLUMNS = (
    "sequence",
    "created_at",
    "category",
    "action",
    "actor_id",
    "actor_username",
    "target_type",
    "target_id",
    "target_repr",
    "before",
    "after",
    "ip",
    "request_id",
    "prev_hash",
)
AUDIT_COLUMNS = (*HASHED_COLUMNS, "hash")


def content_of(event: AuditEvent) -> dict[str, Any]:
    """What the hash covers: every column but the hash itself (times in UTC)."""
    content = {column: getattr(event, column) for column in HASHED_COLUMNS}
    content["created_at"] = event.created_at.astimezone(dt.UTC).isoformat()
    return content


def hash_of(event: AuditEvent) -> str:
    canonical = json.dumps(
        content_of(event), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(audit_lock_sql())


def audit_event(
    *,
    action: AuditAction,
    actor: Any = None,
    target: models.Model | None = None,
    target_label: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """An audit row, not yet linked into the chain nor saved (see `audit_record`)."""
    action = AuditAction(action)
    who = _actor_of(actor, request)
    return AuditEvent(
        created_at=timezone.now(),
        category=action.category.value,
        action=action.value,
        actor_id=who.pk if who is not None else None,
        actor_username=(who.get_username() if who is not None else "")[:150],
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        target_repr=(str(target) if target is not None else target_label)[:255],
        before=_jsonable(dict(before)) if before is not None else None,
        after=_jsonable(dict(after)) if after is not None else None,
        ip=_client_ip(request),
        request_id=_request_id(request),
    )


AUDIT_TAIL_SQL = (
    f"SELECT sequence, hash FROM {AuditEvent._meta.db_table} ORDER BY sequence DESC LIMIT 1"  # noqa: S608 - a table name
)


def audit_lock_sql() -> str:
    """The statement that serializes appends until the transaction ends (PostgreSQL)."""
    return f"SELECT pg_advisory_xact_lock({_LOCK_KEY})"


def audit_link(events: list[AuditEvent], last: tuple[int, str] | None) -> None:
    """Chain these events after the last row (its sequence and hash; None for an empty log):
    sequence, previous hash and hash, in order. The caller holds the append lock."""
    for event in events:
        event.sequence, event.prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        event.hash = GENESIS_HASH  # placeholder so that full_clean sees a value
        event.full_clean(validate_unique=False)
        event.hash = hash_of(event)
        last = (event.sequence, event.hash)


# No savepoint: a failed audit write must fail the caller's whole transaction anyway.
@transaction.atomic(savepoint=False)
def audit_record(
    *,
    action: AuditAction,
    actor: Any = None,
    target: models.Model | None = None,
    target_label: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one row to the audit log, in the caller's transaction.

    ``actor`` is the user who acted (``None`` for the system, e.g. a Celery task); when it is
    omitted the request's authenticated user is taken. ``target`` is the row acted on (or
    ``target_label`` names what has no row, e.g. the username of a failed login). ``before``
    and ``after`` are the changed state (see ``snapshot`` and ``changed``). The client IP and
    request id come from ``request`` or, without it, from the current request's context.
    """
    event = audit_event(
        action=action,
        actor=actor,
        target=target,
        target_label=target_label,
        before=before,
        after=after,
        request=request,
    )
    _lock_chain()
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    audit_link([event], last)
    event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class BrokenLink:
    sequence: int
    event_id: int
    reason: str


def audit_chain_verify(*, batch_size: int = 2000) -> tuple[int, BrokenLink | None]:
    """Walk the chain from the first row; return (rows checked, the first broken link)."""
    expected_prev = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    rows: Iterator[AuditEvent] = AuditEvent.objects.order_by("sequence").iterator(
        chunk_size=batch_size
    )
    for event in rows:
        if event.sequence != expected_sequence:
            return checked, BrokenLink(
                event.sequence,
                event.pk,
                f"sequence {expected_sequence} is missing (a row was removed)",
            )
        if event.prev_hash != expected_prev:
            return checked, BrokenLink(
                event.sequence, event.pk, "prev_hash does not match the previous row's hash"
            )
        if hash_of(event) != event.hash:
            return checked, BrokenLink(
                event.sequence, event.pk, "the row's content does not match its hash"
            )
        checked += 1
        expected_prev = event.hash
        expected_sequence += 1
    return checked, None
