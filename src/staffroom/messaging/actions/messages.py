"""Writing in a conversation: sending, editing, deleting, reacting and reading."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom import ratelimit
from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid
from staffroom.messaging import emoji_set, events, formatting, queries, screening, supervision
from staffroom.messaging.actions.limits import EDIT_LIMIT, REACTION_LIMIT, _throttle
from staffroom.messaging.models import (
    Attachment,
    Conversation,
    Membership,
    Message,
    MessageRevision,
    OversightRead,
    Reaction,
)
from staffroom.safeguarding import photos
from staffroom.text import clean as clean_text
from staffroom.text import was_only_invisible

Kind = Conversation.Kind
# Above this many members, read positions go only to the reader's own devices: telling 500 people each time
# one colleague reads a staff-channel message costs far more than it informs.
RECEIPT_FANOUT_LIMIT = 50
MAX_ATTACHMENTS = 10


def _reload(message: Message) -> Message:
    from staffroom.messaging.queries import _messages

    return _messages().get(pk=message.pk)


def _validate_body(typed: str, has_attachments: bool) -> str:
    body = clean_text(typed, multiline=True)
    if not body and not has_attachments:
        if was_only_invisible(typed, body):
            raise Invalid("body", _("This message has only invisible characters. Write something or attach a file."))
        raise Invalid("body", _("Write a message or attach a file."))
    limit = settings.STAFFROOM_MAX_MESSAGE_LENGTH
    if len(body) > limit:
        raise Invalid(
            "body",
            _("Messages can be at most %(limit)s characters; this one has %(n)s. Split it into parts.")
            % {"limit": f"{limit:,}", "n": f"{len(body):,}"},
        )
    return body


def _mentionable(conversation: Conversation, body: str) -> dict[str, formatting.Mentionable]:
    handles = formatting.candidate_handles(body)
    if not handles:
        return {}
    people = Person.objects.filter(
        memberships__conversation=conversation, is_active=True, handle__in=handles
    ).values_list("pk", "handle", "name")
    return {handle.lower(): formatting.Mentionable(pk, name) for pk, handle, name in people}


def check_may_post(conversation: Conversation, *, acting: Person, files: int = 0) -> None:
    """Raise unless `acting` may post here with this many files; callers check before storing any upload, so a
    refused send leaves nothing behind."""
    from staffroom.messaging.queries import post_permission

    permissions.require(acting, post_permission(conversation), conversation)
    if conversation.archived_at is not None:
        raise Invalid("conversation", _("This conversation is archived; it can be read but not added to."))
    refused = supervision.refusal(conversation, acting)  # a pupil in teacher-only mode or out of hours
    if refused is not None:
        raise refused
    if files > MAX_ATTACHMENTS:
        raise Invalid("attachment_ids", _("A message can carry at most %(n)d files.") % {"n": MAX_ATTACHMENTS})


def send_message(
    conversation: Conversation,
    *,
    acting: Person,
    body: str,
    client_id: str = "",
    reply_to_id: int | None = None,
    attachment_ids: Sequence[str] = (),
    urgent: bool = False,
    confirmed: bool = False,
) -> tuple[Message, bool]:
    """Post a message; returns (message, created). Re-sending with the same `client_id` returns the first
    message instead of posting twice, so clients can retry safely. `urgent` (an announcement, by a leader) makes
    its notification reach members even outside their working hours.

    The text is checked against the school's safeguarding policy first (messaging/screening.py): a block
    raises Blocked, a nudge raises ConfirmRequired until it is sent again with `confirmed`. Photos with faces
    follow the policy's "photo_faces" rule: by default they need `confirmed` (consent) in a staff conversation,
    a pupil's are held for review and raise a photo concern (safeguarding/photos.py)."""
    client_id = (client_id or "").strip()
    if len(client_id) > 64:
        raise Invalid("client_id", _("client_id can be at most 64 characters."))
    if client_id:
        existing = Message.objects.filter(author=acting, client_id=client_id).first()
        if existing is not None:
            if existing.conversation_id != conversation.pk:
                raise Invalid("client_id", _("This client_id was already used for another conversation."))
            return _reload(existing), False
    check_may_post(conversation, acting=acting, files=len(attachment_ids))
    if urgent:
        if conversation.kind != Kind.ANNOUNCEMENT:
            raise Invalid("urgent", _("Only announcements can be marked urgent."))
        permissions.require(acting, "announcement.urgent", conversation)
    body = _validate_body(body, bool(attachment_ids))
    reply_to = None
    if reply_to_id is not None:
        reply_to = Message.objects.filter(pk=reply_to_id, conversation=conversation).first()
        if reply_to is None:
            raise Invalid("reply_to", _("You can only reply to a message in the same conversation."))
    attachments = _claim_attachments(acting, attachment_ids)
    supervision.check_pupil_message(conversation, acting, body=body, attachments=attachments)
    screened = screening.screen(body, conversation=conversation, sender=acting, confirmed=confirmed)
    faces = photos.check_photos(conversation, attachments, acting=acting, confirmed=confirmed)
    ratelimit.hit(f"send:{acting.pk}", limit=30, window_seconds=10)

    rendered = formatting.render(body, _mentionable(conversation, body))
    try:
        with transaction.atomic():
            # Lock the conversation before the message takes its id, so ids (and created_at) follow commit order
            # and therefore seq order: unread counts and receipts compare ids (tests/services, PostgreSQL).
            Conversation.objects.select_for_update(no_key=True).filter(pk=conversation.pk).exists()
            message = Message.objects.create(
                conversation=conversation,
                author=acting,
                body=body,
                html=rendered.html,
                reply_to=reply_to,
                client_id=client_id,
                urgent=urgent,
            )
            if rendered.mentioned_ids:
                message.mentions.set(rendered.mentioned_ids - {acting.pk})
            if attachments:
                claimed = Attachment.objects.filter(pk__in=[a.pk for a in attachments], message__isnull=True).update(
                    message=message
                )
                if claimed != len(attachments):
                    # Another send claimed one of these files first, or it was purged unsent; roll back whole.
                    raise Invalid(
                        "attachment_ids",
                        _(
                            "A file was sent in another message, or was removed because it was not sent in time; "
                            "please upload it again."
                        ),
                    )
            Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
            Membership.objects.filter(conversation=conversation, person=acting).update(last_read_message_id=message.pk)
            held = photos.hold_photos(attachments, faces) if faces.holds else []
            message = queries.as_just_sent(
                message,
                conversation=conversation,
                author=acting,
                mentioned=sorted(rendered.mentioned_ids - {acting.pk}),
                attachments=attachments,
            )
            events.message_changed("message.new", message)
            flagged = photos.flag_photos(message, faces.findings, acting=acting) if faces.flags else None
            for answer in screened:
                answer.store(message)
            audit.record(
                acting, AuditAction.MESSAGE_SENT, target=message, conversation=conversation,
                data={
                    "attachments": [str(a.pk) for a in attachments], "mentions": sorted(rendered.mentioned_ids),
                    **({"urgent": True} if urgent else {}),
                    **({"photo_faces": faces.faces} if faces else {}),
                    **({"photo_consent_confirmed": True} if faces and faces.outcome == "nudge" else {}),
                    **({"photo_held": [str(a.pk) for a in held]} if held else {}),
                    **({"photo_concern": flagged.pk} if flagged is not None else {}),
                    **{k: v for answer in screened for k, v in answer.audit_data.items()},
                },
            )  # fmt: skip
            for answer in screened:
                answer.audit(message)
            if faces and faces.outcome == "warn_dpo":
                audit.record(
                    acting, AuditAction.SAFEGUARDING_DPO_WARNED, target=message, conversation=conversation,
                    data={"kinds": ["photo_faces"]},
                )  # fmt: skip
    except IntegrityError:
        # Two retries with one client_id raced; the first one won.
        existing = Message.objects.filter(author=acting, client_id=client_id).first() if client_id else None
        if existing is None:
            raise
        return _reload(existing), False
    return message, True


