"""Subject access requests in the API (DESIGN.md: `POST /api/v1/compliance/sars {subject_id, received_on, reason}`
-> `{id, subject, received_on, due_on, status}`, and `GET .../sars/{id}/export` -> the ZIP): the list and one
request (the DPO; a headteacher, read-only, for their school's people), and a POST for each step."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import P, QueryEx, Router, Status
from pydantic import Field

from staffroom.api.auth import caller
from staffroom.api.schemas import MAX_ID, ObjectId, Out, Schema, Timestamp, answers, parse_day
from staffroom.compliance import actions
from staffroom.compliance.queries import sar_payload, subject_access_request, subject_access_requests
from staffroom.errors import Invalid

router = Router(tags=["compliance"])

Day = Field(json_schema_extra={"format": "date"})


class SarIn(Schema):
    subject_id: int = Field(ge=1, le=MAX_ID, description="The person whose data is asked for.")
    received_on: str = Field(max_length=10, description="YYYY-MM-DD: the day the request reached the school.")
    reason: str = Field(max_length=5000, description="What was asked for, and how it came in.")
    identity_checked: bool = Field(False, description="The requester's identity is already checked.")
    notes: str = Field("", max_length=5000)


class SarOut(Out):
    id: int
    subject: dict[str, Any] = Field(description="`{id, name, school, active}`.")
    received_on: str = Day
    due_on: str = Field(description="YYYY-MM-DD: by when it must be answered (docs/records.md).")
    status: str = Field(description="`waiting_for_id`, `open`, `extended`, `answered` or `withdrawn`.")
    reason: str
    notes: str
    identity_checked: bool
    identity_checked_by: dict[str, Any] | None
    identity_checked_at: Timestamp | None
    paused: bool = Field(description="The clock is stopped (waiting for ID or clarification).")
    paused_since: str | None
    pause_kind: str | None
    pauses: list[dict[str, Any]]
    extended: bool
    extended_reason: str
    answered_on: str | None
    answer_digest: str | None = Field(description="SHA-256 of the messages.json sent.")
    withdrawn_reason: str
    days_left: int | None = Field(description="Negative when overdue; null when closed or the clock is stopped.")
    due_in_words: str
    next_step: str
    search_from: str | None
    search_to: str | None
    exported_at: Timestamp | None
    export_digest: str | None
    logged_by: dict[str, Any] | None
    logged_at: Timestamp


class SarPage(Out):
    items: list[SarOut]
    next: str | None


class NoteIn(Schema):
    note: str = Field(max_length=5000, description="What was asked of the requester.")


class ReasonIn(Schema):
    reason: str = Field(max_length=5000)


class ReviewIn(Schema):
    words: list[str] = Field(default_factory=list, max_length=200, description="Blanked in the whole export.")
    search_from: str | None = Field(None, max_length=10, description="YYYY-MM-DD: messages from this day.")
    search_to: str | None = Field(None, max_length=10, description="YYYY-MM-DD: messages up to this day.")


class MessageChoiceIn(Schema):
    exclude: bool = Field(False, description="Leave the message out of the export.")
    words: list[str] = Field(default_factory=list, max_length=200, description="Blanked in this message.")


@router.get("/sars", response=answers({200: SarPage}), summary="Subject access requests")
def sars(
    request: HttpRequest, open_only: QueryEx[bool, P(description="Only requests still open.")] = False
) -> dict[str, Any]:
    """Open requests first, soonest due first; then closed ones. For the data protection officer (a headteacher
    sees their own school's people's, read-only)."""
    found = subject_access_requests(caller(request), open_only=open_only)
    return {"items": [sar_payload(r) for r in found[:500]], "next": None}


@router.post("/sars", response=answers({201: SarOut}), summary="Log a subject access request")
def log(request: HttpRequest, data: SarIn) -> Status[dict[str, Any]]:
    """The due date follows the rule in docs/records.md; until the identity is checked the clock stands still."""
    received = parse_day(data.received_on, "received_on")
    if received is None:
        raise Invalid("received_on", _("Say when the request was received, as YYYY-MM-DD."))
    made = actions.log_sar(
        acting=caller(request), subject_id=data.subject_id, received_on=received, reason=data.reason,
        identity_checked=data.identity_checked, notes=data.notes,
    )  # fmt: skip
    return Status(201, sar_payload(subject_access_request(caller(request), made.pk)))


@router.get("/sars/{sar_id}", response=answers({200: SarOut}), summary="One subject access request")
def one(request: HttpRequest, sar_id: ObjectId) -> dict[str, Any]:
    return sar_payload(subject_access_request(caller(request), sar_id))


def _after(request: HttpRequest, sar_id: int) -> dict[str, Any]:
    return sar_payload(subject_access_request(caller(request), sar_id))


@router.post("/sars/{sar_id}/identity-checked", response=answers({200: SarOut}), summary="Identity checked")
def identity_checked(request: HttpRequest, sar_id: ObjectId) -> dict[str, Any]:
    """The requester proved who they are: the clock starts (the due date moves on by the days it waited)."""
    actions.record_identity_checked(sar_id, acting=caller(request))
    return _after(request, sar_id)


@router.post("/sars/{sar_id}/pause", response=answers({200: SarOut}), summary="Stop the clock for clarification")
def pause(request: HttpRequest, sar_id: ObjectId, data: NoteIn) -> dict[str, Any]:
    actions.pause_sar(sar_id, acting=caller(request), note=data.note)
    return _after(request, sar_id)


@router.post("/sars/{sar_id}/resume", response=answers({200: SarOut}), summary="Restart the clock")
def resume(request: HttpRequest, sar_id: ObjectId) -> dict[str, Any]:
    actions.resume_sar(sar_id, acting=caller(request))
    return _after(request, sar_id)


@router.post("/sars/{sar_id}/extend", response=answers({200: SarOut}), summary="Extend by two months")
def extend(request: HttpRequest, sar_id: ObjectId, data: ReasonIn) -> dict[str, Any]:
    """Once, for a complex request, saying why."""
    actions.extend_sar(sar_id, acting=caller(request), reason=data.reason)
    return _after(request, sar_id)


@router.post("/sars/{sar_id}/review", response=answers({200: SarOut}), summary="Words to blank and dates")
def review(request: HttpRequest, sar_id: ObjectId, data: ReviewIn) -> dict[str, Any]:
    actions.review_sar(
        sar_id, acting=caller(request), words=data.words, search_from=parse_day(data.search_from, "search_from"),
        search_to=parse_day(data.search_to, "search_to"),
    )  # fmt: skip
    return _after(request, sar_id)


@router.post(
    "/sars/{sar_id}/messages/{message_id}", response=answers({200: SarOut}), summary="Leave out or blank a message"
)
def message_choice(
    request: HttpRequest, sar_id: ObjectId, message_id: ObjectId, data: MessageChoiceIn
) -> dict[str, Any]:
    actions.redact_sar_message(sar_id, message_id, acting=caller(request), exclude=data.exclude, words=data.words)
    return _after(request, sar_id)


@router.post("/sars/{sar_id}/answer", response=answers({200: SarOut}), summary="Mark answered")
def answer(request: HttpRequest, sar_id: ObjectId) -> dict[str, Any]:
    """The last export was sent; its messages.json digest is kept as the answer."""
    actions.answer_sar(sar_id, acting=caller(request))
    return _after(request, sar_id)


@router.post("/sars/{sar_id}/withdraw", response=answers({200: SarOut}), summary="Withdrawn")
def withdraw(request: HttpRequest, sar_id: ObjectId, data: ReasonIn) -> dict[str, Any]:
    actions.withdraw_sar(sar_id, acting=caller(request), reason=data.reason)
    return _after(request, sar_id)


@router.get(
    "/sars/{sar_id}/export",
    response=answers({200: None}),
    summary="The export (ZIP)",
    openapi_extra={"responses": {"200": {"description": "ZIP", "content": {"application/zip": {}}}}},
)
def export(request: HttpRequest, sar_id: ObjectId) -> FileResponse:
    """`manifest.json` (SHA-256 of every file), `index.html`, `messages.json` and attachments, with other
    people's personal data blanked as reviewed. Audited (counts and digest); the DPO's alone."""
    response, _summary = actions.export_sar(sar_id, acting=caller(request))
    return response
