"""Every state change in messaging. Each action checks permission, changes rows in one transaction, writes the
audit entry and publishes realtime events on commit (DESIGN.md invariant 1). Views, API and CLI call these."""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from staffroom import ratelimit
from staffroom.accounts import permissions
from staffroom.accounts.models import Person, School, SchoolClass
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound, PermissionDenied, QuotaExceeded, RateLimited
from staffroom.messaging import events, formatting, uploads
from staffroom.messaging.models import (
    Acknowledgement,
    AcknowledgementReminder,
    Attachment,
    Conversation,
    Membership,
    Message,
    MessageRevision,
    Reaction,
)
from staffroom.text import clean as clean_text
from staffroom.text import was_only_invisible

Kind = Conversation.Kind
MAX_DIRECT_MEMBERS = 9
# Above this many members, read positions go only to the reader's own devices: telling 500 people each time
# one colleague reads a staff-channel message costs far more than it informs.
RECEIPT_FANOUT_LIMIT = 50
MAX_REACTION_LENGTH = 32
MAX_ATTACHMENTS = 10
# Flood limits per person, as (how many, per seconds). Far above a teacher's busiest day, far below a script:
# each edit keeps a revision, an audit entry and an event per member, so 200 edits in 9 seconds filled the
# records and everyone's screens. Sending and uploading have their own limits below.
EDIT_LIMIT = (20, 60)
REACTION_LIMIT = (60, 60)
CREATE_LIMIT = (30, 3600)
RENAME_LIMIT = (10, 60)
MEMBERSHIP_LIMIT = (60, 60)
REMIND_LIMIT = (20, 3600)


# --- helpers used only by the actions below ---------------------------------------------------------------


def _reload(message: Message) -> Message:
    from staffroom.messaging.queries import _messages

    return _messages().get(pk=message.pk)


def _clean_title(kind: str, typed: str) -> str:
    title = clean_text(typed)
    if kind != Kind.DIRECT and not title:
        if was_only_invisible(typed, title):
            raise Invalid("title", _("This title has only invisible characters. Give the conversation a title."))
        raise Invalid("title", _("Give the conversation a title."))
    if len(title) > settings.STAFFROOM_MAX_TITLE_LENGTH:
        raise Invalid(
            "title", _("Titles can be at most %(n)d characters.") % {"n": settings.STAFFROOM_MAX_TITLE_LENGTH}
        )
    return title


def _cannot_add(field: str, person_id: int) -> Invalid:
    """The one refusal for an id the caller cannot add, whatever the reason: nobody has it, someone of another
    organisation or a leaver has it, or a pupil the caller may not look up. The directory hides pupils from
    staff on purpose; a different answer for each reason would give away who is a pupil and who exists."""
    return Invalid(field, _("Person %(id)s cannot be added here.") % {"id": person_id})


def _clean_description(typed: str) -> str:
    description = clean_text(typed)
    if len(description) > 500:
        raise Invalid("description", _("Descriptions can be at most 500 characters."))
    return description


def _check_may_belong(
    kind: str, person: Person, *, school_class: SchoolClass | None = None, field: str = "member_ids"
) -> None:
    """Pupils belong only in the class channel of a class they are in, and the only adults there are the
    school's teaching and safeguarding staff (KCSIE: staff talk to pupils only where the school supervises).
    The message never names the person, nor says that they are a pupil."""
    if person.is_pupil:
        enrolled = school_class is not None and person.classes.filter(pk=school_class.pk).exists()
        if kind != Kind.CLASS or not enrolled:
            raise _cannot_add(field, person.pk)
    elif kind == Kind.CLASS and not person.may_teach_a_class:
        # Said plainly: the caller sees this person, and their role, in the directory.
        raise Invalid(
            field,
            _("Person %(id)s cannot be added here. Only teaching and safeguarding staff join class channels.")
            % {"id": person.pk},
        )


