"""Investigation exports (four eyes) under /api/v1/compliance/exports: a compliance person asks for a scope
with a reason, a second approves or refuses, and then the requester or the approver downloads the ZIP (edit
and delete history included) until it expires. Nothing of the content is shown before approval: an export's
payload holds its scope, reason, decision and counts only."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Router, Status
from pydantic import Field

from staffroom.api.auth import caller
from staffroom.api.schemas import ObjectId, Out, RowId, Schema, Timestamp, answers, parse_day
from staffroom.compliance import actions
from staffroom.compliance.bundle import spooled_download
from staffroom.compliance.investigations import export_payload, get_investigation_export, investigation_exports
from staffroom.errors import Invalid

router = Router(tags=["compliance"])

MAX_NOTE = 5000
ZIP = {"200": {"description": "The export as a ZIP", "content": {"application/zip": {}}}}


class ExportIn(Schema):
    reason: str = Field("", max_length=5000, description="Why the export is needed (kept, and shown to the approver).")
    person_ids: list[RowId] = Field(default_factory=list, max_length=500,
                                    description="Messages written by, or mentioning, any of these people.")  # fmt: skip
    conversation_ids: list[RowId] = Field(default_factory=list, max_length=500)
    from_: str | None = Field(None, alias="from", max_length=10, description="YYYY-MM-DD, inclusive.")
    to: str | None = Field(None, max_length=10, description="YYYY-MM-DD, inclusive.")
    words: list[str] = Field(default_factory=list, max_length=50,
                             description="Messages containing any of these words or phrases.")  # fmt: skip


class RefusalIn(Schema):
    reason: str = Field("", max_length=5000)


class ExportOut(Out):
    id: int
    status: str = Field(description="`requested`, `approved`, `refused` or `expired`.")
    reason: str
    requested_by: dict[str, Any]
    requested_at: Timestamp
    school: str | None = Field(description="The one school the scope lies in; null for the trust.")
    scope: dict[str, Any] = Field(
        description="`{person_ids, conversation_ids, from, to, words, people, conversations}`."
    )
    approved_by: dict[str, Any] | None
    approved_at: Timestamp | None
    expires_at: Timestamp | None = Field(description="Until when it may be downloaded.")
    refused_by: dict[str, Any] | None
    refused_at: Timestamp | None
    refusal_reason: str
    downloads: int
    last_downloaded_at: Timestamp | None
    may_approve: bool
    may_download: bool
    message_count: int | None = Field(None, description="How many messages the scope holds now (one export only).")


class ExportPage(Out):
    items: list[ExportOut]
    next: str | None


@router.get("/exports", response=answers({200: ExportPage}), summary="Investigation exports")
def exports(request: HttpRequest) -> dict[str, Any]:
    """The investigation exports you may see (the DPO: all; a headteacher: their school's), newest first."""
    viewer = caller(request)
    return {"items": [export_payload(e, viewer=viewer) for e in investigation_exports(viewer)[:500]], "next": None}


@router.post("/exports", response=answers({201: ExportOut}), summary="Ask for an investigation export")
def request_export(request: HttpRequest, data: ExportIn) -> Status[dict[str, Any]]:
    """Ask for the messages of a scope, with a reason. A second compliance person must approve before anything
    of the content can be downloaded."""
    viewer = caller(request)
    export = actions.request_investigation_export(
        acting=viewer, reason=data.reason, person_ids=data.person_ids, conversation_ids=data.conversation_ids,
        date_from=parse_day(data.from_, "from"), date_to=parse_day(data.to, "to"), words=data.words,
    )  # fmt: skip
    return Status(201, export_payload(export, viewer=viewer))


@router.get("/exports/{export_id}", response=answers({200: ExportOut}), summary="One investigation export")
def export(request: HttpRequest, export_id: ObjectId) -> dict[str, Any]:
    """Its scope, reason and decision, and how many messages it holds: never their text."""
    viewer = caller(request)
    return export_payload(get_investigation_export(viewer, export_id), viewer=viewer, count=True)


def _note(request: HttpRequest) -> str:
    """The approval's optional `{"note": ...}`: an approval may be sent with no body at all."""
    if not request.body.strip() or request.content_type != "application/json":
        return ""
    try:
        data = json.loads(request.body)
    except ValueError:
        raise Invalid("body", _("Send a JSON object, or nothing.")) from None
    note = data.get("note", "") if isinstance(data, dict) else None
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise Invalid("note", _("A note is text of at most %(n)d characters.") % {"n": MAX_NOTE})
    return note


@router.post("/exports/{export_id}/approve", response=answers({200: ExportOut}), summary="Approve (second person)")
def approve(request: HttpRequest, export_id: ObjectId) -> dict[str, Any]:
    """A second compliance person (never the requester) approves; it may then be downloaded for 7 days. The body
    is optional: `{"note": "..."}` keeps a note with the approval."""
    viewer = caller(request)
    export = actions.approve_investigation_export(export_id, acting=viewer, note=_note(request))
    return export_payload(export, viewer=viewer)


@router.post("/exports/{export_id}/refuse", response=answers({200: ExportOut}), summary="Refuse (second person)")
def refuse(request: HttpRequest, export_id: ObjectId, data: RefusalIn) -> dict[str, Any]:
    viewer = caller(request)
    return export_payload(actions.refuse_investigation_export(export_id, acting=viewer, reason=data.reason),
                          viewer=viewer)  # fmt: skip


@router.get(
    "/exports/{export_id}/download", response=answers({200: None}), summary="Download an approved export",
    openapi_extra={"responses": ZIP},
)  # fmt: skip
def download(request: HttpRequest, export_id: ObjectId) -> HttpResponseBase:
    """The ZIP (index.html, messages.json with edit and delete history, attachments, manifest.json), for the
    requester or the approver while the approval lasts. Each download is audited."""
    viewer = caller(request)
    response, _summary = spooled_download(
        lambda target: actions.download_investigation_export(export_id, acting=viewer, target=target),
        filename=f"staffroom-investigation-{export_id}.zip",
    )
    return response
