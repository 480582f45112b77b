"""Pinned messages: who may pin where, and the pins a viewer sees. A deleted or hidden message drops off the
pins (its Pin row stays with it for the records, and comes back only if the message ever did)."""

from __future__ import annotations

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.messaging import queries
from staffroom.messaging.models import Conversation, Pin

MAX_PINS = 50
_ANYONE_PINS = {Conversation.Kind.DIRECT, Conversation.Kind.GROUP}


def permission(conversation: Conversation) -> str:
    """The permission pinning in this conversation needs: in a direct message or group any member but a pupil;
    elsewhere those who run it (accounts/permissions.py)."""
    return "message.pin_in_group" if conversation.kind in _ANYONE_PINS else "message.pin"


def may_pin(viewer: Person, conversation: Conversation) -> bool:
    """Whether the viewer may pin and unpin messages here (never in an archived conversation)."""
    return conversation.archived_at is None and permissions.allows(viewer, permission(conversation), conversation)


def pinned(viewer: Person, conversation: Conversation) -> list[Pin]:
    """The pins of a conversation the viewer can see, latest first; NotFound if they cannot see it."""
    queries.get_conversation(viewer, conversation.pk)
    return list(
        Pin.objects.filter(conversation=conversation, message__deleted_at__isnull=True, message__hidden_at__isnull=True)
        .select_related("message__author__school", "pinned_by")
        .prefetch_related("message__author__role_assignments", "message__attachments")
        .order_by("-pinned_at", "-id")
    )


def pinned_ids(conversation: Conversation) -> set[int]:
    """Ids of the messages pinned in a conversation (for marking them in a page already scoped to its viewer)."""
    return set(Pin.objects.filter(conversation=conversation).values_list("message_id", flat=True))