def _resolve_people(
    acting: Person,
    ids: Iterable[int],
    *,
    kind: str,
    school_class: SchoolClass | None = None,
    field: str = "member_ids",
) -> list[Person]:
    """The people with these ids, each of whom `acting` may add to a conversation of `kind`: people in their
    directory, and for a class channel the pupils of that class (whom its teacher may know). Any other id gets
    the same refusal as an id nobody has."""
    from staffroom.accounts.queries import directory

    wanted = sorted({int(i) for i in ids})
    found = {p.pk: p for p in directory(acting).filter(pk__in=wanted)}
    if kind == Kind.CLASS and school_class is not None:
        pupils = school_class.pupils.filter(organisation_id=acting.organisation_id, is_active=True, pk__in=wanted)
        found.update({p.pk: p for p in pupils})
    for person_id in wanted:
        if person_id not in found:
            raise _cannot_add(field, person_id)
        _check_may_belong(kind, found[person_id], school_class=school_class, field=field)
    return [found[i] for i in wanted]


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


def _throttle(acting: Person, what: str, limit: tuple[int, int]) -> None:
    """Count one `what` by `acting`; RateLimited once they pass `limit`. Call it after the checks, just before
    writing, so refused or invalid attempts do not use up the allowance."""
    count, window = limit
    ratelimit.hit(
        f"{what}:{acting.pk}",
        limit=count,
        window_seconds=window,
        message=_("You have done that many times in a short while. Please wait %(wait)s and try again."),
    )


def _mentionable(conversation: Conversation, body: str) -> dict[str, formatting.Mentionable]:
    handles = formatting.candidate_handles(body)
    if not handles:
        return {}
    people = Person.objects.filter(
        memberships__conversation=conversation, is_active=True, handle__in=handles
    ).values_list("pk", "handle", "name")
    return {handle.lower(): formatting.Mentionable(pk, name) for pk, handle, name in people}


# --- conversations ----------------------------------------------------------------------------------------


def create_conversation(
    *,
    acting: Person,
    kind: str,
    title: str = "",
    description: str = "",
    member_ids: Iterable[int] = (),
    school: School | None = None,
    trust_wide: bool = False,
    school_class: SchoolClass | None = None,
) -> Conversation:
    """Start a conversation of `kind` with `acting` as owner (in a direct message everyone is an equal member).
    A direct conversation with exactly the same people is returned rather than duplicated."""
    if kind not in Kind.values:
        raise Invalid("kind", _("Kind must be one of: %(kinds)s.") % {"kinds": ", ".join(Kind.values)})
    title = _clean_title(kind, title)
    description = _clean_description(description)
    if kind == Kind.CLASS and school_class is not None:
        school = school_class.school  # a class channel belongs to the class's school, whoever creates it
    if school is None and not trust_wide:
        school = acting.school
    if school is not None and school.organisation_id != acting.organisation_id:
        raise Invalid("school_id", _("That school is not part of your organisation."))
    permissions.require(acting, f"conversation.create.{kind}", school or acting.organisation)

    people = [p for p in _resolve_people(acting, member_ids, kind=kind, school_class=school_class) if p.pk != acting.pk]
    if kind == Kind.CLASS:
        if school_class is None:
            raise Invalid("school_class_id", _("Choose the class this channel is for."))
        if school_class.school.organisation_id != acting.organisation_id:
            raise Invalid("school_class_id", _("That class is not part of your organisation."))
        school = school_class.school
        pupils = list(school_class.pupils.filter(is_active=True))
        people = list({p.pk: p for p in [*people, *pupils]}.values())
    for person in [acting, *people]:
        _check_may_belong(kind, person, school_class=school_class)
    if kind == Kind.DIRECT:
        if not people:
            raise Invalid("member_ids", _("Choose at least one person to message."))
        if len(people) + 1 > MAX_DIRECT_MEMBERS:
            raise Invalid(
                "member_ids",
                _("Direct messages are for up to %(n)d people; start a group instead.") % {"n": MAX_DIRECT_MEMBERS},
            )
        existing = _find_direct(acting, people)
        if existing is not None:
            return existing
    _throttle(acting, "create", CREATE_LIMIT)

    with transaction.atomic():
        if kind == Kind.DIRECT:
            # Two people writing to each other at the same moment must end up in one conversation: lock their
            # rows (in id order, so two such starts queue rather than deadlock) and look again inside.
            list(Person.objects.select_for_update().filter(pk__in=[acting.pk, *(p.pk for p in people)]).order_by("pk"))
            existing = _find_direct(acting, people)
            if existing is not None:
                return existing
        conversation = Conversation.objects.create(
            organisation_id=acting.organisation_id,
            school=school,
            school_class=school_class if kind == Kind.CLASS else None,
            kind=kind,
            title=title,
            description=description,
            created_by=acting,
        )
        # Nobody runs a direct message: the one who wrote first must not be able to remove the other or hide
        # what they said.
        starter_role = Membership.Role.MEMBER if kind == Kind.DIRECT else Membership.Role.OWNER
        Membership.objects.create(conversation=conversation, person=acting, role=starter_role)
        Membership.objects.bulk_create([Membership(conversation=conversation, person=p) for p in people])
        # Safeguarding leads oversee a class channel without being members; their view must be live too.
        events.members_added(conversation, [acting.pk, *(p.pk for p in people)], also=events.overseers(conversation))
        audit.record(
            acting,
            AuditAction.CONVERSATION_CREATED,
            target=conversation,
            conversation=conversation,
            data={"kind": kind, "member_ids": sorted(p.pk for p in people)},
        )
    return conversation


