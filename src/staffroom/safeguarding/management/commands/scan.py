"""`staffroom scan`: the detectors over one message per line of stdin, one JSON object per line on stdout.

DESIGN.md "Commands": `{"identifiers": [...], "categories": [...], "severity": ...}` with the demo school's
roster as context (an empty roster when the demo trust has not been seeded). Lists hold kinds, in the order
they first appear in the message; severity is null, "low", "medium" or "high".
"""

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from staffroom.safeguarding import detectors
from staffroom.safeguarding.roster import organisation_roster

# The demo trust of DESIGN.md ("Oakfield Academy Trust"); safeguarding sits below the demo app, so the
# slug is named here rather than imported from it.
DEMO_ORGANISATION = "oakfield"


class Command(BaseCommand):
    help = "Scan messages (one per line on stdin) with the safeguarding detectors; print one JSON line each."
    stealth_options = ("stdin",)  # tests hand the lines in through call_command

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--organisation",
            default=DEMO_ORGANISATION,
            help="Slug of the organisation whose pupils' names are the context (default: the demo trust).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            roster = organisation_roster(options["organisation"])
        except DatabaseError:
            # No database yet (never migrated): the detectors still work, without names to look for.
            self.stderr.write("No database to read a roster from; scanning without pupils' names.")
            roster = detectors.EMPTY_ROSTER
        stdin = options.get("stdin") or sys.stdin
        for line in stdin:
            text = line.rstrip("\r\n")
            result = detectors.scan(text, roster)
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            self.stdout.flush()
