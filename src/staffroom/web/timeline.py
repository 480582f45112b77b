"""What the conversation page shows for each message: the message, and what the viewer may do with it.

Permissions for a message depend only on its conversation and on whether the viewer wrote it (the scopes that
apply to messages are own, member, manager, supervised and school), so one page asks each question at most
twice rather than once per message.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from staffroom.accounts import permissions, working_hours
from staffroom.accounts.models import Person, Role
from staffroom.messaging import emoji_set, pins, queries
from staffroom.messaging.models import Conversation, Message
from staffroom.web import outside_hours

QUICK_REACTIONS = ("👍", "✅", "❤️", "😂")
REACTION_NAMES = {
    "👍": _("thumbs up"),
    "✅": _("tick"),
    "❤️": _("heart"),
    "😂": _("laughing"),
}
# "Seen by" names people, which helps in a small group and is noise (and a lot of reads) in a big channel.
RECEIPTS_UP_TO_MEMBERS = 12
REPLY_SNIPPET_LENGTH = 120


def role_label(person: Person) -> str:
    """The person's most senior role, as the school would say it."""
    codes = person.role_codes
    return str(Role(codes[0]).label) if codes else ""


def role_labels(person: Person) -> list[str]:
    return [str(Role(code).label) for code in person.role_codes]