def _lock_conversation(conversation: Conversation) -> None:
    """Hold the conversation's row until commit: the first lock of an action that changes who is in it."""
    Conversation.objects.select_for_update(no_key=True).filter(pk=conversation.pk).exists()


def _find_direct(acting: Person, people: Sequence[Person]) -> Conversation | None:
    """The direct conversation with exactly these members, found in one query."""
    wanted = {acting.pk, *(p.pk for p in people)}
    return (
        Conversation.objects.filter(kind=Kind.DIRECT, organisation_id=acting.organisation_id)
        .annotate(
            members=Count("memberships", distinct=True),
            wanted=Count("memberships", filter=Q(memberships__person_id__in=wanted), distinct=True),
        )
        .filter(members=len(wanted), wanted=len(wanted))
        .order_by("id")
        .first()
    )


def update_conversation(
    conversation: Conversation, *, acting: Person, title: str | None = None, description: str | None = None
) -> Conversation:
    """Rename or re-describe a conversation."""
    permissions.require(acting, "conversation.manage", conversation)
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = _clean_title(conversation.kind, title)
    if description is not None:
        changes["description"] = _clean_description(description)
    _throttle(acting, "rename", RENAME_LIMIT)
    with transaction.atomic():
        before = {k: getattr(conversation, k) for k in changes}
        for key, value in changes.items():
            setattr(conversation, key, value)
        conversation.save(update_fields=list(changes) or None)
        events.conversation_updated(conversation)
        audit.record(
            acting, AuditAction.CONVERSATION_UPDATED, target=conversation, conversation=conversation,
            data={"fields": sorted(changes)}, details={"before": before, "after": changes},
        )  # fmt: skip
    return conversation


def add_member(conversation: Conversation, person_id: int, *, acting: Person) -> Membership:
    """Add someone `acting` may look up (for a class channel, also a pupil of its class) to a conversation;
    any other id is refused with one answer, so refusals say nothing about who has it."""
    permissions.require(acting, "conversation.manage_members", conversation)
    if conversation.kind == Kind.DIRECT:
        raise Invalid("person_id", _("People cannot be added to a direct message; start a group instead."))
    (person,) = _resolve_people(
        acting, [person_id], kind=conversation.kind, school_class=conversation.school_class, field="person_id"
    )
    _throttle(acting, "members", MEMBERSHIP_LIMIT)
    with transaction.atomic():
        _lock_conversation(conversation)
        membership, created = Membership.objects.get_or_create(conversation=conversation, person=person)
        if created:
            events.members_added(conversation, [person.pk])
            audit.record(acting, AuditAction.MEMBERSHIP_ADDED, target=person, conversation=conversation)
    return membership


