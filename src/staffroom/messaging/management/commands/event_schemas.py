"""`staffroom event_schemas`: print the table of realtime events (docs/realtime.md), with --control the table of
the socket's control frames, or with --json the JSON Schemas of both for client developers."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from staffroom.messaging.event_schemas import json_schemas, table_markdown
from staffroom.realtime import frames


class Command(BaseCommand):
    help = "Print the events table of docs/realtime.md (generated from the event schemas), or --json the schemas."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print each event's JSON Schema instead.")
        parser.add_argument("--control", action="store_true", help="Print the control frames table instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["json"]:
            control = {kind: schema.model_json_schema(by_alias=True) for kind, schema in frames.CONTROL.items()}
            self.stdout.write(json.dumps({**json_schemas(), **control}, indent=2, sort_keys=True))
        elif options["control"]:
            self.stdout.write(frames.table_markdown(), ending="")
        else:
            self.stdout.write(table_markdown(), ending="")