def _claim_attachments(acting: Person, ids: Sequence[str]) -> list[Attachment]:
    if not ids:
        return []
    import uuid

    try:
        keys = [uuid.UUID(str(i)) for i in ids]
    except ValueError:
        raise Invalid("attachment_ids", _("An attachment id is not valid.")) from None
    found = list(Attachment.objects.filter(pk__in=keys, uploaded_by=acting, message__isnull=True))
    if len(found) != len(set(keys)):
        raise Invalid(
            "attachment_ids", _("An attachment was not found, or is already on another message. Upload it again.")
        )
    return found


def edit_message(message: Message, *, acting: Person, body: str) -> Message:
    """Change a message's text; the earlier version is kept as a revision for the records.

    The new text passes the same safeguarding checks as a send, except that a nudge does not hold an edit (the
    sender was asked when it was sent): a block refuses it, and a concern is raised where the policy says so."""
    permissions.require(acting, "message.edit", message)
    if message.deleted_at is not None or message.hidden_at is not None:
        raise Invalid("body", _("A deleted message cannot be edited."))
    body = _validate_body(body, message.attachments.exists())
    if body == message.body:
        return message
    screened = screening.screen(body, conversation=message.conversation, sender=acting, confirmed=True)
    _throttle(acting, "edit", EDIT_LIMIT)
    rendered = formatting.render(body, _mentionable(message.conversation, body))
    with transaction.atomic():
        now = timezone.now()
        MessageRevision.objects.create(
            message=message,
            body=message.body,
            html=message.html,
            written_at=message.edited_at or message.created_at,
            replaced_at=now,
            replaced_by=acting,
        )
        message.body, message.html, message.edited_at = body, rendered.html, now
        message.save(update_fields=["body", "html", "edited_at"])
        message.mentions.set(rendered.mentioned_ids - {acting.pk})
        message = _reload(message)
        events.message_changed("message.edited", message)
        for answer in screened:
            answer.store(message)
        audit.record(acting, AuditAction.MESSAGE_EDITED, target=message, conversation=message.conversation_id)
        for answer in screened:
            answer.audit(message)
    return message


