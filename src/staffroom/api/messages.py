"""Messages: the history of a conversation, sending, editing, deleting, reactions, receipts, announcements
and search."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import P, QueryEx, Router, Status

from staffroom.accounts.payloads import person_payload
from staffroom.api.auth import caller
from staffroom.api.schemas import (
    MAX_ID,
    AcknowledgedOut,
    AcknowledgementStatusOut,
    MessageIn,
    MessageOut,
    MessagePage,
    MessagePatch,
    ObjectId,
    PersonPage,
    ReactionIn,
    RemindedOut,
    answers,
)
from staffroom.messaging import actions, queries
from staffroom.messaging.payloads import message_payload
from staffroom.messaging.search import search_messages

router = Router(tags=["messages"])


@router.get("/conversations/{conversation_id}/messages", response=answers({200: MessagePage}), summary="History")
def list_messages(
    request: HttpRequest,
    conversation_id: ObjectId,
    before: QueryEx[str | None, P(description="The `next` value of the previous page.")] = None,
    limit: QueryEx[int, P(ge=1, le=queries.MAX_PAGE)] = queries.DEFAULT_PAGE,
) -> dict[str, Any]:
    """Messages oldest first, newest page first: follow `next` (as `before`) to go further back. Deleted
    messages keep their place, with `deleted: true` and no content."""
    viewer = caller(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    page = queries.message_page(viewer, conversation, before=queries.parse_cursor(before), limit=limit)
    return {"items": [message_payload(m) for m in page.items], "next": page.next}


@router.post(
    "/conversations/{conversation_id}/messages",
    response=answers({200: MessageOut, 201: MessageOut}),
    summary="Send a message",
)
def send_message(request: HttpRequest, conversation_id: ObjectId, data: MessageIn) -> Status[dict[str, Any]]:
    """Post a message (201). Sending again with a `client_id` you already used returns that first message
    (200) instead of posting it twice, so a client may retry safely.

    The school's safeguarding policy may answer 409 `confirm_required` with `findings` (kind, label, start,
    end, severity; never the text): show them, and send again with `"confirmed": true` to post anyway. A photo
    with faces in a staff conversation asks the same (kind `photo_faces`: the school holds consent); in a class
    channel it is posted and flagged to the safeguarding lead. A send the policy blocks answers 422 `blocked`;
    nothing is written."""
    viewer = caller(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    message, created = actions.send_message(
        conversation,
        acting=viewer,
        body=data.body,
        client_id=data.client_id,
        reply_to_id=data.reply_to,
        attachment_ids=data.attachment_ids,
        urgent=data.urgent,
        confirmed=data.confirmed,
    )
    return Status(201 if created else 200, message_payload(message))


@router.get("/messages/{message_id}", response=answers({200: MessageOut}), summary="One message")
def get_message(request: HttpRequest, message_id: ObjectId) -> dict[str, Any]:
    return message_payload(queries.get_message(caller(request), message_id))


@router.patch("/messages/{message_id}", response=answers({200: MessageOut}), summary="Edit a message")
def edit_message(request: HttpRequest, message_id: ObjectId, data: MessagePatch) -> dict[str, Any]:
    """Change the text of your own message; the earlier version is kept for the school's records."""
    viewer = caller(request)
    message = actions.edit_message(queries.get_message(viewer, message_id), acting=viewer, body=data.body)
    return message_payload(message)


@router.delete("/messages/{message_id}", response=answers({204: None}), summary="Delete a message")
def delete_message(request: HttpRequest, message_id: ObjectId) -> Status[None]:
    """Hide your message (or, as a conversation admin, someone else's). It stays in the school's records."""
    viewer = caller(request)
    actions.delete_message(queries.get_message(viewer, message_id), acting=viewer)
    return Status(204, None)


@router.post("/messages/{message_id}/reactions", response=answers({200: MessageOut}), summary="React")
def add_reaction(request: HttpRequest, message_id: ObjectId, data: ReactionIn) -> dict[str, Any]:
    viewer = caller(request)
    return message_payload(actions.react(queries.get_message(viewer, message_id), data.emoji, acting=viewer))


@router.delete("/messages/{message_id}/reactions", response=answers({200: MessageOut}), summary="Take back a reaction")
def remove_reaction(request: HttpRequest, message_id: ObjectId, data: ReactionIn) -> dict[str, Any]:
    viewer = caller(request)
    message = actions.react(queries.get_message(viewer, message_id), data.emoji, acting=viewer, add=False)
    return message_payload(message)


@router.get("/messages/{message_id}/receipts", response=answers({200: PersonPage}), summary="Read by")
def read_receipts(request: HttpRequest, message_id: ObjectId) -> dict[str, Any]:
    """Members other than the author who have read this message."""
    viewer = caller(request)
    readers = queries.read_by(viewer, queries.get_message(viewer, message_id))
    return {"items": [person_payload(p) for p in readers], "next": None}


@router.post("/messages/{message_id}/acknowledge", response=answers({200: AcknowledgedOut}), summary="Acknowledge")
def acknowledge(request: HttpRequest, message_id: ObjectId) -> dict[str, Any]:
    """Confirm you have read and understood an announcement. Doing it twice changes nothing."""
    viewer = caller(request)
    acknowledgement = actions.acknowledge(queries.get_message(viewer, message_id), acting=viewer)
    message = queries.get_message(viewer, message_id)
    return {
        "acknowledged_at": acknowledgement.acknowledged_at.isoformat(),
        "acknowledgements": len(message.acknowledgements.all()),
    }


@router.get(
    "/messages/{message_id}/acknowledgements",
    response=answers({200: AcknowledgementStatusOut}),
    summary="Who has acknowledged",
)
def acknowledgement_status(request: HttpRequest, message_id: ObjectId) -> dict[str, Any]:
    """Who has and has not acknowledged an announcement: for its sender and school leaders."""
    viewer = caller(request)
    status = queries.acknowledgement_status(viewer, queries.get_message(viewer, message_id))
    return {
        "acknowledged": [{"person": person_payload(p), "at": at.isoformat()} for p, at in status.acknowledged],
        "pending": [person_payload(p) for p in status.pending],
    }


@router.post("/messages/{message_id}/remind", response=answers({200: RemindedOut}), summary="Remind")
def remind(request: HttpRequest, message_id: ObjectId) -> dict[str, Any]:
    """Nudge everyone who has not yet acknowledged an announcement (at most once a minute)."""
    viewer = caller(request)
    return {"reminded": actions.remind_unacknowledged(queries.get_message(viewer, message_id), acting=viewer)}


@router.get("/search", response=answers({200: MessagePage}), summary="Search messages")
def search(
    request: HttpRequest,
    q: QueryEx[str, P(description="Words to find; each must match (as a prefix).")] = "",
    conversation_id: QueryEx[int | None, P(ge=1, le=MAX_ID)] = None,
    limit: QueryEx[int, P(ge=1, le=queries.MAX_PAGE)] = queries.DEFAULT_PAGE,
) -> dict[str, Any]:
    """Messages you can see that match every word of `q`, newest first. Deleted messages never match. With
    `conversation_id`, only that conversation's (404 if it is not one you can see)."""
    found = search_messages(caller(request), q, limit=limit, conversation_id=conversation_id)
    return {"items": [message_payload(m) for m in found], "next": None}