def join_channel(conversation: Conversation, *, acting: Person) -> Membership:
    """Join an open channel of one's school or trust."""
    if conversation.kind != Kind.CHANNEL or conversation.archived_at is not None:
        raise NotFound()
    if not permissions.allows(acting, "conversation.join", conversation):
        raise NotFound()
    with transaction.atomic():
        _lock_conversation(conversation)
        membership, created = Membership.objects.get_or_create(conversation=conversation, person=acting)
        if created:
            events.members_added(conversation, [acting.pk])
            audit.record(acting, AuditAction.MEMBERSHIP_JOINED, target=acting, conversation=conversation)
    return membership


def remove_member(conversation: Conversation, member_id: int, *, acting: Person, reason: str = "") -> Person:
    """Take a member out of `conversation` (or leave it, when `member_id` is the acting person's); their open
    sockets stop receiving it at once. Returns who was removed; NotFound if they were not a member."""
    leaving = member_id == acting.pk
    if not leaving:
        if conversation.kind == Kind.DIRECT:
            # Not even a trust-wide admin in it: a direct message is between equals, and either may leave.
            raise PermissionDenied(_("Nobody can be removed from a direct message; anyone in it may leave."))
        permissions.require(acting, "conversation.manage_members", conversation)
    if conversation.kind == Kind.CLASS and leaving and acting.is_pupil:
        raise PermissionDenied(_("Pupils cannot leave a class channel; ask your teacher."))
    with transaction.atomic():
        # Transaction first, then the lock, then the checks: two teachers leaving a class channel at once must
        # not both see the other as the adult who stays (the conversation row orders them).
        _lock_conversation(conversation)
        membership = (
            Membership.objects.select_related("person").filter(conversation=conversation, person_id=member_id).first()
        )
        if membership is None:
            raise NotFound(_("That person is not a member of this conversation."))
        member = membership.person
        if conversation.kind == Kind.CLASS and not member.is_pupil:
            staff_left = [
                p
                for p in Person.objects.filter(memberships__conversation=conversation).exclude(pk=member.pk)
                if p.may_teach_a_class
            ]
            if not staff_left:
                raise Invalid(
                    "person_id",
                    _("A class channel must always have a member of staff in it. Add another colleague first."),
                )
        if membership.role == Membership.Role.OWNER and not leaving:
            permissions.require(acting, "conversation.manage", conversation)
        _throttle(acting, "members", MEMBERSHIP_LIMIT)
        membership.delete()
        events.member_removed(conversation, member.pk)
        audit.record(
            acting, AuditAction.MEMBERSHIP_LEFT if leaving else AuditAction.MEMBERSHIP_REMOVED,
            target=member, conversation=conversation, reason=reason,
        )  # fmt: skip
    return member


# --- messages ---------------------------------------------------------------------------------------------


