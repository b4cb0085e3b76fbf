"""Re-encrypt every personal field under the first key of ARBX_PII_KEYS and recompute the
blind indexes with ARBX_PII_INDEX_KEY."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compliance.crypto import PersonalDataError
from compliance.rotation import pii_rotate


class Command(BaseCommand):
    help = (
        "Rotate the personal data key: put the new key first in ARBX_PII_KEYS (keep the old "
        "ones after it), run this, check the result, then remove the old keys. Every row is "
        "re-encrypted under the new key and read back; the blind indexes are recomputed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = pii_rotate(
                batch_size=options["batch_size"],
                progress=lambda label, done, total: (
                    self.stderr.write(f"\r{label}: {done}/{total}", ending="")
                    if options["verbosity"]
                    else None
                ),
            )
        except PersonalDataError as exc:
            raise CommandError(
                f"{exc}: add the key the rows were written with to ARBX_PII_KEYS (after the "
                "new one) and run again; rows already done stay readable"
            ) from None
        self.stderr.write("")
        for label, count in report.items():
            self.stdout.write(f"{label}: {count} row(s) re-encrypted and verified")
        self.stdout.write(self.style.SUCCESS("Every personal field is under the first key now."))
