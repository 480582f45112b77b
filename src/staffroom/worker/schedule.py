"""The schedule: what runs, how often, and the loop that runs what is due.

Each job is a function of the app that owns the work (its `tasks.py`, or realtime's streams) returning a dict
of counts; it acts as the worker service actor where it changes records. A job is claimed through its
`ScheduledJob` row (a lease), so several workers never run one twice at once, and a worker that dies mid-run
frees it when the lease ends. Results and errors are logged as counts, never content.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from staffroom.worker.models import ScheduledJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[datetime], dict[str, Any]]
    lease: timedelta = timedelta(minutes=10)


def _prune_events(now: datetime) -> dict[str, Any]:
    from staffroom.realtime import streams

    return {"deleted": streams.prune_events(settings.STAFFROOM_EVENT_RETENTION_DAYS)}


def _purge_unsent_uploads(now: datetime) -> dict[str, Any]:
    from staffroom.messaging import tasks

    return {"deleted": tasks.purge_unclaimed_uploads(now)}


def _end_leavers(now: datetime) -> dict[str, Any]:
    from staffroom.accounts import tasks

    return {"deactivated": tasks.end_leavers(now)}


def _retention(now: datetime) -> dict[str, Any]:
    from staffroom.compliance import tasks

    return tasks.run_retention_everywhere(timezone.localdate(now))


def _remind_subject_access(now: datetime) -> dict[str, Any]:
    from staffroom.compliance import tasks

    return tasks.remind_subject_access(now)


JOBS: list[Job] = [
    # A leave date fires on the day after the last day; checked often, so it does soon after midnight.
    Job("end_leavers", timedelta(minutes=15), _end_leavers),
    # Stored events hold only ids, but a long tail slows resumes; clients away longer resync.
    Job("prune_events", timedelta(hours=1), _prune_events),
    # Files uploaded and never sent (security finding 6: they were kept for ever).
    Job("purge_unsent_uploads", timedelta(hours=1), _purge_unsent_uploads),
    # Records past their retention rule, unless a legal hold covers them (compliance/actions/retention.py). A
    # first run over years of history can take minutes, hence the long lease.
    Job("retention", timedelta(days=1), _retention, lease=timedelta(hours=2)),
    # The DPO hears of a subject access request a week before it is due, and again if it passes (UK GDPR Art. 12).
    Job("remind_subject_access", timedelta(hours=1), _remind_subject_access),
]


def _claim(job: Job, now: datetime) -> bool:
    ScheduledJob.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
    with transaction.atomic():
        claimed = (
            ScheduledJob.objects.filter(name=job.name, next_run_at__lte=now)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
            .update(locked_until=now + job.lease, last_started_at=now)
        )
    return claimed == 1


def run_due(now: datetime | None = None, *, jobs: list[Job] | None = None) -> dict[str, dict[str, Any]]:
    """Run every job that is due and not being run elsewhere; return what each reported."""
    now = now or timezone.now()
    results: dict[str, dict[str, Any]] = {}
    for job in jobs if jobs is not None else JOBS:
        if not _claim(job, now):
            continue
        error = ""
        try:
            result = job.run(now)
        except Exception as exc:
            log.exception("scheduled job %s failed", job.name)
            result, error = {"error": type(exc).__name__}, f"{type(exc).__name__}: {exc}"[:1000]
        finished = timezone.now()
        ScheduledJob.objects.filter(name=job.name).update(
            locked_until=None,
            last_finished_at=finished,
            next_run_at=now + job.every,
            last_result=result,
            last_error=error,
        )
        log.info("scheduled job ran", extra={"job": job.name, "result": result})
        results[job.name] = result
    return results


def run_forever(stop: threading.Event, *, poll_seconds: float = 30) -> None:
    """The worker loop: run what is due, then sleep; until `stop` is set."""
    while not stop.is_set():
        try:
            run_due()
        except Exception:  # the database may be briefly away; try again next round
            log.exception("the worker could not check its schedule")
        finally:
            close_old_connections()
        stop.wait(poll_seconds)


def start_in_process() -> threading.Event:
    """Embedded mode: the worker runs as a daemon thread of the server. Returns the event that stops it."""
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(stop,), name="staffroom-worker", daemon=True).start()
    return stop
