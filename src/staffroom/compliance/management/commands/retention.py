"""`staffroom retention run [--today YYYY-MM-DD] [--dry-run]`: run the retention schedule now, for every
organisation, and print one JSON line of counts (never content)."""

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from staffroom.compliance import audit, tasks


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--today: give a date as YYYY-MM-DD, not {raw!r}") from None


class Command(BaseCommand):
    help = (
        "Retention tools. `retention run` removes what every organisation's retention rules say is due (legal holds "
        "aside) and prints one JSON line of counts; `--dry-run` only counts; `--today` runs as of another day."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("operation", choices=["run"])
        parser.add_argument("--today", default="", help="Run as of this day (YYYY-MM-DD).")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be removed; remove nothing.")

    def handle(self, *args: Any, operation: str, today: str, dry_run: bool, **options: Any) -> None:
        day = _day(today) if today else timezone.localdate()
        with audit.origin("cli"):
            counts = tasks.run_retention_everywhere(day, dry_run=dry_run)
        self.stdout.write(json.dumps(counts, sort_keys=False))
