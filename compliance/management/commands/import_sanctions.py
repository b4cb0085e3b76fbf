"""Import an OFAC SDN list (classic XML, advanced XML or the CSV files) as a new list version."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from compliance.sanctions.formats import SanctionsFormatError
from compliance.sanctions.store import ImportReport, list_import

SHOWN = 10  # changes listed one by one; beyond that, counted


class Command(BaseCommand):
    help = (
        "Import a sanctions list file (sdn.xml, sdn_advanced.xml, or sdn.csv with alt.csv and "
        "sdn_comments.csv beside it; the format is recognised from the content) as a new list "
        "version, all or nothing, and print what changed against the version in force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the list file (or a folder holding sdn.csv)")
        parser.add_argument(
            "--force", action="store_true", help="import even a file identical to the version"
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        bars: dict[str, tqdm[Any]] = {}

        def progress(phase: str, done: int, total: int) -> None:
            bar = bars.get(phase)
            if bar is None:
                unit = "B" if phase == "read" else " entries"
                bar = bars[phase] = tqdm(
                    total=total,
                    desc=f"{phase:>5}",
                    unit=unit,
                    unit_scale=phase == "read",
                    file=sys.stderr,
                    disable=options["verbosity"] == 0,
                    leave=True,
                )
            bar.update(done - bar.n)

        try:
            report = list_import(path, force=options["force"], progress=progress)
        except SanctionsFormatError as exc:
            raise CommandError(f"nothing was imported: {exc}") from None
        finally:
            for bar in bars.values():
                bar.close()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), indent=2))
            return
        self._print(report)

    def _print(self, report: ImportReport) -> None:
        if report.version is None:
            previous = report.previous
            self.stdout.write(
                f"Unchanged: the file is list version {previous.pk if previous else '?'} already "
                "(--force imports it again)."
            )
            return
        version = report.version
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {version}: {version.entry_count} entries, {version.name_count} names "
                f"and aliases, {version.address_count} digital-currency addresses."
            )
        )
        against = f"version {report.previous.pk}" if report.previous else "no previous version"
        self.stdout.write(f"Against {against}:")
        for label, items in (
            ("entries added", report.added),
            ("entries removed", report.removed),
            ("entries changed", report.changed),
            ("addresses added", [f"{c} {a}" for c, a in report.addresses_added]),
            ("addresses removed", [f"{c} {a}" for c, a in report.addresses_removed]),
        ):
            shown = ", ".join(items[:SHOWN]) + (" ..." if len(items) > SHOWN else "")
            self.stdout.write(f"  {label}: {len(items)}{(': ' + shown) if items else ''}")
        self.stdout.write(
            f"Screening: {report.address_hits} new address hit(s) on tokens, pools, DEXes and "
            f"wallets; {report.cleared} open hit(s) cleared; the parties are rescreened by a task."
        )
