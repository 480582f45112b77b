"""Pinning a message to the top of its conversation, and unpinning it. Everyone in the conversation sees the
change at once (a conversation.updated event: the page refreshes its "Pinned" strip)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid
from staffroom.messaging import events, pins, queries
from staffroom.messaging.models import Conversation, Message, Pin


def _locked(message: Message, acting: Person) -> tuple[Message, Conversation]:
    """The message, visible to `acting` (else NotFound), with its conversation row locked: pins of one
    conversation change one at a time, so the limit holds."""
    found = queries.get_message(acting, message.pk)
    conversation = Conversation.objects.select_for_update().get(pk=found.conversation_id)
    if conversation.archived_at is not None:
        raise Invalid("message_id", _("This conversation is closed; its pins can no longer change."))
    permissions.require(acting, pins.permission(conversation), conversation)
    return found, conversation


def pin_message(message: Message, *, acting: Person) -> Pin:
    """Pin a message to the top of its conversation. Pinning one already pinned changes nothing."""
    with transaction.atomic():
        message, conversation = _locked(message, acting)
        if message.deleted_at is not None or message.hidden_at is not None:
            raise Invalid("message_id", _("A deleted message cannot be pinned."))
        existing = Pin.objects.filter(message=message).first()
        if existing is not None:
            return existing
        if Pin.objects.filter(conversation=conversation).count() >= pins.MAX_PINS:
            raise Invalid(
                "message_id",
                _("A conversation can have at most %(n)d pinned messages. Unpin one first.") % {"n": pins.MAX_PINS},
            )
        pin = Pin.objects.create(message=message, conversation=conversation, pinned_by=acting)
        events.conversation_updated(conversation)
        audit.record(acting, AuditAction.MESSAGE_PINNED, target=message, conversation=conversation.pk)
    return pin


def unpin_message(message: Message, *, acting: Person) -> bool:
    """Unpin a message; returns whether it was pinned. Unpinning one not pinned changes nothing."""
    with transaction.atomic():
        message, conversation = _locked(message, acting)
        removed = Pin.objects.filter(message=message).delete()[0] > 0
        if removed:
            events.conversation_updated(conversation)
            audit.record(acting, AuditAction.MESSAGE_UNPINNED, target=message, conversation=conversation.pk)
    return removed
