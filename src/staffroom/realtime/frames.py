"""The socket's own frames (not events): what `/ws/events` says about the connection itself, one schema each.

The consumer builds every such frame from these classes, so they cannot drift from docs/realtime.md, whose
table of them is generated here (`staffroom event_schemas --control`; a test keeps the two equal). Events, which
carry the person's stream, have their schemas in messaging/event_schemas.py.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Position = Annotated[int, Field(ge=0)]


class Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    type: str

    def encode(self) -> str:
        return self.model_dump_json(by_alias=True)


class Hello(Frame):
    """The socket is authenticated; live events follow."""

    type: Literal["hello"] = "hello"
    seq: Position = Field(description="the stream's current position: resume from here to miss nothing")
    person_id: Annotated[int, Field(ge=1)] = Field(description="who the socket belongs to")


class Pong(Frame):
    """The answer to `ping`; the session or token was checked again and still stands."""

    type: Literal["pong"] = "pong"
    seq: Position = Field(description="the last position sent to this socket")


class Resync(Frame):
    """What the client asked for is older than the retention window (or was never in this stream): reload
    state over HTTP and carry on from `seq`."""

    type: Literal["resync"] = "resync"
    seq: Position = Field(description="the position to carry on from")


class SessionRevoked(Frame):
    """Sent just before a 4401 close: the session or token ended (sign-out, "sign out this device", a password
    change, a revoked token, deactivation, an external's access ending)."""

    type: Literal["session.revoked"] = "session.revoked"
    seq: Position = Field(description="the last position sent to this socket")


class Typing(Frame):
    """Someone else is writing in one of the person's conversations now (not stored, no `seq`; relayed to the
    conversation's other members only, at most once every few seconds per writer, not in conversations of more
    than 100 members nor in announcement channels). Show it for about six seconds unless another comes. A client sends
    `{"type":"typing","conversation_id":n}` at most once every 3 seconds while its person writes."""

    type: Literal["typing"] = "typing"
    conversation_id: Annotated[int, Field(ge=1)] = Field(description="where they are writing")
    person_id: Annotated[int, Field(ge=1)] = Field(description="who is writing")
    name: str = Field(description="their name, to show")


class Error(Frame):
    """A frame the server could not use; the socket stays open."""

    type: Literal["error"] = "error"
    code: Literal["malformed", "invalid", "unknown_type", "already_authenticated"] = Field(
        description="`malformed` (not a JSON object of at most 4,096 characters), `invalid` (a bad `after` or "
        "`conversation_id`), `unknown_type`, or `already_authenticated`"
    )
    message: str = Field(description="what was wrong, in plain English")


CONTROL: dict[str, type[Frame]] = {
    str(get_args(schema.model_fields["type"].annotation)[0]): schema
    for schema in (Hello, Pong, Resync, SessionRevoked, Typing, Error)
}

TABLE_START = "<!-- control frames table: generated from src/staffroom/realtime/frames.py -->"
TABLE_END = "<!-- end of control frames table -->"


def table_markdown() -> str:
    """The control frames table of docs/realtime.md, between its markers. A test keeps the two equal."""
    lines = [
        TABLE_START,
        "Regenerate with `staffroom event_schemas --control`; a test fails when this table and the schemas differ.",
        "",
        "| Type | Meaning | Fields besides `type` |",
        "|---|---|---|",
    ]
    for frame_type, schema in CONTROL.items():
        meaning = " ".join((schema.__doc__ or "").split())
        fields = "; ".join(
            f"`{info.alias or name}`: {info.description}"
            for name, info in schema.model_fields.items()
            if name != "type"
        )
        lines.append(f"| `{frame_type}` | {meaning} | {fields} |")
    lines.append(TABLE_END)
    return "\n".join(lines) + "\n"
