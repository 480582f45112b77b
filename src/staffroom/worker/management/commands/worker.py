"""`staffroom worker`: run scheduled work (pruning, purges, ...) until stopped. Run one or more beside the
servers in a scaled-out deployment; the embedded `serve` runs it in a thread."""

import json
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from staffroom.worker import schedule


class Command(BaseCommand):
    help = "Run scheduled work until stopped (Ctrl+C). With --once, run what is due now and print the results."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run what is due once, print one JSON line, exit")
        parser.add_argument("--poll", type=float, default=30, help="seconds between checks of the schedule")

    def handle(self, *args: Any, once: bool, poll: float, **options: Any) -> None:
        if once:
            self.stdout.write(json.dumps(schedule.run_due(), sort_keys=True))
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write("Staffroom worker running (Ctrl+C to stop)")
        self.stdout.flush()
        schedule.run_forever(stop, poll_seconds=poll)
