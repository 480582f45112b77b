"""Typed shapes for the OpenAPI document.

The JSON itself is built by the payload functions (`accounts.payloads`, `messaging.payloads`), which the
realtime events share; these schemas only describe it. `tests/api/test_schemas.py` checks that each schema
names exactly the payload's keys, and `extra="allow"` means a field added to a payload reaches clients even
before it is described here.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import P, PathEx, Schema
from pydantic import ConfigDict, Field

from staffroom.errors import Invalid
from staffroom.messaging.models import Conversation

# The largest id a 64-bit primary key can hold: larger numbers are refused before they reach the database.
MAX_ID = 2**63 - 1

ObjectId = PathEx[int, P(ge=1, le=MAX_ID)]
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class Out(Schema):
    model_config = ConfigDict(extra="allow")


# --- errors -----------------------------------------------------------------------------------------------


class ErrorDetail(Schema):
    code: str = Field(description="Stable machine-readable reason, e.g. `not_found`, `invalid`, `forbidden`.")
    message: str = Field(description="What went wrong and what to do about it, for a person to read.")
    field: str | None = Field(None, description="The input field at fault, when there is one.")
    findings: list[dict[str, Any]] | None = Field(
        None,
        description="With 409 `confirm_required`: what asks for confirmation (e.g. `{kind: photo_faces, "
        "attachment_id, filename, faces}`); send again with `confirmed: true` to go ahead.",
    )


class Error(Schema):
    error: ErrorDetail


ERRORS = frozenset({400, 401, 403, 404, 405, 409, 422, 429})


def answers(ok: dict[int, Any], *, extra_errors: frozenset[int] = frozenset()) -> dict[Any, Any]:
    """The `response=` of an operation: its success shapes plus the documented error shape."""
    return {**ok, ERRORS | extra_errors: Error}


# --- people -----------------------------------------------------------------------------------------------


class PersonOut(Out):
    """Name, roles and school: never an email address or a phone number."""

    id: int
    name: str
    handle: str
    roles: list[str]
    school: str | None
    school_id: int | None
    external: bool
    active: bool


class MeOut(PersonOut):
    email: str = Field(description="Your own sign-in address; shown to you only.")
    organisation: str
    access_ends_on: str | None = Field(json_schema_extra={"format": "date"})


class PersonPage(Out):
    items: list[PersonOut]
    next: str | None = Field(description="Pass as `after` for the next page; null on the last page.")


class AdminPersonOut(PersonOut):
    """A person as the school's admins see them (DESIGN.md: admin views add `email`, `leaves_on`, `last_seen`)."""

    email: str = Field(description="The school address they sign in with.")
    leaves_on: str | None = Field(
        description="Their last day; access ends after it.", json_schema_extra={"format": "date"}
    )
    last_seen: Timestamp | None = Field(description="When they last used Staffroom in a browser.")
    left_at: Timestamp | None = Field(description="When they were deactivated, for a leaver.")


class AdminPersonPage(Out):
    items: list[AdminPersonOut]
    next: str | None = Field(description="Pass as `after` for the next page; null on the last page.")


class PersonIn(Schema):
    email: str = Field(max_length=254)
    name: str = Field(max_length=500)
    school_id: RowId | None = Field(None, description="Null only for trust-wide staff.")
    roles: list[str] = Field(max_length=12, description="Role codes, e.g. `teacher`, `teaching_assistant`.")
    leaves_on: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = Field(
        None, description="Their last day (YYYY-MM-DD), if it is known."
    )


class PersonPatch(Schema):
    name: str | None = Field(None, max_length=500)
    school_id: RowId | None = None
    roles: list[str] | None = Field(None, max_length=12)
    active: bool | None = Field(None, description="`false`: a leaver now (sessions, tokens and sockets end).")
    leaves_on: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = Field(
        None, description="Their last day (YYYY-MM-DD); null clears it."
    )
    reason: str = Field("", max_length=1000, description="Why, for the record.")
    hand_over_to: RowId | None = Field(
        None, description="With `active: false`: who takes over the groups only they ran."
    )


class ReasonIn(Schema):
    reason: str = Field(max_length=1000, description="Why, for the record.")


class EndedOut(Out):
    ended: int = Field(description="How many sessions and tokens ended.")


class ExternalRequestIn(Schema):
    name: str = Field(max_length=500)
    email: str = Field(max_length=254, description="Their work address: the invitation goes there.")
    organisation_name: str = Field(max_length=500, description="Who they work for.")
    reason: str = Field(max_length=5000, description="Why they need access, for whoever approves it.")
    conversation_ids: list[RowId] = Field(max_length=50, description="Conversations you run for them to join.")
    access_ends_on: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = Field(
        None, description="Their last day (YYYY-MM-DD); 30 days from today if not given."
    )


class ExternalRequestOut(Out):
    id: int
    name: str
    email: str
    organisation_name: str
    reason: str
    conversation_ids: list[int]
    access_ends_on: str = Field(json_schema_extra={"format": "date"})
    status: str = Field(description="`pending`, `approved` or `rejected`.")
    sponsor: dict[str, Any] = Field(description="`{id, name}` of the member of staff who asked.")
    created_at: Timestamp
    decided_by: dict[str, Any] | None = Field(description="`{id, name}` of who decided, once decided.")
    decided_at: Timestamp | None
    decision_reason: str
    person_id: int | None = Field(description="The external's account, once approved.")


