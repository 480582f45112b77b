"""The group register of the admin console, under /admin: every conversation of the caller's scope (IT admins
and the DPO: the organisation; headteachers: their school), its owners and members, never a message. IT admins
and headteachers add and remove members from here, saying why, through the same actions as everyone else.

Someone without the register (`register.view`) is answered 403; a conversation outside their register, 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import P, QueryEx, Router, Status
from pydantic import Field, StringConstraints

from staffroom.api.auth import caller
from staffroom.api.schemas import (
    KIND,
    MAX_ID,
    MemberOut,
    ObjectId,
    Out,
    ReviewOut,
    RowId,
    Schema,
    Timestamp,
    answers,
)
from staffroom.errors import Invalid
from staffroom.messaging import actions, queries, register_csv
from staffroom.messaging.models import Conversation
from staffroom.messaging.payloads import member_payload, register_payload, review_payload
from staffroom.messaging.queries import MAX_REGISTER_PAGE, MAX_REGISTER_SEARCH, REGISTER_PAGE, RegisterFilters

router = Router(tags=["admin"])

# Required, and something to read once spaces are trimmed; the action trims the rest and keeps it in the audit.
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class OwnerOut(Out):
    id: int
    name: str


class RegisterRowOut(Out):
    id: int
    kind: str = KIND
    title: str = Field(description="Empty for a direct message.")
    school: str | None = Field(description="Empty for a trust-wide conversation.")
    school_id: int | None
    owners: list[OwnerOut] = Field(description="Who runs it; a direct message has none.")
    member_count: int
    external_count: int = Field(description="How many of its members are externals.")
    created_at: Timestamp
    last_activity_at: Timestamp = Field(description="The last message, or when it was started if none.")
    last_reviewed_at: Timestamp | None = Field(description="When its members were last reviewed.")
    archived: bool
    review_due: bool = Field(description="Its members have not been confirmed this term.")
    review_overdue: bool = Field(description="Due, and the term is past its grace period.")


class RegisterPage(Out):
    items: list[RegisterRowOut]
    next: str | None = Field(description="Pass as `after` for the next page; null on the last page.")


class RegisterEntryOut(RegisterRowOut):
    members: list[MemberOut]
    reviews: list[ReviewOut] = Field(description="Its membership reviews, newest first.")


class RegisterMemberIn(Schema):
    person_id: RowId
    reason: Reason = Field(description="Why you are adding them; kept in the audit log.")


class ReasonIn(Schema):
    reason: Reason = Field(description="Why you are removing them; kept in the audit log.")


def _filters(
    q: str, kind: str | None, school_id: int | None, externals: bool | None, review: str | None = None
) -> RegisterFilters:
    return RegisterFilters(q=q, kind=kind or None, school_id=school_id, externals=externals, review=review or None)


Search = QueryEx[str, P(max_length=MAX_REGISTER_SEARCH, description="Part of the title.")]
KindFilter = QueryEx[str | None, P(description="Only this kind: " + ", ".join(Conversation.Kind.values) + ".")]
SchoolFilter = QueryEx[int | None, P(ge=1, le=MAX_ID, description="Only this school's conversations.")]
ExternalsFilter = QueryEx[bool | None, P(description="`true`: only those with externals; `false`: only without.")]
ReviewFilter = QueryEx[str | None, P(description="`due`: only those whose members are not yet confirmed this term.")]


@router.get("/conversations", response=answers({200: RegisterPage}), summary="The group register")
def list_register(
    request: HttpRequest,
    q: Search = "",
    kind: KindFilter = None,
    school_id: SchoolFilter = None,
    externals: ExternalsFilter = None,
    review: ReviewFilter = None,
    after: QueryEx[str | None, P(max_length=100, description="The `next` value of the previous page.")] = None,
    limit: QueryEx[int, P(ge=1, le=MAX_REGISTER_PAGE)] = REGISTER_PAGE,
) -> dict[str, Any]:
    """Every conversation you oversee, most recent activity first: IT admins and the DPO see the whole
    organisation's, headteachers their school's (not the trust-wide ones). Titles, owners and counts only,
    never what anyone wrote."""
    filters = _filters(q, kind, school_id, externals, review)
    page = queries.register_page(caller(request), filters, after=after, limit=limit)
    return {"items": [register_payload(row) for row in page.items], "next": page.next}


@router.get(
    "/conversations.csv",
    response=answers({200: None}),
    summary="The group register as CSV",
    openapi_extra={"responses": {"200": {"description": "CSV", "content": {"text/csv": {}}}}},
)
def register_as_csv(
    request: HttpRequest,
    q: Search = "",
    kind: KindFilter = None,
    school_id: SchoolFilter = None,
    externals: ExternalsFilter = None,
    review: ReviewFilter = None,
) -> HttpResponse:
    """The same rows as the register (every page), with a header row, for a spreadsheet."""
    rows = queries.register_rows(caller(request), _filters(q, kind, school_id, externals, review))
    return register_csv.download(rows)


@router.get("/conversations/{conversation_id}", response=answers({200: RegisterEntryOut}), summary="One conversation")
def get_register_entry(request: HttpRequest, conversation_id: ObjectId) -> dict[str, Any]:
    """A conversation of your register and who is in it, with their role in it. Never its messages."""
    entry = queries.register_entry(caller(request), conversation_id)
    return {
        **register_payload(entry.row),
        "members": [member_payload(m) for m in entry.members],
        "reviews": [review_payload(r) for r in entry.reviews],
    }


@router.post("/conversations/{conversation_id}/members", response=answers({201: MemberOut}), summary="Add a member")
def add_member(request: HttpRequest, conversation_id: ObjectId, data: RegisterMemberIn) -> Status[dict[str, Any]]:
    """Add someone to a conversation of your register (IT admins and headteachers), saying why. The same rules
    hold as for the people who run it: pupils only in their class channel, nobody added to a direct message."""
    viewer = caller(request)
    conversation = queries.register_conversation(viewer, conversation_id)
    membership = actions.add_member(conversation, data.person_id, acting=viewer, reason=data.reason)
    return Status(201, member_payload(membership))


@router.delete(
    "/conversations/{conversation_id}/members/{person_id}",
    response=answers({204: None}),
    summary="Remove a member",
)
def remove_member(
    request: HttpRequest,
    conversation_id: ObjectId,
    person_id: ObjectId,
    reason: QueryEx[str | None, P(max_length=500, description='Why; or send `{"reason"}` as the body.')] = None,
    data: ReasonIn | None = None,
) -> Status[None]:
    """Take someone out of a conversation of your register (IT admins and headteachers), saying why, in the
    query (`?reason=`) or the body. A class channel keeps at least one member of staff; nobody is removed from
    a direct message."""
    viewer = caller(request)
    said = (reason or "").strip() or (data.reason if data is not None else "")
    if not said:
        raise Invalid("reason", _("Say why you are removing them; the reason is kept in the audit log."))
    conversation = queries.register_conversation(viewer, conversation_id)
    actions.remove_member(conversation, person_id, acting=viewer, reason=said)
    return Status(204, None)
