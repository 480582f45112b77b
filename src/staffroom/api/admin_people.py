"""The admin console's people, for IT admins (trust-wide) and headteachers (their school): starters, changes,
leavers, and signing someone out everywhere. Every change is an accounts action with its audit entry."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import P, QueryEx, Router, Status

from staffroom.accounts import actions, queries
from staffroom.accounts.models import Person
from staffroom.accounts.payloads import admin_person_payload
from staffroom.api.auth import caller
from staffroom.api.schemas import (
    MAX_ID,
    AdminPersonOut,
    AdminPersonPage,
    EndedOut,
    ObjectId,
    PersonIn,
    PersonPatch,
    ReasonIn,
    answers,
    parse_day,
)
from staffroom.errors import Invalid, NotFound, PermissionDenied

router = Router(tags=["admin"])

PAGE = 50
MAX_PAGE = 200


def _shown(viewer: Person, person_id: int) -> dict[str, Any]:
    person = queries.managed_people(viewer).filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    return admin_person_payload(person)


@router.get("/people", response=answers({200: AdminPersonPage}), summary="People you manage")
def list_people(
    request: HttpRequest,
    q: QueryEx[str, P(max_length=200, description="Part of a name, handle or email address.")] = "",
    school_id: QueryEx[int | None, P(ge=1, le=MAX_ID)] = None,
    role: QueryEx[str, P(max_length=40, description="A role code, e.g. `teacher`.")] = "",
    status: QueryEx[str, P(max_length=20, description="`active`, `leaving` (a leave date is set) or `inactive`.")] = "",
    after: QueryEx[int | None, P(ge=1, le=MAX_ID, description="The `next` value of the previous page.")] = None,
    limit: QueryEx[int, P(ge=1, le=MAX_PAGE)] = PAGE,
) -> dict[str, Any]:
    """Everyone you manage, leavers and pupils included, in name order."""
    viewer = caller(request)
    if not queries.manages_people(viewer):
        raise PermissionDenied(_("Only IT admins and headteachers manage people."))
    people = queries.managed_people(viewer, search=q.strip(), school_id=school_id, role=role, status=status)
    page, next_id = queries.name_order_page(people, after=after, limit=limit)
    return {"items": [admin_person_payload(p) for p in page], "next": str(next_id) if next_id else None}


@router.post("/people", response=answers({201: AdminPersonOut}), summary="Add a person (a starter)")
def add_person(request: HttpRequest, data: PersonIn) -> Status[dict[str, Any]]:
    """They sign in with this address by single sign-on, or set a password from the sign-in link."""
    viewer = caller(request)
    person = actions.add_person(
        acting=viewer, email=data.email, name=data.name, school_id=data.school_id, roles=data.roles,
        leaves_on=parse_day(data.leaves_on, "leaves_on"),
    )  # fmt: skip
    return Status(201, _shown(viewer, person.pk))


@router.get("/people/{person_id}", response=answers({200: AdminPersonOut}), summary="One person you manage")
def get_person(request: HttpRequest, person_id: ObjectId) -> dict[str, Any]:
    viewer = caller(request)
    queries.managed_person(viewer, person_id)  # 403 for someone who manages nobody, else 404
    return _shown(viewer, person_id)


@router.patch("/people/{person_id}", response=answers({200: AdminPersonOut}), summary="Change a person")
def change_person(request: HttpRequest, person_id: ObjectId, data: PersonPatch) -> dict[str, Any]:
    """Change their name, school, roles or leave date; `active: false` makes them a leaver now (every session,
    token and open socket ends at once), `active: true` restores access. All of it happens, or none."""
    viewer = caller(request)
    given = data.model_fields_set
    changes: dict[str, Any] = {}
    for field in ("name", "school_id", "roles"):
        if field in given:
            if getattr(data, field) is None and field != "school_id":
                raise Invalid(field, _("%(field)s cannot be empty.") % {"field": field})
            changes[field] = getattr(data, field)
    if "leaves_on" in given:
        changes["leaves_on"] = parse_day(data.leaves_on, "leaves_on")
    person = actions.change_person(
        person_id, acting=viewer, active=data.active if "active" in given else None,
        hand_over_to=data.hand_over_to, reason=data.reason, **changes,
    )  # fmt: skip
    return _shown(viewer, person.pk)


@router.post(
    "/people/{person_id}/end-sessions", response=answers({200: EndedOut}), summary="Sign a person out everywhere"
)
def end_sessions(request: HttpRequest, person_id: ObjectId, data: ReasonIn) -> dict[str, Any]:
    """For a lost or stolen phone: every browser session, API token and open socket of theirs ends now. They
    can sign in again."""
    return {"ended": actions.end_sessions(person_id, acting=caller(request), reason=data.reason)}