class ExternalRequestPage(Out):
    items: list[ExternalRequestOut]
    next: str | None


class DecisionIn(Schema):
    reason: str = Field("", max_length=2000, description="Why; required to refuse.")


class ReviewOut(Out):
    """A termly membership review: who confirmed the members, when, how many stayed, who was taken out."""

    reviewed_at: Timestamp
    reviewed_by: dict[str, Any] = Field(description="`{id, name}`")
    kept: int
    removed_ids: list[int]


class MemberOut(PersonOut):
    membership_role: str = Field(description="`owner`, `admin` or `member` of this conversation.")


class MemberPage(Out):
    items: list[MemberOut]
    next: str | None


# --- conversations ----------------------------------------------------------------------------------------


# Documented as an enum, but checked by the action, whose message says what the kinds are.
KIND = Field(json_schema_extra={"enum": list(Conversation.Kind.values)})


class ConversationOut(Out):
    id: int
    kind: str = KIND
    title: str
    description: str
    school: str | None
    school_id: int | None
    member_count: int
    unread: int
    last_message_at: Timestamp | None


class ConversationPage(Out):
    items: list[ConversationOut]
    next: str | None


class ConversationIn(Schema):
    kind: str = KIND
    title: str = ""
    member_ids: list[RowId] = Field(default_factory=list, max_length=10_000)
    description: str = ""
    school_id: RowId | None = Field(None, description="Defaults to your own school.")
    trust_wide: bool = Field(False, description="For the whole organisation rather than one school.")
    school_class_id: RowId | None = Field(None, description="Required for a `class` channel.")
    audience: Literal["", "school_staff"] = Field(
        "",
        description="`school_staff` (an `announcement` only): the members are every active member of staff of "
        "`school_id` (default your school), now and as staff join it later; `member_ids` are then ignored.",
    )
    include_governors: bool = Field(False, description="With `audience: school_staff`: governors too.")


class ConversationPatch(Schema):
    title: str | None = None
    description: str | None = None


class MemberIn(Schema):
    person_id: RowId


class ReadIn(Schema):
    message_id: RowId | None = Field(None, description="Read up to this message; default the latest.")


class ReadOut(Out):
    last_read_message_id: int


# --- messages ---------------------------------------------------------------------------------------------


class AttachmentOut(Out):
    id: str
    filename: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    url: str = Field(
        description="Where to download the file: send the same `Authorization: Bearer <token>` (or session) as "
        "for the API. Answers are never cacheable (`Cache-Control: private, no-store`)."
    )
    held: bool = Field(
        default=False,
        description="A photo with faces waiting for a member of staff to check it (the school's policy): show "
        "'Photo waiting for a teacher to check' instead; `url` answers 404 except to its sender and reviewers.",
    )
    removed: bool = Field(
        default=False, description="Removed after the check: `url` answers 404 to the conversation's members."
    )


class ReactionOut(Out):
    emoji: str
    count: int
    person_ids: list[int]


class MessageOut(Out):
    id: int
    conversation_id: int
    author: PersonOut
    body: str = Field(description="Empty when the message was deleted.")
    html: str
    created_at: Timestamp
    edited_at: Timestamp | None
    deleted: bool
    hidden: bool = Field(description="Hidden by the safeguarding lead (shown as deleted).")
    reply_to: int | None
    client_id: str | None
    mentions: list[int]
    attachments: list[AttachmentOut]
    reactions: list[ReactionOut]
    acknowledgements: int | None = Field(description="How many have acknowledged; announcements only.")


class MessagePage(Out):
    items: list[MessageOut]
    next: str | None = Field(description="Pass as `before` for older messages; null when there are none.")


class MessageIn(Schema):
    body: str = ""
    client_id: str = Field("", description="Your id for this send: retrying with it never posts twice.")
    reply_to: RowId | None = None
    attachment_ids: list[str] = Field(default_factory=list, description="Ids returned by POST /uploads.")
    urgent: bool = Field(
        False, description="An announcement a headteacher marks urgent notifies members even outside working hours."
    )
    confirmed: bool = Field(
        False,
        description="Send anyway after a 409 `confirm_required`: you have checked what the safeguarding policy "
        "found, or the school holds consent for a photo with faces.",
    )


class MessagePatch(Schema):
    body: str


class ReactionIn(Schema):
    emoji: str


class AcknowledgedOut(Out):
    acknowledged_at: Timestamp
    acknowledgements: int


class AcknowledgedBy(Out):
    person: PersonOut
    at: Timestamp


class AcknowledgementStatusOut(Out):
    acknowledged: list[AcknowledgedBy]
    pending: list[PersonOut]


class RemindedOut(Out):
    reminded: int


# --- tokens -----------------------------------------------------------------------------------------------


class TokenIn(Schema):
    email: str
    password: str
    otp: str | None = Field(None, description="A current code from your authenticator app, if you use one.")


class TokenOut(Out):
    token: str


def parse_day(raw: str | None, field: str) -> date | None:
    """A `YYYY-MM-DD` value from a query or a body: None when empty, a 422 on `field` when it is not a real day."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(field, _("Give a real date as YYYY-MM-DD.")) from None
