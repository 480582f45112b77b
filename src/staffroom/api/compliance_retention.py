"""Retention in the compliance API: the rules in force (with their sources), changing and removing them (the DPO,
with a reason), what the next run would remove, and the runs so far. The headteacher reads their school's part."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import P, QueryEx, Router, Status
from pydantic import Field

from staffroom.api.auth import caller
from staffroom.api.schemas import MAX_ID, ObjectId, Out, Schema, Timestamp, answers
from staffroom.compliance import actions, retention
from staffroom.errors import Invalid

router = Router(tags=["compliance"])


class RuleIn(Schema):
    kind: str = Field(description="`channel`, `group`, `direct`, `announcement`, `class` or `external`.")
    school_id: int | None = Field(None, ge=1, le=MAX_ID, description="A school's own rule; none for the trust's.")
    keep_months: int = Field(ge=1, le=retention.MAX_MONTHS)
    basis: str = Field(description="`last_activity`, `message_date`, or (outsiders) `access_ended`.")
    source: str = Field(max_length=500, description="Where the period comes from (e.g. the IRMS toolkit).")
    reason: str = Field(max_length=5000, description="Why it changes; the audit log keeps it.")


class RuleOut(Out):
    id: int | None = Field(description="The rule's id; null for a built-in default.")
    kind: str
    school_id: int | None
    keep_months: int
    basis: str
    source: str
    origin: str = Field(description="`default` (built in), `trust` or `school`.")
    changed_at: Timestamp | None
    changed_by: dict[str, Any] | None
    reason: str


class RulePage(Out):
    items: list[RuleOut]
    next: str | None


class PreviewOut(Out):
    today: str
    totals: dict[str, int]
    rules: list[dict[str, Any]]
    conversations: list[dict[str, Any]]


class RunOut(Out):
    id: int
    today: str
    dry_run: bool
    started_at: Timestamp
    finished_at: Timestamp | None
    counts: dict[str, int]


class RunPage(Out):
    items: list[RunOut]
    next: str | None


def _day(raw: str | None) -> date:
    if not raw:
        return timezone.localdate()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid("today", _("Give a real date as YYYY-MM-DD.")) from None


@router.get("/retention/rules", response=answers({200: RulePage}), summary="Retention rules in force")
def rules(request: HttpRequest) -> dict[str, Any]:
    """The rule in force for each kind of conversation (built-in defaults included, with their sources), then
    each school's own rules. For the DPO, and a headteacher for their school."""
    return {"items": [rule.payload() for rule in retention.rules_in_force(caller(request))], "next": None}


@router.post("/retention/rules", response=answers({200: RuleOut}), summary="Set a retention rule")
def set_rule(request: HttpRequest, data: RuleIn) -> dict[str, Any]:
    """Set how long one kind of conversation is kept, for the trust or one school (which then overrides the
    trust's). The DPO only; audited with the reason."""
    viewer = caller(request)
    actions.set_retention_rule(
        acting=viewer, kind=data.kind, keep_months=data.keep_months, basis=data.basis, source=data.source,
        reason=data.reason, school_id=data.school_id,
    )  # fmt: skip
    return retention.RuleBook(viewer.organisation_id).rule(data.kind, data.school_id).payload()


@router.delete("/retention/rules/{rule_id}", response=answers({204: None}), summary="Remove a retention rule")
def remove_rule(
    request: HttpRequest, rule_id: ObjectId, reason: QueryEx[str, P(max_length=5000, description="Why.")] = ""
) -> Status[None]:
    """A school's rule falls back to the trust's, the trust's to the built-in default. The DPO only."""
    actions.remove_retention_rule(rule_id, acting=caller(request), reason=reason)
    return Status(204, None)


@router.get("/retention/preview", response=answers({200: PreviewOut}), summary="What the next run removes")
def preview(
    request: HttpRequest,
    today: QueryEx[str | None, P(max_length=10, description="As of this day (YYYY-MM-DD); today if not given.")] = None,
) -> dict[str, Any]:
    """Counts of what a run on the day would remove (and what legal holds keep), per rule and per conversation.
    Never a message's text."""
    return retention.preview(caller(request), _day(today)).payload()


@router.get("/retention/runs", response=answers({200: RunPage}), summary="Recent retention runs")
def runs(request: HttpRequest) -> dict[str, Any]:
    return {"items": [retention.run_payload(r) for r in retention.recent_runs(caller(request), 100)], "next": None}
