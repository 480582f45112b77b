"""`staffroom audit verify`: recompute every organisation's audit hash chain and report tampering."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from staffroom.accounts.models import Organisation
from staffroom.compliance import audit


class Command(BaseCommand):
    help = (
        "Audit log tools. `audit verify` checks the hash chain of every organisation; "
        "`audit vocabulary` prints the actions it records (docs/audit.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("operation", choices=["verify", "vocabulary"])

    def handle(self, *args: Any, operation: str, **options: Any) -> None:
        if operation == "vocabulary":
            self.stdout.write(audit.vocabulary_markdown(), ending="")
            return
        failed = False
        for organisation in Organisation.objects.order_by("id"):
            result = audit.verify(organisation)
            if result.ok:
                self.stdout.write(f"{organisation.name}: {result.entries} entries, chain intact")
            else:
                failed = True
                where = f" at entry {result.first_bad_id}" if result.first_bad_id else ""
                self.stdout.write(f"{organisation.name}: TAMPERED{where}: {result.problem}")
        if failed:
            sys.exit(1)
