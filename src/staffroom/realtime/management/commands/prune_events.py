"""`staffroom prune_events`: drop realtime events older than the retention window (run daily)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from staffroom.realtime import streams as realtime


class Command(BaseCommand):
    help = "Delete stored realtime events older than STAFFROOM_EVENT_RETENTION_DAYS (messages are not touched)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=settings.STAFFROOM_EVENT_RETENTION_DAYS)

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        deleted = realtime.prune_events(days)
        self.stdout.write(f"Deleted {deleted} events older than {days} days.")