def delete_message(message: Message, *, acting: Person, reason: str = "") -> Message:
    """Hide a message from the conversation. The row and its history stay for the records."""
    permissions.require(acting, "message.delete", message)
    if message.deleted_at is not None:
        return message
    with transaction.atomic():
        message.deleted_at = timezone.now()
        message.deleted_by = acting
        message.save(update_fields=["deleted_at", "deleted_by"])
        message = _reload(message)
        events.message_changed("message.deleted", message)
        audit.record(
            acting, AuditAction.MESSAGE_DELETED, target=message, conversation=message.conversation_id, reason=reason
        )
    return message


def react(message: Message, emoji: str, *, acting: Person, add: bool = True) -> Message:
    """Add (or with add=False, take back) a reaction."""
    permissions.require(acting, "message.react", message)
    emoji = clean_text(emoji)  # keeps the joiners of an emoji sequence, drops any other invisible character
    if not emoji_set.is_known(emoji):  # one emoji of the kept data set, nothing else
        raise Invalid("emoji", _("Choose one emoji to react with."))
    if message.deleted_at is not None or message.hidden_at is not None:
        raise Invalid("emoji", _("You cannot react to a deleted message."))
    _throttle(acting, "react", REACTION_LIMIT)
    with transaction.atomic():
        if add:
            changed = Reaction.objects.get_or_create(message=message, person=acting, emoji=emoji)[1]
        else:
            changed = Reaction.objects.filter(message=message, person=acting, emoji=emoji).delete()[0] > 0
        if changed:
            message = _reload(message)
            events.message_changed("message.edited", message)
            audit.record(
                acting, AuditAction.REACTION_ADDED if add else AuditAction.REACTION_REMOVED, target=message,
                conversation=message.conversation_id, data={"emoji": emoji},
            )  # fmt: skip
    return message


def mark_read(conversation: Conversation, *, acting: Person, up_to_message_id: int | None = None) -> int:
    """Move the reader's position forward to `up_to_message_id` (default: the latest message). Returns it.
    Only ever forward; reading again changes (and records) nothing."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(conversation=conversation, person=acting).first()
        if membership is None:
            return _mark_overseen_read(conversation, acting=acting, up_to_message_id=up_to_message_id)
        latest = Message.objects.filter(conversation=conversation).aggregate(m=Max("id"))["m"] or 0
        target = latest if up_to_message_id is None else min(int(up_to_message_id), latest)
        if target <= membership.last_read_message_id:
            return membership.last_read_message_id
        membership.last_read_message_id = target
        membership.save(update_fields=["last_read_message_id"])
        members = Membership.objects.filter(conversation=conversation).count()
        events.receipt_updated(conversation, acting.pk, target, only_reader=members > RECEIPT_FANOUT_LIMIT)
        # The record behind "Seen by": who read what, when (e.g. a safeguarding announcement).
        audit.record(
            acting, AuditAction.CONVERSATION_READ, conversation=conversation, data={"up_to_message_id": target}
        )
    return target


def _mark_overseen_read(conversation: Conversation, *, acting: Person, up_to_message_id: int | None) -> int:
    """An overseeing safeguarding lead's own position in a class channel they are not in (their unread count
    there); it tells nobody, since they are not among the members whose receipts others see."""
    if not permissions.allows(acting, "conversation.view", conversation):
        return 0
    marker, _created = OversightRead.objects.select_for_update().get_or_create(person=acting, conversation=conversation)
    latest = Message.objects.filter(conversation=conversation).aggregate(m=Max("id"))["m"] or 0
    target = latest if up_to_message_id is None else min(int(up_to_message_id), latest)
    if target <= marker.last_read_message_id:
        return marker.last_read_message_id
    marker.last_read_message_id = target
    marker.save(update_fields=["last_read_message_id"])
    audit.record(
        acting, AuditAction.CONVERSATION_READ, conversation=conversation,
        data={"up_to_message_id": target, "overseen": True},
    )  # fmt: skip
    return target
