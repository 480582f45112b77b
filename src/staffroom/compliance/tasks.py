"""Compliance's scheduled work, run by the worker: the retention schedule once a day for every organisation (as
the retention service; also by hand with `staffroom retention run`), and reminding the DPO of subject access
requests due within 7 days or overdue (as the worker service of each request's organisation). Logs and returns
counts only, never content."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import Organisation
from staffroom.compliance import actions, retention
from staffroom.compliance.actions.sars import REMIND_DAYS
from staffroom.compliance.models import SubjectAccessRequest

log = logging.getLogger(__name__)


def run_retention_everywhere(today: date, *, dry_run: bool = False) -> dict[str, Any]:
    """Run the schedule for each organisation in turn; the counts added up, with the day and whether it was a
    dry run."""
    totals: dict[str, Any] = retention.empty_counts()
    for organisation_id in Organisation.objects.order_by("id").values_list("id", flat=True):
        run = actions.run_retention(
            acting=ServiceActor(Service.RETENTION, organisation_id), today=today, dry_run=dry_run
        )
        for key, value in run.counts.items():
            totals[key] = totals.get(key, 0) + value
    return {**totals, "dry_run": dry_run, "today": today.isoformat()}


def remind_subject_access(now: datetime | None = None) -> dict[str, int]:
    """Remind of every open request due within 7 days, or overdue, that has not been reminded of at that stage
    for its due date. Returns counts by stage."""
    today = timezone.localdate(now) if now is not None else timezone.localdate()
    due = SubjectAccessRequest.objects.filter(
        status__in=SubjectAccessRequest.OPEN_STATUSES, due_on__lte=today + timedelta(days=REMIND_DAYS)
    ).values_list("pk", "organisation_id")
    counts = {"due_soon": 0, "overdue": 0}
    for sar_id, organisation_id in due.order_by("due_on", "pk"):
        stage = actions.remind_sar(sar_id, acting=ServiceActor(Service.WORKER, organisation_id), today=today)
        if stage:
            counts[stage] += 1
    if any(counts.values()):
        log.info("subject access reminders sent", extra=counts)
    return counts
