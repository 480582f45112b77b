"""`staffroom import_roster DIR-or-ZIP [--dry-run]`: import a OneRoster 1.1 CSV roster (docs/operations.md).

Prints one JSON line: {"created", "updated", "deactivated", "classes", "errors", ...}; exits 1 when there are
errors, in which case nothing was changed. The changes are made by the roster sync service, and the audit log
says so. Names, phone numbers and passwords are never printed.
"""

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import Organisation
from staffroom.compliance import audit
from staffroom.errors import Invalid
from staffroom.rosters import files, parser
from staffroom.rosters.actions import import_roster
from staffroom.rosters.planner import clean_email_domain


class Command(BaseCommand):
    help = "Import a OneRoster 1.1 CSV roster (a folder or a ZIP): people, schools, classes and class channels."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="folder or ZIP file holding manifest.csv, users.csv, ...")
        parser.add_argument("--dry-run", action="store_true", help="say what would change, and change nothing")
        parser.add_argument("--organisation", help="the organisation's slug (needed only when there are several)")
        parser.add_argument(
            "--email-domain",
            default="",
            help="for people the roster gives no email: sign in as their username at this domain",
        )

    def handle(
        self, *args: Any, path: str, dry_run: bool, organisation: str | None, email_domain: str, **options: Any
    ) -> None:
        try:
            domain = clean_email_domain(email_domain)
        except Invalid as invalid:
            raise CommandError(f"--email-domain: {invalid.message}") from None
        found = _organisation(organisation)
        try:
            roster = parser.parse(files.read_path(path))
        except files.Unreadable as unreadable:
            self._print({"created": 0, "updated": 0, "deactivated": 0, "classes": 0,
                         "errors": [unreadable.problem.as_dict()], "dry_run": dry_run})  # fmt: skip
            sys.exit(1)
        with audit.origin("cli"):
            outcome = import_roster(
                roster, acting=ServiceActor(Service.ROSTER_SYNC, found.pk), email_domain=domain, dry_run=dry_run
            )
        self._print(outcome.counts())
        if not outcome.ok:
            sys.exit(1)

    def _print(self, counts: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(counts, ensure_ascii=False))


def _organisation(slug: str | None) -> Organisation:
    if slug:
        found = Organisation.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"There is no organisation {slug!r}.")
        return found
    organisations = list(Organisation.objects.order_by("pk")[:2])
    if len(organisations) != 1:
        raise CommandError(
            "There are several organisations: say which with --organisation SLUG."
            if organisations
            else "There is no organisation yet."
        )
    return organisations[0]
