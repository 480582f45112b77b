"""Safeguarding: the school's policy for the checks on the send path (the DSL, and the DPO trust-wide), and
reporting a concern about a message (any member)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from staffroom.api.auth import caller
from staffroom.api.schemas import ObjectId, Out, RowId, answers
from staffroom.messaging import queries as messaging_queries
from staffroom.safeguarding import actions, queries
from staffroom.safeguarding.policy import Policy

router = Router(tags=["safeguarding"])
reports_router = Router(tags=["safeguarding"])


class RuleIn(Schema):
    detector: str = Field(description="An identifier kind (`upn`, `health`, ...) or a concern category.")
    conversation_kind: str = Field(description="`channel`, `group`, `direct`, `announcement` or `class`.")
    sender: str = Field(description="`staff` (every adult) or `pupil`.")
    outcome: str = Field(
        description="`allow`, `nudge`, `warn_dpo`, `block` or `raise`; for `photo_faces` in a `class` channel also "
        "`hold` (anywhere else nobody is sure to check a held photo: 422)."
    )


class PolicyPatch(Schema):
    school_id: RowId | None = Field(None, description="Your own school when left out.")
    rules: list[RuleIn]


class RuleOut(Out):
    detector: str
    group: str
    label: str
    conversation_kind: str
    sender: str
    outcome: str
    default: bool


class PolicyOut(Out):
    school_id: int
    rules: list[RuleOut]


class ConcernReportIn(Schema):
    category: str | None = Field(None, description="One of the concern categories; `other` when left out.")
    note: str = Field(description="What worries you about this message.")


class ConcernReportedOut(Out):
    id: int
    status: str


def _payload(school_id: int, policy: Policy) -> dict[str, Any]:
    return {"school_id": school_id, "rules": policy.table()}


@router.get("/policy", response=answers({200: PolicyOut}), summary="Safeguarding policy")
def get_policy(request: HttpRequest, school_id: int | None = None) -> dict[str, Any]:
    """Every cell of the school's policy: what a finding of each detector does, per conversation kind and
    sender. `default` says the school has not changed it."""
    viewer = caller(request)
    school = queries.policy_school(viewer, school_id)
    return _payload(school.pk, queries.school_policy(viewer, school))


@router.patch("/policy", response=answers({200: PolicyOut}), summary="Change the safeguarding policy")
def patch_policy(request: HttpRequest, data: PolicyPatch) -> dict[str, Any]:
    """Set some cells; a cell set to its default outcome goes back to following the default. A change with a
    cell that is not allowed (`hold` outside a class channel, say) is refused whole with 422 on `rules.N.outcome`."""
    viewer = caller(request)
    school = queries.policy_school(viewer, data.school_id)
    policy = actions.change_policy(school, acting=viewer, rules=[r.dict() for r in data.rules])
    return _payload(school.pk, policy)


@reports_router.post(
    "/messages/{message_id}/concerns", response=answers({201: ConcernReportedOut}), summary="Report a concern"
)
def report_concern(request: HttpRequest, message_id: ObjectId, data: ConcernReportIn) -> Status[dict[str, Any]]:
    """Tell the school's DSL you are worried about this message. Anyone who can see it may."""
    viewer = caller(request)
    message = messaging_queries.get_message(viewer, message_id)
    concern = actions.report_concern(message, acting=viewer, note=data.note, category=data.category)
    return Status(201, {"id": concern.pk, "status": concern.status})
