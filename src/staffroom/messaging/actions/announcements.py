"""Announcements: acknowledging them, and reminding those who have not."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from staffroom import ratelimit
from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid
from staffroom.messaging import events
from staffroom.messaging.actions.limits import REMIND_LIMIT, _throttle
from staffroom.messaging.models import (
    Acknowledgement,
    AcknowledgementReminder,
    Conversation,
    Message,
)

Kind = Conversation.Kind


def acknowledge(message: Message, *, acting: Person) -> Acknowledgement:
    """Record that `acting` has read and understood an announcement. Acknowledging twice changes nothing."""
    if message.conversation.kind != Kind.ANNOUNCEMENT:
        raise Invalid("message", _("Only announcements can be acknowledged."))
    if message.deleted_at is not None:
        raise Invalid("message", _("This announcement was withdrawn."))
    permissions.require(acting, "announcement.acknowledge", message)
    with transaction.atomic():
        ack, created = Acknowledgement.objects.get_or_create(message=message, person=acting)
        if created:
            count = Acknowledgement.objects.filter(message=message).count()
            events.acknowledgement_updated(message, acting.pk, count)
            audit.record(
                acting, AuditAction.ANNOUNCEMENT_ACKNOWLEDGED, target=message, conversation=message.conversation_id
            )
    return ack


def remind_unacknowledged(message: Message, *, acting: Person) -> int:
    """Nudge every member who has not yet acknowledged an announcement. Returns how many were reminded."""
    from staffroom.messaging.queries import acknowledgement_status

    if message.conversation.kind != Kind.ANNOUNCEMENT:
        raise Invalid("message", _("Only announcements have acknowledgements to chase."))
    if message.deleted_at is not None:
        raise Invalid("message", _("This announcement was withdrawn, so there is nothing to remind people about."))
    permissions.require(acting, "announcement.remind", message)
    ratelimit.hit(
        f"remind:{message.pk}",
        limit=1,
        window_seconds=60,
        message=_("A reminder about this announcement was just sent. You can send another in %(wait)s."),
    )
    _throttle(acting, "remind", REMIND_LIMIT)
    pending = acknowledgement_status(acting, message).pending
    with transaction.atomic():
        AcknowledgementReminder.objects.create(message=message, sent_by=acting, recipients=len(pending))
        events.announcement_reminder(message, sender=acting, person_ids=[p.pk for p in pending])
        audit.record(
            acting, AuditAction.ANNOUNCEMENT_REMINDED, target=message, conversation=message.conversation_id,
            data={"recipients": [p.pk for p in pending]},
        )  # fmt: skip
    return len(pending)
