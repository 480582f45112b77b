"""The DSL queue in the API (DESIGN.md): `GET /safeguarding/concerns` (the queue, open and high first),
`GET /safeguarding/concerns/{id}` (one, with its message in context, the people and the notes) and `PATCH
/safeguarding/concerns/{id} {status?, assigned_to?, note?, referral?, outcome?}`. Only the school's safeguarding
leads and deputies; every look is audited. Messages are shown as the lead sees them: deleted and edited text
included."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import P, QueryEx, Router
from pydantic import Field

from staffroom.api.auth import caller
from staffroom.api.schemas import MAX_ID, ObjectId, Out, RowId, Schema, Timestamp, answers
from staffroom.safeguarding import actions, queries
from staffroom.safeguarding.models import Concern
from staffroom.safeguarding.payloads import concern_detail_payload, concern_payload

router = Router(tags=["safeguarding"])

StatusName = Literal["open", "reviewed", "escalated", "closed"]


class LeadMessageOut(Out):
    """A message as the safeguarding lead sees it: nothing hidden."""

    id: int
    conversation_id: int
    author: dict[str, Any]
    body: str = Field(description="The text as it is now, even if its author deleted the message.")
    original_body: str = Field(description="The text as first sent (before any edit).")
    created_at: Timestamp
    edited_at: Timestamp | None
    edits: list[dict[str, Any]] = Field(description="Earlier versions, oldest first: body, written_at, replaced_at.")
    deleted: bool
    deleted_at: Timestamp | None
    deleted_by: dict[str, Any] | None
    erased: bool = Field(description="Its author's data was erased: the text is gone for everyone.")


class ConcernOut(Out):
    id: int
    category: str
    category_label: str
    severity: str
    status: str
    source: str
    message: LeadMessageOut | None
    conversation_id: int | None
    conversation: str | None
    school_id: int | None
    school: str | None
    about: dict[str, Any] | None
    raised_by: dict[str, Any] | None
    assigned_to: dict[str, Any] | None
    findings: list[Any]
    note: str
    referral: str
    referred_at: Timestamp | None
    outcome: str
    closed_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp


class ConcernDetailOut(ConcernOut):
    context: list[LeadMessageOut] = Field(description="The message with a few before and after it, oldest first.")
    notes: list[dict[str, Any]] = Field(description="The chronology: notes, assignments and status changes.")
    closed_by: dict[str, Any] | None


class ConcernPage(Out):
    items: list[ConcernOut]
    next: str | None


class ConcernPatch(Schema):
    status: StatusName | None = None
    assigned_to: RowId | None = Field(None, description="A safeguarding lead of the concern's school; null: nobody.")
    note: str | None = Field(None, max_length=10_000)
    referral: str | None = Field(
        None, max_length=10_000, description="Required when escalating: to whom (MASH, police, Prevent) and reference."
    )
    outcome: str | None = Field(None, max_length=10_000, description="Required when closing.")


@router.get("/concerns", response=answers({200: ConcernPage}), summary="The safeguarding queue")
def concern_list(
    request: HttpRequest,
    status: QueryEx[StatusName | None, P(description="Only concerns with this status.")] = None,
    category: QueryEx[str | None, P(max_length=20)] = None,
    severity: QueryEx[Literal["low", "medium", "high"] | None, P()] = None,
    assigned_to: QueryEx[int | None, P(ge=1, le=MAX_ID, description="Only those given to this lead.")] = None,
    cursor: QueryEx[str | None, P(max_length=20, description="`next` of the previous page.")] = None,
) -> dict[str, Any]:
    """Concerns of the caller's school (every school for a trust-wide DSL): open before reviewed, escalated and
    closed; high severity first; newest first. DSLs and deputies only (403 for anyone else); audited."""
    if category is not None and category not in Concern.Category.values:
        category = "-"  # an unknown category matches nothing
    filters = queries.Filters(status=status, category=category, severity=severity, assigned_to=assigned_to)
    page = actions.list_concerns(acting=caller(request), filters=filters, cursor=cursor)
    return {"items": [concern_payload(c) for c in page.items], "next": page.next}


@router.get("/concerns/{concern_id}", response=answers({200: ConcernDetailOut}), summary="One concern")
def concern_detail(request: HttpRequest, concern_id: ObjectId) -> dict[str, Any]:
    """The concern with its message in context, the people and the notes. 404 for anyone who may not see it;
    audited."""
    opened = actions.open_concern(concern_id, acting=caller(request))
    return concern_detail_payload(opened.concern, opened.context, opened.notes)


@router.patch("/concerns/{concern_id}", response=answers({200: ConcernDetailOut}), summary="Work on a concern")
def concern_update(request: HttpRequest, concern_id: ObjectId, data: ConcernPatch) -> dict[str, Any]:
    """Assign (only to a safeguarding lead of its school), move the status (open -> reviewed -> escalated ->
    closed; closed from any; reopen a closed one with a note), add a note. Escalating needs `referral`, closing
    `outcome` (422 without). Each change is a note in the chronology and an audit entry."""
    viewer = caller(request)
    actions.update_concern(
        concern_id, acting=viewer, status=data.status, note=data.note, referral=data.referral, outcome=data.outcome,
        assigned_to=data.assigned_to if "assigned_to" in data.model_fields_set else actions.UNCHANGED,
    )  # fmt: skip
    concern = queries.concern_for(viewer, concern_id)
    return concern_detail_payload(concern, queries.messages_in_context(concern), queries.notes_of(concern))
