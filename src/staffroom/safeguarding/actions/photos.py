"""Releasing or removing a photo held for review (safeguarding/photos.py, the school's policy "hold").

A held photo is on its message but shown only to its sender and to those who may review it: the staff who run
the conversation (the teacher in charge of a class channel) and the DSLs who oversee it. One of them releases
it (everyone in the conversation sees it) or removes it (nobody in the conversation sees it; the file is kept
for the records, and the reviewers can still open it). Either way, open pages learn through `message.edited`.
"""

from __future__ import annotations

from typing import Protocol

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid
from staffroom.messaging import events, queries
from staffroom.messaging.models import Attachment

RELEASED, REMOVED = "released", "removed"


class Review(Protocol):
    def __call__(self, attachment_id: str, *, acting: Person) -> Attachment: ...


def release_photo(attachment_id: str, *, acting: Person) -> Attachment:
    """Show a held photo to everyone in its conversation."""
    return _review(attachment_id, acting=acting, decision=RELEASED)


def remove_photo(attachment_id: str, *, acting: Person) -> Attachment:
    """Keep a held photo out of its conversation for good (the file stays, for the records)."""
    return _review(attachment_id, acting=acting, decision=REMOVED)


def _review(attachment_id: str, *, acting: Person, decision: str) -> Attachment:
    found = queries.photo_for_review(acting, attachment_id)  # 404 unless its message is one the caller can see
    assert found.message is not None
    permissions.require(acting, "photo.review", found.message)
    with transaction.atomic():
        attachment = (
            Attachment.objects.select_for_update().select_related("message__conversation").filter(pk=found.pk).first()
        )
        if attachment is None or attachment.message is None or attachment.message.deleted_at is not None:
            raise Invalid("attachment", _("This photo is no longer in the conversation."))
        message = attachment.message
        permissions.require(acting, "photo.review", message)
        if attachment.held_at is None:
            raise Invalid("attachment", _("This photo is not waiting for a check."))
        if attachment.reviewed_at is not None:
            if attachment.review == decision:
                return attachment  # done already, by this person or another: nothing changes
            raise Invalid(
                "attachment",
                _("This photo was already released.") if attachment.review == RELEASED
                else _("This photo was already removed."),
            )  # fmt: skip
        attachment.review, attachment.reviewed_at, attachment.reviewed_by = decision, timezone.now(), acting
        attachment.save(update_fields=["review", "reviewed_at", "reviewed_by"])
        shown = queries.messages_by_id([message.pk])[message.pk]
        events.message_changed("message.edited", shown)
        audit.record(
            acting,
            AuditAction.PHOTO_RELEASED if decision == RELEASED else AuditAction.PHOTO_REMOVED,
            target=message,
            conversation=message.conversation,
            data={"attachment": str(attachment.pk), "faces": attachment.faces, "sender": attachment.uploaded_by_id},
        )
    return attachment
