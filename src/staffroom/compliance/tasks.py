"""Compliance's scheduled work: reminding the DPO of subject access requests due within 7 days or overdue (the
worker runs this), as the worker service of each request's organisation."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.utils import timezone

from staffroom.accounts.actors import Service, ServiceActor
from staffroom.compliance import actions
from staffroom.compliance.actions.sars import REMIND_DAYS
from staffroom.compliance.models import SubjectAccessRequest

log = logging.getLogger(__name__)


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
