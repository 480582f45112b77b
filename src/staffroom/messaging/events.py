"""What messaging publishes to the event stream, and how a stored event becomes what a client sees.

Stored events hold ids; the payload (a Message, a Conversation, a name) is built from the current rows when
the event is delivered or replayed, so a deleted or edited message, or a conversation one has left, is never
replayed as it was (docs/realtime.md). Call these inside the action's transaction, before the audit entry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.messaging.models import Conversation, Membership, Message
from staffroom.messaging.payloads import conversation_payload, message_payload
from staffroom.realtime import streams, typing_indicator

log = logging.getLogger(__name__)

MESSAGE_EVENTS = ("message.new", "message.edited", "message.deleted")

# Told the id of each message posted, once its transaction has committed (notifications register here). A
# listener must be quick (it runs in the request that sent the message): it hands the work on, never does it.
PostedListener = Callable[[int], None]
_posted: list[PostedListener] = []


def when_posted(listener: PostedListener) -> None:
    """Call `listener(message_id)` after each message is posted (on commit; never for a rolled-back send)."""
    if listener not in _posted:
        _posted.append(listener)


def _tell_posted(message_id: int) -> None:
    for listener in list(_posted):
        try:
            listener(message_id)
        except Exception:  # a notification problem must never fail or slow the send
            log.exception("a listener for posted messages failed")


def message_changed(event_type: str, message: Message) -> None:
    """A message was posted, edited (reactions included) or deleted: its conversation's audience hears."""
    streams.publish_on_commit(
        message.conversation.organisation_id,
        event_type,
        conversation_id=message.conversation_id,
        data={"message_id": message.pk},
        payload={"message": message_payload(message)},
    )
    if event_type == "message.new" and _posted:
        message_id = message.pk
        transaction.on_commit(lambda: _tell_posted(message_id))


def conversation_updated(conversation: Conversation) -> None:
    streams.publish_on_commit(
        conversation.organisation_id,
        "conversation.updated",
        conversation_id=conversation.pk,
        data={"conversation_id": conversation.pk},
        payload={"conversation": conversation_payload(conversation)},
    )


def members_added(conversation: Conversation, person_ids: Iterable[int], *, also: Iterable[int] = ()) -> None:
    """New members (and `also`: overseers of a new class channel) start receiving the conversation; the
    members already there learn who joined."""
    joined = sorted(set(person_ids))
    streams.publish_on_commit(
        conversation.organisation_id,
        "membership.added",
        conversation_id=conversation.pk,
        people={*joined, *also},
        data={"conversation_id": conversation.pk, "person_ids": joined},
        payload={"conversation": conversation_payload(conversation), "person_ids": joined},
    )


def member_removed(conversation: Conversation, person_id: int) -> None:
    """The person removed hears it too, and then stops receiving the conversation."""
    data = {"conversation_id": conversation.pk, "person_id": person_id}
    streams.publish_on_commit(
        conversation.organisation_id, "membership.removed", conversation_id=conversation.pk, people=[person_id],
        data=data,
    )  # fmt: skip


def receipt_updated(conversation: Conversation, person_id: int, last_read_message_id: int, *, only_reader: bool):
    data = {"conversation_id": conversation.pk, "person_id": person_id, "last_read_message_id": last_read_message_id}
    if only_reader:
        streams.publish_on_commit(conversation.organisation_id, "receipt.updated", people=[person_id], data=data)
    else:
        streams.publish_on_commit(
            conversation.organisation_id, "receipt.updated", conversation_id=conversation.pk, data=data
        )


def acknowledgement_updated(message: Message, person_id: int, count: int) -> None:
    streams.publish_on_commit(
        message.conversation.organisation_id,
        "acknowledgement.updated",
        people={message.author_id, person_id},
        data={
            "conversation_id": message.conversation_id,
            "message_id": message.pk,
            "person_id": person_id,
            "acknowledgements": count,
        },
    )


def announcement_reminder(message: Message, *, sender: Person, person_ids: Iterable[int]) -> None:
    streams.publish_on_commit(
        message.conversation.organisation_id,
        "announcement.reminder",
        people=person_ids,
        data={"conversation_id": message.conversation_id, "message_id": message.pk, "sender_id": sender.pk},
    )


# --- building payloads from stored ids (at delivery) ---------------------------------------------------------


def _messages(datas: Sequence[Mapping[str, Any]]) -> list[dict[str, Any] | None]:
    from staffroom.messaging.queries import messages_by_id

    found = messages_by_id([int(d["message_id"]) for d in datas])
    return [
        {"message": message_payload(found[int(d["message_id"])])} if int(d["message_id"]) in found else None
        for d in datas
    ]


def _conversations(datas: Sequence[Mapping[str, Any]]) -> list[dict[str, Any] | None]:
    found = Conversation.objects.select_related("school").in_bulk([int(d["conversation_id"]) for d in datas])
    return [
        {"conversation": conversation_payload(found[int(d["conversation_id"])]), **_rest(d)}
        if int(d["conversation_id"]) in found
        else None
        for d in datas
    ]


def _rest(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "conversation_id"}


def _reminders(datas: Sequence[Mapping[str, Any]]) -> list[dict[str, Any] | None]:
    senders = Person.objects.in_bulk([int(d["sender_id"]) for d in datas])
    titles = dict(Conversation.objects.filter(pk__in=[d["conversation_id"] for d in datas]).values_list("pk", "title"))
    return [
        {
            "conversation_id": d["conversation_id"],
            "message_id": d["message_id"],
            "from": senders[d["sender_id"]].name if d["sender_id"] in senders else "",
            "title": titles.get(d["conversation_id"], ""),
        }
        for d in datas
    ]


def visible_conversation_ids(person_id: int) -> set[int]:
    """The conversations whose events a person receives: those they may see now."""
    from staffroom.messaging.queries import visible_conversations

    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return set()
    return set(visible_conversations(person).values_list("id", flat=True))


def typing_members(conversation_id: int, limit: int) -> frozenset[int] | None:
    """Who hears "is typing" in a conversation: its members now, or None when it has more than `limit` (or is an
    announcement channel, where most members cannot write and so could only pretend to)."""
    ids = list(
        Membership.objects.filter(
            conversation_id=conversation_id, person__is_active=True, conversation__archived_at__isnull=True
        )
        .exclude(conversation__kind=Conversation.Kind.ANNOUNCEMENT)
        .values_list("person_id", flat=True)[: limit + 1]
    )
    if not ids or len(ids) > limit:
        return None
    return frozenset(ids)


def register() -> None:
    """Tell realtime who hears a conversation and how to build payloads (called once at start-up)."""
    streams.set_audience(visible_conversation_ids)
    typing_indicator.set_members(typing_members)
    for event_type in MESSAGE_EVENTS:
        streams.set_hydrator(event_type, _messages)
    streams.set_hydrator("conversation.updated", _conversations)
    streams.set_hydrator("membership.added", _conversations)
    streams.set_hydrator("announcement.reminder", _reminders)


def overseers(conversation: Conversation) -> list[int]:
    """Safeguarding leads who see a class channel without being members."""
    return permissions.overseers(conversation)
