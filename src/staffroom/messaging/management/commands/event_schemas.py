"""`staffroom event_schemas`: print the table of realtime events (docs/realtime.md), or with --json their
JSON Schemas for client developers."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from staffroom.messaging.event_schemas import json_schemas, table_markdown


class Command(BaseCommand):
    help = "Print the events table of docs/realtime.md (generated from the event schemas), or --json the schemas."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print each event's JSON Schema instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(json_schemas(), indent=2, sort_keys=True))
        else:
            self.stdout.write(table_markdown(), ending="")
