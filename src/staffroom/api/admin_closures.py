"""A school's closures (term holidays, INSET days) in the API, under /admin: the same as the console's "School
closures" page. IT admins for every school, headteachers for their own; 404 for anyone else."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from staffroom.accounts import actions
from staffroom.accounts import queries as account_queries
from staffroom.accounts.models import SchoolClosure
from staffroom.api.auth import caller
from staffroom.api.schemas import ObjectId, Out, answers, parse_day
from staffroom.errors import Invalid

router = Router(tags=["admin"])


class ClosureIn(Schema):
    label: str = Field(description='What it is: "INSET day", "October half term".', max_length=200)
    starts_on: str = Field(description="The first day closed, YYYY-MM-DD.")
    ends_on: str = Field(description="The last day closed (the same day for one day), YYYY-MM-DD.")


class ClosureOut(Out):
    id: int
    school_id: int
    label: str
    starts_on: str
    ends_on: str


class ClosureList(Out):
    items: list[ClosureOut]
    next: str | None


def _payload(closure: SchoolClosure) -> dict[str, Any]:
    return {
        "id": closure.pk,
        "school_id": closure.school_id,
        "label": closure.label,
        "starts_on": closure.starts_on.isoformat(),
        "ends_on": closure.ends_on.isoformat(),
    }


@router.get("/schools/{school_id}/closures", response=answers({200: ClosureList}), summary="A school's closures")
def closures(request: HttpRequest, school_id: ObjectId) -> dict[str, Any]:
    """Term holidays and INSET days entered for the school, earliest first. Pupils cannot post in class channels
    with posting hours on these days, nor on bank holidays (which need no entry)."""
    return {"items": [_payload(c) for c in account_queries.school_closures(caller(request), school_id)], "next": None}


@router.post("/schools/{school_id}/closures", response=answers({201: ClosureOut}), summary="Add a closure")
def add_closure(request: HttpRequest, school_id: ObjectId, data: ClosureIn) -> Status[dict[str, Any]]:
    viewer = caller(request)
    account_queries.school_closures(viewer, school_id)  # 404 before reading the body
    starts_on, ends_on = parse_day(data.starts_on, "starts_on"), parse_day(data.ends_on, "ends_on")
    if starts_on is None or ends_on is None:
        raise Invalid("starts_on" if starts_on is None else "ends_on", _("Give the first and last day as YYYY-MM-DD."))
    closure = actions.add_school_closure(
        school_id, acting=viewer, starts_on=starts_on, ends_on=ends_on, label=data.label
    )
    return Status(201, _payload(closure))


@router.delete("/closures/{closure_id}", response=answers({204: None}), summary="Remove a closure")
def remove_closure(request: HttpRequest, closure_id: ObjectId) -> HttpResponse:
    viewer = caller(request)
    closure = SchoolClosure.objects.filter(pk=closure_id, school__organisation_id=viewer.organisation_id).first()
    if closure is not None:
        account_queries.school_closures(viewer, closure.school_id)  # 404 for a school the caller does not keep
    actions.remove_school_closure(closure_id, acting=viewer)
    return HttpResponse(status=204)
