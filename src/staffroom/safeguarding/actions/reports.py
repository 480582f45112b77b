"""Reporting a concern: any member (pupils too) about any message they can see, for the DSL."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid
from staffroom.messaging.models import Message
from staffroom.safeguarding.models import Concern
from staffroom.safeguarding.signals import concern_raised
from staffroom.text import clean as clean_text

MAX_NOTE = 4000


def report_concern(message: Message, *, acting: Person, note: str, category: str | None = None) -> Concern:
    """Raise a concern about `message` (which the caller can see: queries.get_message found it) for the DSL,
    with what the reporter says about it. It is about the message's author; `concern_raised` follows commit."""
    permissions.require(acting, "concern.report", message)
    note = clean_text(note or "", multiline=True)
    if not note:
        raise Invalid("note", _("Say what worries you about this message."))
    if len(note) > MAX_NOTE:
        raise Invalid("note", _("A note can be at most %(n)d characters.") % {"n": MAX_NOTE})
    category = category or Concern.Category.OTHER
    if category not in Concern.Category.values:
        raise Invalid("category", _("Choose one of the categories offered, or leave it empty."))
    conversation = message.conversation
    with transaction.atomic():
        concern = Concern.objects.create(
            organisation_id=conversation.organisation_id,
            school_id=conversation.school_id or acting.school_id,
            conversation=conversation,
            message=message,
            about=message.author,
            category=category,
            severity=Concern.Severity.MEDIUM,
            source=Concern.Source.REPORT,
            raised_by=acting,
            note=note,
        )
        transaction.on_commit(lambda: concern_raised.send(sender=Concern, concern=concern))
        audit.record(
            acting, AuditAction.CONCERN_REPORTED, target=concern, conversation=conversation,
            data={"message": message.pk, "category": category},
        )  # fmt: skip
    return concern
