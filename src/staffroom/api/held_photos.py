"""Photos held for review (the school's safeguarding policy "hold"): release or remove one, and the list of those
waiting, for the staff who run a conversation and the DSLs who oversee it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router

from staffroom.api.auth import caller
from staffroom.api.schemas import AttachmentOut, MessageOut, Out, Timestamp, answers
from staffroom.messaging import queries
from staffroom.messaging.payloads import attachment_payload, message_payload
from staffroom.safeguarding import actions

router = Router(tags=["safeguarding"])
queue_router = Router(tags=["safeguarding"])


class HeldPhotoOut(Out):
    attachment: AttachmentOut
    message_id: int
    conversation_id: int
    sender_id: int
    held_at: Timestamp


class HeldPhotoPage(Out):
    items: list[HeldPhotoOut]
    next: str | None


def _message(request: HttpRequest, attachment_id: UUID) -> dict[str, Any]:
    photo = queries.photo_for_review(caller(request), str(attachment_id))
    assert photo.message is not None
    return message_payload(queries.get_message(caller(request), photo.message_id or 0))


@router.post(
    "/attachments/{attachment_id}/release", response=answers({200: MessageOut}), summary="Release a held photo"
)
def release(request: HttpRequest, attachment_id: UUID) -> dict[str, Any]:
    """Show a photo held for review to everyone in its conversation; answers the message as it now is (its
    members get `message.edited`). For the staff who run the conversation and the DSLs who oversee it (403 for
    other members, 404 for anyone who cannot see the message). Releasing twice is not an error; releasing a
    removed photo is 422."""
    actions.release_photo(str(attachment_id), acting=caller(request))
    return _message(request, attachment_id)


@router.post("/attachments/{attachment_id}/remove", response=answers({200: MessageOut}), summary="Remove a held photo")
def remove(request: HttpRequest, attachment_id: UUID) -> dict[str, Any]:
    """Keep a photo held for review out of its conversation for good (the file is kept for the records and still
    answers those who may review it). Same permissions as release."""
    actions.remove_photo(str(attachment_id), acting=caller(request))
    return _message(request, attachment_id)


@queue_router.get("/held-photos", response=answers({200: HeldPhotoPage}), summary="Photos waiting for a check")
def held_photos(request: HttpRequest) -> dict[str, Any]:
    """Photos held for review that the caller may release or remove, oldest first (at most 100)."""
    return {
        "items": [
            {
                "attachment": attachment_payload(a),
                "message_id": a.message_id,
                "conversation_id": a.message.conversation_id if a.message else 0,
                "sender_id": a.uploaded_by_id,
                "held_at": a.held_at.isoformat() if a.held_at else "",
            }
            for a in queries.held_photos(caller(request))
        ],
        "next": None,
    }