def check_may_post(conversation: Conversation, *, acting: Person, files: int = 0) -> None:
    """Raise unless `acting` may post here with this many files; callers check before storing any upload, so a
    refused send leaves nothing behind."""
    from staffroom.messaging.queries import post_permission

    permissions.require(acting, post_permission(conversation), conversation)
    if conversation.archived_at is not None:
        raise Invalid("conversation", _("This conversation is archived; it can be read but not added to."))
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
) -> tuple[Message, bool]:
    """Post a message; returns (message, created). Re-sending with the same `client_id` returns the first
    message instead of posting twice, so clients can retry safely."""
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
    body = _validate_body(body, bool(attachment_ids))
    reply_to = None
    if reply_to_id is not None:
        reply_to = Message.objects.filter(pk=reply_to_id, conversation=conversation).first()
        if reply_to is None:
            raise Invalid("reply_to", _("You can only reply to a message in the same conversation."))
    attachments = _claim_attachments(acting, attachment_ids)
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
            message = _reload(message)
            events.message_changed("message.new", message)
            audit.record(
                acting, AuditAction.MESSAGE_SENT, target=message, conversation=conversation,
                data={"attachments": [str(a.pk) for a in attachments], "mentions": sorted(rendered.mentioned_ids)},
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
    """Change a message's text; the earlier version is kept as a revision for the records."""
    permissions.require(acting, "message.edit", message)
    if message.deleted_at is not None:
        raise Invalid("body", _("A deleted message cannot be edited."))
    body = _validate_body(body, message.attachments.exists())
    if body == message.body:
        return message
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
        audit.record(acting, AuditAction.MESSAGE_EDITED, target=message, conversation=message.conversation_id)
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
    if not _is_emoji(emoji):
        raise Invalid("emoji", _("Choose one emoji to react with."))
    if message.deleted_at is not None:
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


# Emoji are symbols (So), optionally joined (ZWJ), varied (VS16), skin-toned (Sk) or keycapped; nothing else.
_EMOJI_JOINERS = {"\u200d", "\ufe0f", "\ufe0e", "\u20e3"}


def _is_emoji(text: str) -> bool:
    if not text or len(text) > MAX_REACTION_LENGTH:
        return False
    symbols = 0
    for char in text:
        category = unicodedata.category(char)
        if category == "So" or char == "\u20e3" or 0x1F1E6 <= ord(char) <= 0x1F1FF:  # keycaps; flags
            symbols += 1
        elif not (char in _EMOJI_JOINERS or category == "Sk" or char in "0123456789#*"):
            return False
    return symbols > 0


def mark_read(conversation: Conversation, *, acting: Person, up_to_message_id: int | None = None) -> int:
    """Move the reader's position forward to `up_to_message_id` (default: the latest message). Returns it.
    Only ever forward; reading again changes (and records) nothing."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(conversation=conversation, person=acting).first()
        if membership is None:
            return 0  # an overseeing DSL reads without a position of their own
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


# --- announcements ----------------------------------------------------------------------------------------


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


# --- uploads ----------------------------------------------------------------------------------------------


def store_upload(*, acting: Person, data: bytes, filename: str, declared_type: str = "") -> Attachment:
    """Check an uploaded file (type from content, size, image safety), strip image metadata, and keep it
    until a message claims it. Refused once the person's unsent files or their day's uploads reach their
    allowance (settings STAFFROOM_*UPLOAD*)."""
    permissions.require(acting, "upload.create", acting.organisation)
    ratelimit.hit(f"upload:{acting.pk}", limit=30, window_seconds=60)
    # Early, so a person at their allowance costs no image decoding; checked again under the lock below.
    _check_upload_allowance(acting, len(data))
    checked = uploads.inspect_upload(
        data,
        filename,
        declared_type,
        max_bytes=settings.STAFFROOM_MAX_UPLOAD_BYTES,
        max_pixels=settings.STAFFROOM_MAX_IMAGE_PIXELS,
        slots=uploads.reencode_slots(settings.STAFFROOM_IMAGE_REENCODES),
        wait_seconds=settings.STAFFROOM_IMAGE_WAIT_SECONDS,
    )
    attachment = Attachment(
        organisation_id=acting.organisation_id,
        uploaded_by=acting,
        filename=checked.filename,
        content_type=checked.content_type,
        size=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest(),
        width=checked.width,
        height=checked.height,
    )
    attachment.file.save(attachment.filename, ContentFile(checked.data), save=False)
    try:
        with transaction.atomic():
            # The uploader's row lock queues their concurrent uploads, so two cannot both fit in the last place
            # (on SQLite, BEGIN IMMEDIATE already queues every writer).
            Person.objects.select_for_update(no_key=True).filter(pk=acting.pk).exists()
            _check_upload_allowance(acting, attachment.size)
            attachment.save()
            audit.record(
                acting, AuditAction.UPLOAD_STORED, target=attachment,
                data={"content_type": checked.content_type, "size": attachment.size, "sha256": attachment.sha256},
            )  # fmt: skip
    except BaseException:
        attachment.file.delete(save=False)  # no row, no file: nothing half-written is left behind
        raise
    return attachment


def _check_upload_allowance(acting: Person, size: int) -> None:
    """Raise unless `acting` may store `size` more bytes: a cap on files waiting to be sent (count and bytes),
    and on everything uploaded in the last 24 hours. Pupils have smaller allowances than staff."""
    if acting.is_pupil:
        max_files = settings.STAFFROOM_PUPIL_UNSENT_UPLOAD_FILES
        max_bytes = settings.STAFFROOM_PUPIL_UNSENT_UPLOAD_BYTES
        daily_bytes = settings.STAFFROOM_PUPIL_DAILY_UPLOAD_BYTES
    else:
        max_files = settings.STAFFROOM_UNSENT_UPLOAD_FILES
        max_bytes = settings.STAFFROOM_UNSENT_UPLOAD_BYTES
        daily_bytes = settings.STAFFROOM_DAILY_UPLOAD_BYTES
    from staffroom.messaging import queries

    now = timezone.now()
    day = timedelta(hours=24)
    usage = queries.upload_usage(acting, since=now - day)
    if usage.unsent_files + 1 > max_files or usage.unsent_bytes + size > max_bytes:
        waiting = ngettext(
            "You have %(count)d file (%(size)s) uploaded but not sent yet",
            "You have %(count)d files (%(size)s) uploaded but not sent yet",
            usage.unsent_files,
        ) % {"count": usage.unsent_files, "size": filesizeformat(usage.unsent_bytes)}
        raise QuotaExceeded(
            _(
                "%(waiting)s, and you may keep at most %(files)d files or %(limit)s waiting. Send them in a "
                "message, or remove the ones you do not need, then try again. Files that are not sent are "
                "deleted after %(hours)d hours."
            )
            % {
                "waiting": waiting,
                "files": max_files,
                "limit": filesizeformat(max_bytes),
                "hours": settings.STAFFROOM_UNSENT_UPLOAD_HOURS,
            },
            field="file",
        )
    if usage.recent_bytes + size > daily_bytes:
        # When the oldest upload of the last day stops counting: the earliest moment a retry could fit.
        frees_at = (usage.oldest_recent or now) + day
        raise RateLimited(
            _(
                "You have uploaded %(size)s in the last 24 hours, and the most is %(limit)s a day. Please try "
                "again later, or ask your school's IT administrator if you need to share more."
            )
            % {"size": filesizeformat(usage.recent_bytes), "limit": filesizeformat(daily_bytes)},
            field="file",
            retry_after=max(1, math.ceil((frees_at - now).total_seconds())),
        )


def discard_upload(attachment_id: str, *, acting: Person) -> None:
    """Delete one of one's own uploads that is not on a message yet, with its file. Only the uploader can, and
    only before it is sent: a file on a message is part of the record."""
    from staffroom.messaging import queries

    # Taking back one's own upload is part of uploading; the query below finds only one's own unsent files.
    permissions.require(acting, "upload.create", acting.organisation)
    with transaction.atomic():
        # Locked, so a send cannot claim it between this check and the delete.
        attachment = queries.own_unsent_upload(acting, attachment_id, lock=True)
        Attachment.objects.filter(pk=attachment.pk).delete()
        audit.record(acting, AuditAction.UPLOAD_DISCARDED, target=attachment, data={"size": attachment.size})
        # The file goes only once the row is gone for good.
        transaction.on_commit(lambda: attachment.file.delete(save=False))
