"""Termly membership reviews for whoever runs a conversation: which are due, and confirming the members."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from pydantic import Field

from staffroom.api.auth import caller
from staffroom.api.schemas import KIND, ObjectId, Out, ReviewOut, RowId, Schema, Timestamp, answers
from staffroom.messaging import actions, queries, reviews
from staffroom.messaging.payloads import review_payload

router = Router(tags=["conversations"])


class ReviewDueOut(Out):
    id: int = Field(description="The conversation.")
    kind: str = KIND
    title: str
    last_reviewed_at: Timestamp | None
    overdue: bool = Field(description="The term is past its grace period and the review is still waiting.")


class ReviewsDue(Out):
    items: list[ReviewDueOut]
    term_start: str = Field(json_schema_extra={"format": "date"})
    next: str | None


class ReviewIn(Schema):
    remove_ids: list[RowId] = Field(default_factory=list, max_length=200, description="Members to take out first.")
    note: str = Field("", max_length=5000)


@router.get("/reviews", response=answers({200: ReviewsDue}), summary="Membership reviews you owe")
def due(request: HttpRequest) -> dict[str, Any]:
    """Conversations you run whose members you have not confirmed this term. Once a term, confirm who should
    still be in each (the register shows the school's admins which are overdue)."""
    viewer = caller(request)
    overdue = reviews.is_overdue()
    items = [
        {"id": c.pk, "kind": c.kind, "title": c.title, "overdue": overdue,
         "last_reviewed_at": c.last_reviewed_at.isoformat() if c.last_reviewed_at else None}
        for c in reviews.due_for(viewer)[:200]
    ]  # fmt: skip
    return {"items": items, "term_start": reviews.term_start().isoformat(), "next": None}


@router.post("/conversations/{conversation_id}/review", response=answers({200: ReviewOut}), summary="Confirm members")
def review(request: HttpRequest, conversation_id: ObjectId, data: ReviewIn) -> dict[str, Any]:
    """Confirm who stays in a conversation you run, taking out `remove_ids` first (all of it, or nothing)."""
    viewer = caller(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    done = actions.review_members(conversation, acting=viewer, remove_ids=data.remove_ids, note=data.note)
    return review_payload(done)
