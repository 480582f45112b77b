"""The events messaging publishes, exactly as a client receives them on `/ws/events`: one schema per type.

Docs, clients and tests share these. docs/realtime.md's table of events is generated from them (`staffroom
event_schemas`; a test keeps the two equal), and tests/verify.py checks every event an action publishes against
its schema, both as it was sent live and as rebuilt from the stored row for a client that resumes. The schemas
are exact: an unknown field, a missing one or a value of the wrong type fails, so a payload cannot change
without this file, and so the docs, changing too. The Person, Conversation and Message inside are the API's
shapes (a test keeps their fields equal to the API's schemas).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Id = Annotated[int, Field(ge=1)]
Timestamp = Annotated[str, Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", description="ISO 8601 date and time")]
Nothing = Annotated[list[Any], Field(max_length=0)]


class _Exact(BaseModel):
    # Strict: an id sent as "12" or a count as 1.0 is a different payload, and clients would see it.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# --- the resources inside events (the API's shapes) ---------------------------------------------------------


class Person(_Exact):
    id: Id
    name: str
    handle: str
    roles: list[str]
    school: str | None
    school_id: Id | None
    external: bool
    active: bool


class Attachment(_Exact):
    id: str
    filename: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    url: str
    held: bool
    removed: bool


class Reaction(_Exact):
    emoji: str
    count: Annotated[int, Field(ge=1)]
    person_ids: list[Id]


class Message(_Exact):
    id: Id
    conversation_id: Id
    author: Person
    body: str
    html: str
    created_at: Timestamp
    edited_at: Timestamp | None
    deleted: bool
    hidden: bool
    reply_to: Id | None
    client_id: str | None
    mentions: list[Id]
    attachments: list[Attachment]
    reactions: list[Reaction]
    acknowledgements: int | None


class DeletedMessage(Message):
    """A deleted message keeps its place in the conversation and shows nothing of what it said."""

    body: Literal[""]
    html: Literal[""]
    deleted: Literal[True]
    mentions: Nothing
    attachments: Nothing
    reactions: Nothing


ConversationKind = Literal["channel", "group", "direct", "announcement", "class"]


class Conversation(_Exact):
    id: Id
    kind: ConversationKind
    title: str
    description: str
    school: str | None
    school_id: Id | None
    member_count: Annotated[int, Field(ge=0)]
    unread: Annotated[int, Field(ge=0)]
    last_message_at: Timestamp | None


# --- the events -------------------------------------------------------------------------------------------

CONVERSATION_AUDIENCE = (
    "Everyone who may see the conversation: its members, and the safeguarding leads overseeing a class channel"
)


class Event(_Exact):
    """Every event: its `type`, and `seq`, its position in the person's stream (larger than the last one sent)."""

    audience: ClassVar[str]

    type: str
    seq: Id


class MessageNew(Event):
    """A message was posted."""

    audience = CONVERSATION_AUDIENCE
    type: Literal["message.new"]
    message: Message = Field(
        description="the Message, as the API shows it (replayed after a deletion: empty, with `deleted: true`)"
    )


class MessageEdited(Event):
    """A message's text changed (the earlier text is kept for the records), or its reactions did."""

    audience = CONVERSATION_AUDIENCE
    type: Literal["message.edited"]
    message: Message = Field(description="the Message as it is now")


class MessageDeleted(Event):
    """A message was hidden; it is kept for the records."""

    audience = CONVERSATION_AUDIENCE
    type: Literal["message.deleted"]
    message: DeletedMessage = Field(
        description="the Message, with empty `body` and `html`, no mentions, attachments or reactions, and "
        "`deleted: true`"
    )


class ConversationUpdated(Event):
    """A conversation's title, description or pinned messages changed."""

    audience = CONVERSATION_AUDIENCE
    type: Literal["conversation.updated"]
    conversation: Conversation = Field(description="the Conversation as it is now")


class MembershipAdded(Event):
    """People joined a conversation, or were added to it (its creation included)."""

    audience = (
        "The conversation's members, those who joined included, and the safeguarding leads overseeing a new class"
        " channel; who joined receives the conversation's events from then on"
    )
    type: Literal["membership.added"]
    conversation: Conversation = Field(description="the Conversation")
    person_ids: list[Id] = Field(min_length=1, description="who joined, in id order")


