"""Key rotation of the personal data: every row re-encrypted under the first key, verified.

Rows are rewritten in batches, each in its own transaction, so a rotation stopped half-way
leaves every row readable (under the old key or the new one: both are configured) and a run
again finishes the job. Each rewritten value is then read back raw and opened with the first
key alone, so removing the old keys afterwards loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, models, transaction

from accounts.audit import AuditAction, audit_record
from compliance import crypto
from compliance.fields import is_personal
from compliance.models import KycDocument, Party

# The models holding personal data; Party's blind index is recomputed with the rows.
PERSONAL_MODELS: tuple[type[models.Model], ...] = (Party, KycDocument)


def personal_fields(model: type[models.Model]) -> list[models.Field[object, object]]:
    return [f for f in model._meta.concrete_fields if is_personal(f)]


def _verify(model: type[models.Model], pks: list[int]) -> None:
    """Open every personal value of these rows with the first key alone."""
    columns = [f.column for f in personal_fields(model)]
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(model._meta.db_table)} "  # noqa: S608 - names from the model
        f"WHERE {quote(model._meta.pk.column)} = ANY(%s)"
        if connection.vendor == "postgresql"
        else f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(model._meta.db_table)} "  # noqa: S608
        f"WHERE {quote(model._meta.pk.column)} IN ({', '.join(['%s'] * len(pks))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [pks] if connection.vendor == "postgresql" else pks)
        for row in cursor.fetchall():
            for raw in row:
                if raw:
                    token = raw.encode() if isinstance(raw, str) else bytes(raw)
                    crypto.decrypt_primary(token)


def pii_rotate(
    *, batch_size: int = 500, progress: Callable[[str, int, int], object] | None = None
) -> dict[str, int]:
    """Re-encrypt every personal field under the first key; rows per model."""
    crypto.keys_reload()
    report: dict[str, int] = {}
    for model in PERSONAL_MODELS:
        fields = [f.name for f in personal_fields(model)]
        if model is Party:
            fields.append("name_index")
        pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        done = 0
        for start in range(0, len(pks), batch_size):
            batch = pks[start : start + batch_size]
            with transaction.atomic():
                for row in model._default_manager.select_for_update().filter(pk__in=batch):
                    if isinstance(row, Party) and row.purged_at is None:
                        row.name_index = crypto.blind_index(row.name)
                    row.save(update_fields=fields)
            _verify(model, batch)
            done += len(batch)
            if progress:
                progress(str(model._meta.verbose_name_plural), done, len(pks))
        report[str(model._meta.verbose_name_plural)] = done
    with transaction.atomic():
        audit_record(
            action=AuditAction.COMPLIANCE_PII_KEY_ROTATED,
            target_label="personal data",
            after={"rows": report},
        )
    return report
