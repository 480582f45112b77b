"""Importing a roster: the one state change of this app. It plans the import and applies it in one transaction
(all of it or none), as roster sync; its own audit entry says who imported the file, after the entries of
every change it made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from staffroom.accounts import permissions
from staffroom.accounts.actors import Actor
from staffroom.accounts.models import Organisation
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.rosters import applier, planner
from staffroom.rosters.parser import Roster
from staffroom.rosters.planner import Plan

# The figures an import's audit entry keeps (numbers only: the names are in the entries of each change).
RECORDED = ("created", "updated", "deactivated", "reactivated", "classes", "schools", "skipped")


@dataclass
class Outcome:
    plan: Plan
    dry_run: bool
    applied: bool = False

    def counts(self) -> dict[str, Any]:
        """One JSON object: what changed (or, in a dry run, would), what was skipped, the errors and warnings."""
        return {**self.plan.counts(), "dry_run": self.dry_run}

    @property
    def ok(self) -> bool:
        return not self.plan.errors


def import_roster(roster: Roster, *, acting: Actor, email_domain: str = "", dry_run: bool = False) -> Outcome:
    """Bring the organisation's people, schools and classes in line with `roster` (parsed, rosters/parser.py).
    A dry run only plans. With errors (the file's, or an action refusing a step) nothing is changed; a roster
    that changes nothing (a second run of the same file) leaves no audit entry either."""
    organisation = Organisation.objects.get(pk=acting.organisation_id)
    permissions.require(acting, "roster.import", organisation)
    if dry_run:
        return Outcome(planner.plan(roster, organisation, email_domain=email_domain), dry_run=True)
    result: Plan | None = None
    try:
        with transaction.atomic():
            # One import at a time per organisation: the second plans against what the first did.
            Organisation.objects.select_for_update().filter(pk=organisation.pk).exists()
            result = planner.plan(roster, organisation, email_domain=email_domain)
            if result.errors or not result.changes:
                return Outcome(result, dry_run=False)
            applier.apply(result)
            counts = result.counts()
            audit.record(
                acting, AuditAction.ROSTER_IMPORTED, target=organisation, data={k: counts[k] for k in RECORDED}
            )
    except applier.StepRefused as refused:
        assert result is not None
        result.errors.append(refused.problem)
        result.schools, result.people, result.classes, result.class_lists = [], [], [], []
        return Outcome(result, dry_run=False)
    return Outcome(result, dry_run=False, applied=True)
