"""Purge the personal data whose retention has run out (not what is under legal hold)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from compliance.retention import personal_data_purge, purge_due


class Command(BaseCommand):
    help = (
        "Empty the personal fields and documents of every party whose relationship ended more "
        "than COMPLIANCE_RETENTION_DAYS ago, unless under legal hold; the purge is audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only count what is due")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            self.stdout.write(f"{len(purge_due())} party(ies) due for purging")
            return
        purge = personal_data_purge()
        self.stdout.write(
            f"Purged {purge.parties} party(ies) and {purge.documents} document(s); "
            f"{purge.held} due but under legal hold."
        )
