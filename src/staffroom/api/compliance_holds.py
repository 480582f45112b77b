"""Legal holds in the compliance API (DESIGN.md): `POST /compliance/holds {reason, person_ids?, conversation_ids?,
starts_on?, ends_on?}` places one, `DELETE /compliance/holds/{id}` releases it (with a reason, as `reason` in a
JSON body or the query), `GET /compliance/holds` lists them."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import P, QueryEx, Router, Status
from pydantic import Field

from staffroom.api.auth import caller
from staffroom.api.schemas import ObjectId, Out, RowId, Schema, Timestamp, answers, parse_day
from staffroom.compliance import actions, holds

router = Router(tags=["compliance"])


class HoldIn(Schema):
    reason: str = Field(max_length=5000)
    person_ids: list[RowId] = Field(default_factory=list, max_length=1000)
    conversation_ids: list[RowId] = Field(default_factory=list, max_length=1000)
    starts_on: str | None = Field(None, max_length=10, description="YYYY-MM-DD; messages sent from this day.")
    ends_on: str | None = Field(None, max_length=10, description="YYYY-MM-DD; messages sent up to this day.")


class HoldOut(Out):
    id: int
    reason: str
    people: list[dict[str, Any]]
    conversations: list[dict[str, Any]]
    starts_on: str | None
    ends_on: str | None
    placed_by: dict[str, Any] | None
    placed_at: Timestamp
    released_by: dict[str, Any] | None
    released_at: Timestamp | None
    release_reason: str
    in_force: bool


class HoldPage(Out):
    items: list[HoldOut]
    next: str | None


@router.get("/holds", response=answers({200: HoldPage}), summary="Legal holds")
def hold_list(request: HttpRequest) -> dict[str, Any]:
    """Every hold, those in force first. For the DPO, and the headteacher (read only)."""
    return {"items": [holds.hold_payload(h) for h in holds.holds_list(caller(request))[:500]], "next": None}


@router.post("/holds", response=answers({201: HoldOut}), summary="Place a legal hold")
def place(request: HttpRequest, data: HoldIn) -> Status[dict[str, Any]]:
    """Nothing in scope is purged until the hold is released. People and conversations add up; dates are
    inclusive and either may be left open. A hold ending before it starts, or naming nothing, is refused (422)."""
    hold = actions.place_hold(
        acting=caller(request), reason=data.reason, person_ids=data.person_ids,
        conversation_ids=data.conversation_ids, starts_on=parse_day(data.starts_on, "starts_on"),
        ends_on=parse_day(data.ends_on, "ends_on"),
    )  # fmt: skip
    return Status(201, holds.hold_payload(hold))


@router.delete("/holds/{hold_id}", response=answers({200: HoldOut}), summary="Release a legal hold")
def release(
    request: HttpRequest, hold_id: ObjectId, reason: QueryEx[str, P(max_length=5000, description="Why.")] = ""
) -> dict[str, Any]:
    """Release a hold: what it kept is removed again when its rules say so. The reason may come in a JSON body
    (`{"reason": "..."}`) instead of the query."""
    if not reason and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("reason"), str):
            reason = body["reason"][:5000]
    hold = actions.release_hold(hold_id, acting=caller(request), reason=reason)
    return holds.hold_payload(hold)
