"""Screen a name or an address against the sanctions list in force; exit 1 on a hit."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compliance.screening import current_list, screen_address, screen_name


class Command(BaseCommand):
    help = (
        "Screen a name (fuzzy, aliases included) or an address (exact, any letter case) against "
        "the sanctions list in force. Prints the hits as JSON; the exit status is 1 when there "
        "is one, 0 when there is none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--name")
        what.add_argument("--address")
        parser.add_argument(
            "--threshold", type=int, default=None, help="names: the lowest score that hits"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        version = current_list()
        if version is None:
            raise CommandError("no sanctions list is loaded: run import_sanctions first")
        threshold = options["threshold"]
        if threshold is not None and not 0 <= threshold <= 100:
            raise CommandError("--threshold is a score from 0 to 100")
        if options["name"] is not None:
            hits = screen_name(options["name"], version=version, threshold=threshold)
        else:
            hits = screen_address(options["address"], version=version)
        self.stdout.write(
            json.dumps(
                {"list_version": version.pk, "hits": [hit.as_json() for hit in hits]}, indent=2
            )
        )
        if hits:
            sys.exit(1)
