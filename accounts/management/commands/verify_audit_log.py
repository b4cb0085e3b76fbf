"""Walk the audit log's hash chain and name the first broken link (exit status 1 if any)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.audit import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; name the first row that breaks it."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = audit_chain_verify()
        if broken is not None:
            raise CommandError(
                f"audit log chain broken at sequence {broken.sequence} (id {broken.event_id}): "
                f"{broken.reason}; {checked} row(s) before it are intact"
            )
        self.stdout.write(self.style.SUCCESS(f"audit log intact: {checked} row(s) verified"))
