"""Supervised (class) channels hide nothing from the safeguarding lead: reading a deleted, edited or hidden
message's text (with a reason, audited), hiding a harmful message from everyone else, a class channel's pupil
posting hours and teacher-only mode, and the school's policy for links and files from pupils."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person, School
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid
from staffroom.messaging import events
from staffroom.messaging.models import Conversation, Message, MessageRevision, PupilPostingPolicy
from staffroom.text import clean as clean_text

MAX_REASON_LENGTH = 500


def _reason(typed: str, ask: str) -> str:
    reason = clean_text(typed)
    if not reason:
        raise Invalid("reason", ask)
    if len(reason) > MAX_REASON_LENGTH:
        raise Invalid("reason", _("Keep the reason to %(n)d characters.") % {"n": MAX_REASON_LENGTH})
    return reason


@dataclass
class MessageHistory:
    """What a message said, all of it: the text as it is now (even if deleted or hidden), its earlier versions
    oldest first, and who deleted or hid it, when."""

    message: Message
    revisions: list[MessageRevision]


def view_message_history(message: Message, *, acting: Person, reason: str) -> MessageHistory:
    """Show the safeguarding lead overseeing a class channel what a message said: a deleted or hidden message's
    text and an edited one's earlier versions. Each look is recorded with its reason."""
    permissions.require(acting, "message.history", message)
    reason = _reason(reason, _("Say why you need to read this message's history; the reason is recorded."))
    with transaction.atomic():
        revisions = list(MessageRevision.objects.filter(message=message).select_related("replaced_by"))
        audit.record(
            acting, AuditAction.MESSAGE_HISTORY_VIEWED, target=message, conversation=message.conversation_id,
            reason=reason, data={"revisions": len(revisions), "deleted": message.deleted_at is not None},
        )  # fmt: skip
    return MessageHistory(message=message, revisions=revisions)


def hide_message(message: Message, *, acting: Person, reason: str) -> Message:
    """Hide a harmful message in a class channel from everyone but the safeguarding leads (and the records):
    they see "Hidden by the safeguarding lead". Hiding again changes nothing."""
    from staffroom.messaging.actions.messages import _reload

    permissions.require(acting, "message.hide", message)
    reason = _reason(reason, _("Say why you are hiding this message; the reason is recorded."))
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.hidden_at is not None:
            return _reload(locked)
        locked.hidden_at, locked.hidden_by = timezone.now(), acting
        locked.save(update_fields=["hidden_at", "hidden_by"])
        message = _reload(locked)
        events.message_changed("message.deleted", message)
        audit.record(
            acting, AuditAction.MESSAGE_HIDDEN, target=message, conversation=message.conversation_id, reason=reason
        )
    return message


def set_posting_rules(
    conversation: Conversation,
    *,
    acting: Person,
    pupil_hours_start: time | None,
    pupil_hours_end: time | None,
    staff_only: bool,
) -> Conversation:
    """Set when pupils may post in a class channel (school days between two times; both empty: any time) and
    whether only staff post (teacher-only mode). Staff always may."""
    if conversation.kind != Conversation.Kind.CLASS:
        raise Invalid("staff_only", _("Posting hours and teacher-only mode are for class channels."))
    permissions.require(acting, "conversation.posting_rules", conversation)
    if (pupil_hours_start is None) != (pupil_hours_end is None):
        raise Invalid("pupil_hours_end", _("Give both times, or neither for any time."))
    if pupil_hours_start is not None and pupil_hours_end is not None and pupil_hours_start >= pupil_hours_end:
        raise Invalid("pupil_hours_end", _("The end of posting hours must be after their start."))
    with transaction.atomic():
        locked = Conversation.objects.select_for_update(no_key=True).get(pk=conversation.pk)
        before = _rules(locked)
        locked.pupil_hours_start, locked.pupil_hours_end = pupil_hours_start, pupil_hours_end
        locked.staff_only = staff_only
        after = _rules(locked)
        if before == after:
            return locked
        locked.save(update_fields=["pupil_hours_start", "pupil_hours_end", "staff_only"])
        events.conversation_updated(locked)
        audit.record(
            acting, AuditAction.POSTING_RULES_CHANGED, target=locked, conversation=locked,
            data={"before": before, "after": after},
        )  # fmt: skip
    return locked


def _rules(conversation: Conversation) -> dict[str, object]:
    def hhmm(value: time | None) -> str | None:
        return value.strftime("%H:%M") if value is not None else None

    return {
        "pupil_hours_start": hhmm(conversation.pupil_hours_start),
        "pupil_hours_end": hhmm(conversation.pupil_hours_end),
        "staff_only": conversation.staff_only,
    }


def set_pupil_posting_policy(
    school: School, *, acting: Person, links_allowed: bool, files: str, reason: str = ""
) -> PupilPostingPolicy:
    """Whether pupils of `school` may post links in class channels, and which files (all, images, none). The
    reason, when given (the safeguarding policy page asks for one), is kept in the audit log."""
    permissions.require(acting, "pupil_posting.manage", school)
    if files not in PupilPostingPolicy.Files.values:
        raise Invalid("files", _("Choose all, images or none."))
    reason = clean_text(reason)
    if len(reason) > MAX_REASON_LENGTH:
        raise Invalid("reason", _("Keep the reason to %(n)d characters.") % {"n": MAX_REASON_LENGTH})
    with transaction.atomic():
        policy, _created = PupilPostingPolicy.objects.select_for_update().get_or_create(school=school)
        if not _created and policy.links_allowed == links_allowed and policy.files == files:
            return policy
        before = {"links_allowed": policy.links_allowed, "files": policy.files}
        policy.links_allowed, policy.files, policy.updated_at = links_allowed, files, timezone.now()
        policy.save()
        audit.record(
            acting, AuditAction.PUPIL_POSTING_POLICY_CHANGED, target=school, reason=reason,
            data={"before": before, "after": {"links_allowed": links_allowed, "files": files}},
        )  # fmt: skip
    return policy
