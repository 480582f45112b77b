"""Releasing or removing a photo held for review (safeguarding/photos.py, the school's policy "hold").

A held photo is on its message but shown only to its sender and to those who may review it: the staff who run
the conversation (the teacher in charge of a class channel) and the DSLs who oversee it. One of them releases
it (everyone in the conversation sees it) or removes it (nobody in the conversation sees it; the file is kept
for the records, and the reviewers can still open it). Either way, open pages learn through `message.edited`.

Holding a photo also raises a photo concern for the DSL on its message (safeguarding/photos.py `flag_photos`).
The check answers it, in the same transaction: once no photo of that concern is still waiting, an open or
reviewed concern nobody has taken on is closed with what happened ("Photo released after a check by ...");
one given to a safeguarding lead, or escalated, is someone's work, so it is left open and gets a note saying
what happened instead. Either is the concern's own change (actions/concerns.py `apply_changes`): a note in its
chronology and the audit entry the DSL's own change would write, by whoever checked the photo.
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
from staffroom.messaging.models import Attachment, Message
from staffroom.safeguarding.actions.concerns import apply_changes
from staffroom.safeguarding.models import Concern

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
        # Before the photo's own audit entry: the concern's rows are locked before the audit chain head.
        _answer_concerns(message, attachment, acting=acting, decision=decision)
        audit.record(
            acting,
            AuditAction.PHOTO_RELEASED if decision == RELEASED else AuditAction.PHOTO_REMOVED,
            target=message,
            conversation=message.conversation,
            data={"attachment": str(attachment.pk), "faces": attachment.faces, "sender": attachment.uploaded_by_id},
        )
    return attachment


def _answer_concerns(message: Message, attachment: Attachment, *, acting: Person, decision: str) -> None:
    """Close, or note, the photo concerns still open on this photo's message (see the module's docstring)."""
    concerns = (
        Concern.objects.select_for_update()
        .filter(message=message, source=Concern.Source.PHOTO)
        .exclude(status=Concern.Status.CLOSED)
        .order_by("pk")
    )
    for concern in concerns:
        photo_ids = {str(f.get("attachment_id")) for f in concern.findings if isinstance(f, dict)}
        if str(attachment.pk) not in photo_ids:
            continue
        what = (
            _("Photo released after a check by %(name)s.") if decision == RELEASED
            else _("Photo removed after a check by %(name)s.")
        ) % {"name": acting.name}  # fmt: skip
        waiting = Attachment.objects.filter(
            pk__in=[i for i in photo_ids if i != str(attachment.pk)], held_at__isnull=False, reviewed_at__isnull=True
        ).exists()
        someone_on_it = concern.assigned_to_id is not None or concern.status == Concern.Status.ESCALATED
        if waiting or someone_on_it:
            apply_changes(concern, acting=acting, note=what)
        else:
            apply_changes(concern, acting=acting, status=Concern.Status.CLOSED, outcome=what)