class MembershipRemoved(Event):
    """Someone left a conversation or was removed from it."""

    audience = "The conversation's members and the person who left, who receives none of its events from then on"
    type: Literal["membership.removed"]
    conversation_id: Id = Field(description="the conversation")
    person_id: Id = Field(description="who left or was removed")


class ReceiptUpdated(Event):
    """Someone read a conversation up to a message."""

    audience = "Every member in conversations of up to 50 members; in larger ones only the reader's own devices"
    type: Literal["receipt.updated"]
    conversation_id: Id = Field(description="the conversation")
    person_id: Id = Field(description="the reader")
    last_read_message_id: Id = Field(description="the latest message they have read")


class AcknowledgementUpdated(Event):
    """Someone acknowledged an announcement."""

    audience = "The announcement's sender and the person who acknowledged it"
    type: Literal["acknowledgement.updated"]
    conversation_id: Id = Field(description="the announcement channel")
    message_id: Id = Field(description="the announcement")
    person_id: Id = Field(description="who acknowledged it")
    acknowledgements: Annotated[int, Field(ge=1)] = Field(description="how many have acknowledged it so far")


class AnnouncementReminder(Event):
    """Someone asked those who have not acknowledged an announcement to read it."""

    audience = "The members who had not acknowledged the announcement"
    type: Literal["announcement.reminder"]
    conversation_id: Id = Field(description="the announcement channel")
    message_id: Id = Field(description="the announcement")
    from_: str = Field(alias="from", description="the name of who sent the reminder")
    title: str = Field(description="the announcement channel's title")


class ConcernRaised(Event):
    """A high-severity safeguarding concern was raised: the safeguarding leads are told at once (no text)."""

    audience = "The designated safeguarding leads and deputies of the concern's school (and trust-wide ones)"
    type: Literal["concern.raised"]
    concern_id: Id = Field(description="the concern (`GET /api/v1/safeguarding/concerns/{id}`)")
    category: str = Field(description="its category, e.g. `self_harm`")
    severity: Literal["high"] = Field(description="always `high`: lower severities wait in the queue")
    conversation_id: Id | None = Field(description="the conversation it was raised in, if any")


def _type_of(schema: type[Event]) -> str:
    (event_type,) = get_args(schema.model_fields["type"].annotation)
    return str(event_type)


EVENTS: dict[str, type[Event]] = {
    _type_of(schema): schema
    for schema in (
        MessageNew,
        MessageEdited,
        MessageDeleted,
        ConversationUpdated,
        MembershipAdded,
        MembershipRemoved,
        ReceiptUpdated,
        AcknowledgementUpdated,
        AnnouncementReminder,
        ConcernRaised,
    )
}


class UnknownEvent(ValueError):
    pass


def validate(frame: Mapping[str, Any]) -> Event:
    """Check one frame as a client would receive it (JSON) against the schema of its type. Raises
    pydantic.ValidationError when it does not match, UnknownEvent for a type without a schema."""
    schema = EVENTS.get(str(frame.get("type")))
    if schema is None:
        raise UnknownEvent(f"no schema for event type {frame.get('type')!r}: add one to messaging/event_schemas.py")
    return schema.model_validate_json(json.dumps(frame))


# --- docs/realtime.md --------------------------------------------------------------------------------------

TABLE_START = "<!-- events table: generated from src/staffroom/messaging/event_schemas.py -->"
TABLE_END = "<!-- end of events table -->"


def _fields(schema: type[Event]) -> str:
    described = []
    for name, info in schema.model_fields.items():
        if name in Event.model_fields:
            continue
        described.append(f"`{info.alias or name}`: {info.description}")
    return "; ".join(described)


def table_markdown() -> str:
    """The events table of docs/realtime.md, between its markers. A test keeps the two equal."""
    lines = [
        TABLE_START,
        "Regenerate with `staffroom event_schemas`; a test fails when this table and the schemas differ.",
        "",
        "| Type | What happened | Fields besides `type` and `seq` | Who receives it |",
        "|---|---|---|---|",
    ]
    for event_type, schema in EVENTS.items():
        meaning = (schema.__doc__ or "").strip()
        lines.append(f"| `{event_type}` | {meaning} | {_fields(schema)} | {schema.audience} |")
    lines.append(TABLE_END)
    return "\n".join(lines) + "\n"


def json_schemas() -> dict[str, Any]:
    """Every event's JSON Schema, by type, for client developers."""
    return {event_type: schema.model_json_schema(by_alias=True) for event_type, schema in EVENTS.items()}
