"""Pinned messages: pin and unpin a message, and the pins of a conversation, latest first."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field

from staffroom.accounts.payloads import person_payload
from staffroom.api.auth import caller
from staffroom.api.schemas import MessageOut, ObjectId, Out, PersonOut, Timestamp, answers
from staffroom.messaging import actions, pins, queries
from staffroom.messaging.models import Pin
from staffroom.messaging.payloads import message_payload

router = Router(tags=["messages"])


class PinOut(Out):
    """A pinned message: who pinned it and when, and the message as the conversation shows it."""

    message_id: int
    conversation_id: int
    pinned_by: PersonOut | None = Field(description="Who pinned it (null if their account is gone).")
    pinned_at: Timestamp
    message: MessageOut


class PinPage(Out):
    items: list[PinOut]
    next: str | None


def pin_payload(pin: Pin) -> dict[str, Any]:
    return {
        "message_id": pin.message_id,
        "conversation_id": pin.conversation_id,
        "pinned_by": person_payload(pin.pinned_by) if pin.pinned_by else None,
        "pinned_at": pin.pinned_at.isoformat(),
        "message": message_payload(pin.message),
    }


@router.get("/conversations/{conversation_id}/pins", response=answers({200: PinPage}), summary="Pinned messages")
def list_pins(request: HttpRequest, conversation_id: ObjectId) -> dict[str, Any]:
    """The conversation's pinned messages, latest pinned first. Deleted or hidden messages are not among them."""
    viewer = caller(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    return {"items": [pin_payload(p) for p in pins.pinned(viewer, conversation)], "next": None}


@router.post("/messages/{message_id}/pin", response=answers({200: PinOut}), summary="Pin a message")
def pin(request: HttpRequest, message_id: ObjectId) -> dict[str, Any]:
    """Pin a message to the top of its conversation: in a direct message or group any member but a pupil may;
    in a channel, class or announcement channel, those who run it and school leaders. Pinning again changes
    nothing."""
    viewer = caller(request)
    pinned = actions.pin_message(queries.get_message(viewer, message_id), acting=viewer)
    pinned = next(p for p in pins.pinned(viewer, pinned.conversation) if p.pk == pinned.pk)
    return pin_payload(pinned)


@router.delete("/messages/{message_id}/pin", response=answers({204: None}), summary="Unpin a message")
def unpin(request: HttpRequest, message_id: ObjectId) -> Status[None]:
    """Unpin a message (the same people as may pin it). Unpinning one that is not pinned changes nothing."""
    viewer = caller(request)
    actions.unpin_message(queries.get_message(viewer, message_id), acting=viewer)
    return Status(204, None)
