"""Erasure requests (UK GDPR Art. 17) for the data protection officer: log one, list them, read one (with what
stands in the way of erasing now), and decide: erase or refuse, with why. Thin: the actions and queries of
compliance do the work, as for the console's pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field

from staffroom.api.auth import caller
from staffroom.api.schemas import ObjectId, Out, RowId, Schema, Timestamp, answers, parse_day
from staffroom.compliance import actions
from staffroom.compliance.queries import erasure_payload, erasure_request, erasure_requests

router = Router(tags=["compliance"])


class ErasureIn(Schema):
    subject_id: RowId = Field(description="The person whose data is to be erased: someone of your organisation.")
    reason: str = Field(max_length=10000, description="Why the request was made (required).")
    received_on: str | None = Field(None, description="YYYY-MM-DD; today if not given.")


class ErasureDecisionIn(Schema):
    decision: str = Field(description="`erase` or `refuse`.")
    reason: str = Field(max_length=10000, description="Why (required): the record of the decision.")


class ErasureOut(Out):
    id: int
    subject: dict[str, Any] = Field(description="`{id, name}`; after an erasure the name is `Erased person`.")
    received_on: str = Field(json_schema_extra={"format": "date"})
    reason: str
    logged_by: dict[str, Any]
    logged_at: Timestamp
    status: str = Field(description="`open`, `erased` or `refused`.")
    decision: str | None
    decision_reason: str
    decided_by: dict[str, Any] | None
    decided_at: Timestamp | None
    erased: dict[str, int] = Field(description="Counts of what was erased (messages, files, ...); never content.")
    reasons_to_refuse: list[str] = Field(
        description="For an open request: what stands in the way of erasing now (still here, a legal hold, ...)."
    )


class ErasurePage(Out):
    items: list[ErasureOut]
    next: str | None


@router.get("/erasures", response=answers({200: ErasurePage}), summary="Erasure requests")
def erasures(request: HttpRequest) -> dict[str, Any]:
    """Your organisation's erasure requests, open ones first: for the data protection officer."""
    return {"items": [erasure_payload(r) for r in erasure_requests(caller(request))[:500]], "next": None}


@router.post("/erasures", response=answers({201: ErasureOut}), summary="Log an erasure request")
def add_erasure(request: HttpRequest, data: ErasureIn) -> Status[dict[str, Any]]:
    made = actions.request_erasure(
        data.subject_id,
        acting=caller(request),
        reason=data.reason,
        received_on=parse_day(data.received_on, "received_on"),
    )
    return Status(201, erasure_payload(made))


@router.get("/erasures/{erasure_id}", response=answers({200: ErasureOut}), summary="One erasure request")
def erasure(request: HttpRequest, erasure_id: ObjectId) -> dict[str, Any]:
    return erasure_payload(erasure_request(caller(request), erasure_id))


@router.post("/erasures/{erasure_id}/decide", response=answers({200: ErasureOut}), summary="Decide a request")
def decide(request: HttpRequest, erasure_id: ObjectId, data: ErasureDecisionIn) -> dict[str, Any]:
    """`erase` anonymises the person and removes what they wrote, their files and sign-in accounts, in one go; it
    is refused (422) while one of `reasons_to_refuse` applies. `refuse` records the decision and erases nothing."""
    decided = actions.decide_erasure(erasure_id, acting=caller(request), decision=data.decision, reason=data.reason)
    return erasure_payload(decided)