def snippet(message: Message, length: int = REPLY_SNIPPET_LENGTH) -> str:
    """The start of a message as plain words: its rendered text without Markdown marks or tags."""
    text = " ".join(html.unescape(strip_tags(message.html)).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


@dataclass
class ReactionChoice:
    emoji: str
    count: int
    mine: bool

    @property
    def name(self) -> str:
        return str(REACTION_NAMES.get(self.emoji) or emoji_set.name(self.emoji))


@dataclass
class Acknowledgements:
    """An announcement's acknowledgement count, and for its sender or leaders who has and has not."""

    status: queries.AcknowledgementStatus
    can_remind: bool
    notice: str = ""
    error: str = ""

    @property
    def done(self) -> int:
        return len(self.status.acknowledged)

    @property
    def total(self) -> int:
        return len(self.status.acknowledged) + len(self.status.pending)


@dataclass
class MessageRow:
    message: Message
    own: bool
    author_role: str
    can_edit: bool = False
    can_delete: bool = False
    can_react: bool = False
    can_reply: bool = False
    can_report: bool = False
    reactions: list[ReactionChoice] = field(default_factory=list)
    can_acknowledge: bool = False
    acknowledged: bool = False
    acknowledgements: Acknowledgements | None = None
    reply: Message | None = None
    reply_snippet: str = ""
    seen_by: list[Person] | None = None
    seen_by_everyone: bool = False
    # The safeguarding lead overseeing a class channel: read what a deleted, edited or hidden message said
    # (asked for a reason first), or hide a harmful one.
    can_view_history: bool = False
    can_hide: bool = False
    # Someone else's message that arrived outside the viewer's working hours (web/outside_hours.py).
    sent_outside_hours: bool = False
    # Pinning it to the top of the conversation (messaging/pins.py), and whether it is pinned.
    can_pin: bool = False
    pinned: bool = False
    # A photo held for review: the staff who run the conversation and the DSLs see it and release or remove it.
    can_review_photos: bool = False

    @property
    def deleted(self) -> bool:
        return self.message.deleted_at is not None or self.message.hidden_at is not None

    @property
    def hidden(self) -> bool:
        return self.message.hidden_at is not None

    @property
    def counted_reactions(self) -> list[ReactionChoice]:
        """Reactions someone has given, shown under the message."""
        return [r for r in self.reactions if r.count]


class Timeline:
    """Builds message rows for one viewer in one conversation."""

    def __init__(self, viewer: Person, conversation: Conversation, *, member_count: int | None = None) -> None:
        self.viewer = viewer
        self.conversation = conversation
        self.member_count = member_count
        self._allowed: dict[tuple[str, bool], bool] = {}
        self.may_post = queries.may_post(viewer, conversation)
        self._hours: working_hours.WorkingHours | None = None
        self.may_pin = pins.may_pin(viewer, conversation)
        self.pinned_ids = pins.pinned_ids(conversation)

    def allows(self, action: str, message: Message) -> bool:
        key = (action, message.author_id == self.viewer.pk)
        if key not in self._allowed:
            self._allowed[key] = permissions.allows(self.viewer, action, message)
        return self._allowed[key]

    def rows(self, messages: list[Message], *, receipts: bool = True) -> list[MessageRow]:
        """Rows for a page of messages; read receipts go on the viewer's latest message on the page."""
        latest_own = max((m.pk for m in messages if m.author_id == self.viewer.pk and not m.deleted_at), default=0)
        return [self.row(m, receipt=receipts and m.pk == latest_own) for m in messages]

    def row(self, message: Message, *, receipt: bool = False) -> MessageRow:
        own = message.author_id == self.viewer.pk
        row = MessageRow(message=message, own=own, author_role=role_label(message.author))
        changed = row.deleted or message.edited_at is not None
        row.can_view_history = changed and message.erased_at is None and self.allows("message.history", message)
        if row.deleted:
            return row
        row.sent_outside_hours = not own and self._outside_hours(message)
        row.can_hide = self.allows("message.hide", message)
        if any(a.withheld for a in message.attachments.all()):
            row.can_review_photos = self.allows("photo.review", message)
        row.can_edit = self.allows("message.edit", message)
        row.can_delete = self.allows("message.delete", message)
        row.can_react = self.allows("message.react", message)
        row.can_reply = self.may_post
        # Anyone who can see someone else's message may tell the DSL they are worried about it.
        row.can_report = not own and self.allows("concern.report", message)
        row.can_pin = self.may_pin
        row.pinned = message.pk in self.pinned_ids
        row.reactions = self._reactions(message, row.can_react)
        if message.reply_to_id:
            # The reply's target is in the same conversation (send_message enforces it), so already visible.
            reply = message.reply_to
            if reply is not None:
                row.reply = reply
                row.reply_snippet = "" if reply.deleted_at else snippet(reply)
        if self.conversation.kind == Conversation.Kind.ANNOUNCEMENT:
            self._announcement(row)
        if receipt and own:
            self._receipt(row)
        return row

    def _outside_hours(self, message: Message) -> bool:
        if not outside_hours.applies_to(self.viewer):
            return False
        if self._hours is None:
            self._hours = working_hours.hours_of(self.viewer)[0]
        return not self._hours.contains(message.created_at)

    def _reactions(self, message: Message, can_react: bool) -> list[ReactionChoice]:
        counts: dict[str, list[int]] = {}
        for reaction in sorted(message.reactions.all(), key=lambda r: r.pk):
            counts.setdefault(reaction.emoji, []).append(reaction.person_id)
        shown = list(QUICK_REACTIONS) if can_react else []
        shown += [e for e in counts if e not in shown]
        return [ReactionChoice(e, len(counts.get(e, [])), self.viewer.pk in counts.get(e, [])) for e in shown]

    def _announcement(self, row: MessageRow) -> None:
        message = row.message
        if not row.own and self.allows("announcement.acknowledge", message):
            row.can_acknowledge = True
            row.acknowledged = queries.has_acknowledged(self.viewer, message)
        if self.allows("announcement.view_status", message):
            row.acknowledgements = Acknowledgements(
                status=queries.acknowledgement_status(self.viewer, message),
                can_remind=self.allows("announcement.remind", message),
            )

    def _receipt(self, row: MessageRow) -> None:
        if self.member_count is None:
            self.member_count = len(queries.members(self.viewer, self.conversation))
        if self.member_count > RECEIPTS_UP_TO_MEMBERS or self.member_count < 2:
            return
        row.seen_by = queries.read_by(self.viewer, row.message)
        row.seen_by_everyone = len(row.seen_by) >= self.member_count - 1


def acknowledgements_for(viewer: Person, message: Message) -> Acknowledgements:
    """The status block of one announcement (PermissionDenied unless the viewer may see it)."""
    return Acknowledgements(
        status=queries.acknowledgement_status(viewer, message),
        can_remind=message.deleted_at is None and permissions.allows(viewer, "announcement.remind", message),
    )
