"""Outsiders: staff ask for one to join conversations they run (`POST /externals`), the DPO or an IT admin
approves or refuses (`/admin/externals/...`). The approved external gets an invitation to set a password."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import P, QueryEx, Router, Status

from staffroom.accounts.invitations import send_external_invitation
from staffroom.accounts.models import ExternalAccessRequest
from staffroom.api.auth import caller
from staffroom.api.schemas import (
    MAX_ID,
    DecisionIn,
    ExternalRequestIn,
    ExternalRequestOut,
    ExternalRequestPage,
    ObjectId,
    answers,
)
from staffroom.errors import Invalid
from staffroom.messaging import actions, queries
from staffroom.messaging.payloads import external_request_payload

router = Router(tags=["externals"])
admin_router = Router(tags=["admin"])

PAGE = 50


@router.post("/externals", response=answers({201: ExternalRequestOut}), summary="Ask for an outsider to join")
def request_external(request: HttpRequest, data: ExternalRequestIn) -> Status[dict[str, Any]]:
    """For conversations you run: a contractor, a visiting professional or a supply teacher. They are let in
    only once the DPO or an IT admin approves, until the end date, marked External everywhere."""
    try:
        ends = date.fromisoformat(data.access_ends_on) if data.access_ends_on else None
    except ValueError:
        raise Invalid("access_ends_on", _("Give a real date as YYYY-MM-DD.")) from None
    made = actions.request_external(
        acting=caller(request), name=data.name, email=data.email, organisation_name=data.organisation_name,
        reason=data.reason, conversation_ids=data.conversation_ids, access_ends_on=ends,
    )  # fmt: skip
    return Status(201, external_request_payload(made))


@router.get("/externals", response=answers({200: ExternalRequestPage}), summary="Your requests for outsiders")
def my_requests(request: HttpRequest) -> dict[str, Any]:
    """The requests you made, newest first, with what was decided and why."""
    mine = queries.my_external_requests(caller(request))[:PAGE]
    return {"items": [external_request_payload(r) for r in mine], "next": None}


@admin_router.get("/externals", response=answers({200: ExternalRequestPage}), summary="Requests for outsiders")
def list_requests(
    request: HttpRequest,
    status: QueryEx[str, P(max_length=20, description="`pending`, `approved` or `rejected`.")] = "",
    after: QueryEx[int | None, P(ge=1, le=MAX_ID, description="The `next` value of the previous page.")] = None,
) -> dict[str, Any]:
    """Every request of the organisation, newest first: for the DPO and IT admins, who decide them."""
    requests = queries.external_requests(caller(request), status=status)
    if after is not None:
        requests = requests.filter(pk__lt=after)
    page = list(requests[: PAGE + 1])
    more = len(page) > PAGE
    page = page[:PAGE]
    return {"items": [external_request_payload(r) for r in page], "next": str(page[-1].pk) if more else None}


@admin_router.post(
    "/externals/{request_id}/approve", response=answers({200: ExternalRequestOut}), summary="Approve an outsider"
)
def approve(request: HttpRequest, request_id: ObjectId, data: DecisionIn) -> dict[str, Any]:
    """Makes their account (External, ending on the request's date), adds them to the conversations, and emails
    them an invitation to set a password."""
    viewer = caller(request)
    external = actions.approve_external(request_id, acting=viewer, reason=data.reason)
    decided = ExternalAccessRequest.objects.select_related("sponsor", "decided_by").get(pk=request_id)
    send_external_invitation(request, external, sponsor=decided.sponsor)
    return external_request_payload(decided)


@admin_router.post(
    "/externals/{request_id}/refuse", response=answers({200: ExternalRequestOut}), summary="Refuse an outsider"
)
def refuse(request: HttpRequest, request_id: ObjectId, data: DecisionIn) -> dict[str, Any]:
    """The sponsor sees the reason."""
    refused = actions.refuse_external(request_id, acting=caller(request), reason=data.reason)
    return external_request_payload(refused)
