"""`staffroom purge_uploads`: delete uploads never put on a message (the worker runs this on a schedule)."""

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from staffroom.messaging.tasks import purge_unclaimed_uploads


class Command(BaseCommand):
    help = (
        "Delete uploaded files that were not sent in a message within STAFFROOM_UNSENT_UPLOAD_HOURS. "
        "Prints one JSON line of counts."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        purged = purge_unclaimed_uploads()
        hours = settings.STAFFROOM_UNSENT_UPLOAD_HOURS
        self.stdout.write(json.dumps({"uploads_purged": purged, "older_than_hours": hours}))
