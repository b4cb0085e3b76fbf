"""A sanctions list file becomes a new list version: in one transaction, or not at all.

The file is read whole first (compliance.sanctions.formats; a bad file raises naming the line
or element at fault, before anything is written); then the version, its entries, every name
and alias (normalized for screening) and every digital-currency address are stored, every
address the product deals with is screened against it, and the change against the previous
version is reported. The parties' names are rescreened by a task once the version commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from accounts.audit import AuditAction, audit_record
from compliance.crypto import normalize_name
from compliance.models import SanctionsAddress, SanctionsEntry, SanctionsList, SanctionsName
from compliance.sanctions.formats import ListedEntry, ParsedList, read_list
from compliance.screening import address_key, rescreen_addresses

BATCH = 2000
Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class ImportReport:
    version: SanctionsList | None  # None: the file is the version in force already
    previous: SanctionsList | None
    added: list[str] = field(default_factory=list)  # entry uids
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    addresses_added: list[tuple[str, str]] = field(default_factory=list)  # (chain, address)
    addresses_removed: list[tuple[str, str]] = field(default_factory=list)
    address_hits: int = 0
    cleared: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version.pk if self.version else None,
            "previous": self.previous.pk if self.previous else None,
            "entries_added": len(self.added),
            "entries_removed": len(self.removed),
            "entries_changed": len(self.changed),
            "addresses_added": len(self.addresses_added),
            "addresses_removed": len(self.addresses_removed),
            "address_hits": self.address_hits,
            "hits_cleared": self.cleared,
        }


Fingerprint = tuple[str, str, tuple[str, ...], tuple[tuple[str, str], ...]]


def _fingerprint(entry: ListedEntry) -> Fingerprint:
    return (
        entry.name,
        entry.kind,
        tuple(sorted(entry.aliases)),
        tuple(sorted((a.chain, a.address) for a in entry.addresses)),
    )


def _fingerprints(version: SanctionsList) -> dict[str, Fingerprint]:
    names: dict[int, list[str]] = {}
    for entry_id, name in SanctionsName.objects.filter(version=version, primary=False).values_list(
        "entry_id", "name"
    ):
        names.setdefault(entry_id, []).append(name)
    addresses: dict[int, list[tuple[str, str]]] = {}
    for entry_id, chain, address in SanctionsAddress.objects.filter(version=version).values_list(
        "entry_id", "chain", "address"
    ):
        addresses.setdefault(entry_id, []).append((chain, address))
    return {
        uid: (
            name,
            kind,
            tuple(sorted(names.get(pk, []))),
            tuple(sorted(addresses.get(pk, []))),
        )
        for pk, uid, name, kind in SanctionsEntry.objects.filter(version=version).values_list(
            "pk", "uid", "name", "kind"
        )
    }


def _diff(report: ImportReport, old: dict[str, Fingerprint], parsed: ParsedList) -> None:
    new = {entry.uid: _fingerprint(entry) for entry in parsed.entries}
    report.added = sorted(set(new) - set(old))
    report.removed = sorted(set(old) - set(new))
    report.changed = sorted(uid for uid in set(new) & set(old) if new[uid] != old[uid])
    before = {a for fp in old.values() for a in fp[3]}
    after = {a for fp in new.values() for a in fp[3]}
    report.addresses_added = sorted(after - before)
    report.addresses_removed = sorted(before - after)


def _store(version: SanctionsList, parsed: ParsedList, progress: Progress | None) -> None:
    total = len(parsed.entries)
    for start in range(0, total, BATCH):
        chunk = parsed.entries[start : start + BATCH]
        rows = SanctionsEntry.objects.bulk_create(
            SanctionsEntry(
                version=version,
                uid=e.uid,
                name=e.name[:512],
                kind=e.kind,
                programs=list(e.programs),
            )
            for e in chunk
        )
        names: list[SanctionsName] = []
        addresses: list[SanctionsAddress] = []
        for row, entry in zip(rows, chunk, strict=True):
            for primary, name in ((True, entry.name), *((False, a) for a in entry.aliases)):
                names.append(
                    SanctionsName(
                        version=version,
                        entry=row,
                        name=name[:512],
                        normalized=normalize_name(name)[:512],
                        primary=primary,
                    )
                )
            addresses.extend(
                SanctionsAddress(
                    version=version,
                    entry=row,
                    chain=a.chain[:16],
                    address=a.address[:128],
                    normalized=address_key(a.address)[:128],
                )
                for a in entry.addresses
            )
        SanctionsName.objects.bulk_create(names, batch_size=BATCH)
        SanctionsAddress.objects.bulk_create(addresses, batch_size=BATCH)
        version.name_count += len(names)
        version.address_count += len(addresses)
        if progress:
            progress("store", min(start + BATCH, total), total)


def list_import(
    path: Path,
    *,
    actor: Any = None,
    force: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a list file as a new version (see the module's notes). A file identical to the
    version in force is not imported again unless `force`."""
    parsed = read_list(
        path, progress=(lambda done, total: progress("read", done, total)) if progress else None
    )
    previous = SanctionsList.objects.order_by("-pk").first()
    report = ImportReport(version=None, previous=previous)
    if previous is not None and previous.sha256 == parsed.sha256 and not force:
        return report
    old = _fingerprints(previous) if previous is not None else {}
    _diff(report, old, parsed)
    with transaction.atomic():
        version = SanctionsList.objects.create(
            format=parsed.format,
            filename=path.name[:255],
            sha256=parsed.sha256,
            published=parsed.published[:32],
            entry_count=len(parsed.entries),
            imported_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        _store(version, parsed, progress)
        version.save(update_fields=["name_count", "address_count"])
        screened = rescreen_addresses(version)
        report.version, report.address_hits, report.cleared = (
            version,
            screened.address_hits,
            screened.cleared,
        )
        audit_record(
            action=AuditAction.COMPLIANCE_SANCTIONS_IMPORTED,
            actor=actor,
            target=version,
            after={
                **report.as_json(),
                "format": version.format,
                "sha256": version.sha256,
                "entries": version.entry_count,
                "names": version.name_count,
                "addresses": version.address_count,
            },
        )
        transaction.on_commit(lambda: _rescreen_later(version.pk))
    return report


def _rescreen_later(version_id: int) -> None:
    from core.handoff import HandoffError, publish

    try:
        publish("compliance.tasks.rescreen_parties", [version_id], queue="default")
    except HandoffError:  # no broker: the periodic rescreen picks it up
        import logging

        logging.getLogger(__name__).warning(
            "list version %s: the parties' rescreen could not be queued; the periodic one will "
            "run it",
            version_id,
        )
