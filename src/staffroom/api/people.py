"""The caller's own profile and the directory of people they may look up."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import P, QueryEx, Router
from pydantic import Field

from staffroom.accounts import queries
from staffroom.accounts.payloads import me_payload, person_payload
from staffroom.api.auth import caller
from staffroom.api.schemas import MAX_ID, MeOut, ObjectId, Out, PersonOut, PersonPage, Schema, answers
from staffroom.compliance.actions import report_lost_device
from staffroom.offline import forget_this_device

router = Router(tags=["people"])

DIRECTORY_PAGE = 50
MAX_DIRECTORY_PAGE = 200


@router.get("/me", response=answers({200: MeOut}), summary="Your profile")
def me(request: HttpRequest) -> dict[str, Any]:
    """Who you are signed in as: your name, roles and school, and your own sign-in address."""
    return me_payload(caller(request))


@router.get("/users", response=answers({200: PersonPage}), summary="Directory")
def directory(
    request: HttpRequest,
    q: QueryEx[str, P(max_length=200, description="Part of a name or handle.")] = "",
    school_id: QueryEx[int | None, P(ge=1, le=MAX_ID)] = None,
    after: QueryEx[int | None, P(ge=1, le=MAX_ID, description="The `next` value of the previous page.")] = None,
    limit: QueryEx[int, P(ge=1, le=MAX_DIRECTORY_PAGE)] = DIRECTORY_PAGE,
) -> dict[str, Any]:
    """People you may look up, by name. Staff see the staff of their organisation (never pupils); pupils and
    externals see only people they share a conversation with. Contact details are never included."""
    people = queries.directory(caller(request), search=q.strip(), school_id=school_id)
    page, next_id = queries.name_order_page(people, after=after, limit=limit)
    return {"items": [person_payload(p) for p in page], "next": str(next_id) if next_id else None}


@router.get("/users/{person_id}", response=answers({200: PersonOut}), summary="One person")
def person(request: HttpRequest, person_id: ObjectId) -> dict[str, Any]:
    """A person from your directory (or yourself)."""
    return person_payload(queries.get_person(caller(request), person_id))


class LostDeviceIn(Schema):
    note: str = Field("", max_length=2000, description="Anything that helps: which device, where, when.")


class LostDeviceOut(Out):
    ended: int = Field(description="How many sessions and tokens ended (this one included).")
    breach_id: int = Field(description="The breach register entry opened for the data protection officer.")


@router.post("/me/lost-device", response=answers({200: LostDeviceOut}), summary="Report a lost or stolen device")
def lost_device(request: HttpRequest, data: LostDeviceIn | None = None) -> dict[str, Any]:
    """Every session and token you have ends at once, this one too, and every open socket closes; the data
    protection officer is told (an entry in the breach register). Sign in again on the devices you still have."""
    breach, ended = report_lost_device(acting=caller(request), note=data.note if data else "")
    forget_this_device(request)  # Clear-Site-Data: this browser drops its offline pages and unsent messages
    return {"ended": ended, "breach_id": breach.pk}
