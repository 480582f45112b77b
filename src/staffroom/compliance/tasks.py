"""Compliance's scheduled work: the retention schedule, once a day for every organisation, as the retention
service. Also run by hand with `staffroom retention run`. Logs and returns counts only, never content."""

from __future__ import annotations

from datetime import date
from typing import Any

from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import Organisation
from staffroom.compliance import actions, retention


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
