"""When each scheduled job last ran and next runs. The row is also its lease: a worker claims a due job with
one conditional UPDATE, so with several workers (or nodes) each run happens once."""

from django.db import models
from django.utils import timezone


class ScheduledJob(models.Model):
    name = models.CharField(max_length=60, primary_key=True)
    next_run_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_result = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.name} (next {self.next_run_at:%Y-%m-%d %H:%M})"
