"""The list of a person's conversations, newest activity first, each with a preview of its last message, the
time of it and the unread and mention counts; class channels a safeguarding lead oversees are listed apart."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import dateformat, timezone
from django.utils.functional import Promise
from django.utils.html import strip_tags
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.messaging import queries
from staffroom.messaging.models import Conversation

Kind = Conversation.Kind

# A short word for the kind, shown beside the preview instead of grouping the list by kind.
KIND_LABELS: dict[str, Promise] = {
    Kind.ANNOUNCEMENT: _("Announcements"),
    Kind.CHANNEL: _("Channel"),
    Kind.CLASS: _("Class"),
    Kind.GROUP: _("Group"),
    Kind.DIRECT: _("Direct"),
}
PREVIEW_LENGTH = 80


@dataclass
class Entry:
    conversation: Conversation
    name: str
    unread: int = 0
    mentions: int = 0
    current: bool = False
    preview: str = ""
    when: datetime | None = None
    when_label: str = ""

    @property
    def kind_label(self) -> str:
        label = KIND_LABELS.get(self.conversation.kind)
        return str(label) if label is not None else ""


@dataclass
class Sidebar:
    entries: list[Entry]
    overseen: list[Entry]
    total_unread: int
    summaries: dict[int, queries.ConversationSummary]
    # Whether to offer "New message" at the top of the list (the two-tap way to a direct message).
    may_message: bool = False


def may_message(viewer: Person) -> bool:
    """Whether the viewer may start a direct message (asked of the same place the action asks)."""
    return permissions.allows(viewer, "conversation.create.direct", viewer.school or viewer.organisation)


def list_time(when: datetime, now: datetime) -> str:
    """When, as a chat list says it: the time today, the weekday within the last week, else the date."""
    local, today = timezone.localtime(when), timezone.localtime(now).date()
    if local.date() == today:
        return dateformat.format(local, "H:i")
    if today - timedelta(days=6) <= local.date() < today:
        return dateformat.format(local, "l")
    if local.year == today.year:
        return dateformat.format(local, "j M")
    return dateformat.format(local, "j M Y")


def preview(viewer: Person, last: queries.LastMessage | None) -> str:
    """One line of plain text for the newest message: never a deleted message's words; "You: " for one's own."""
    if last is None:
        return ""
    if last.deleted:
        text = gettext("Message deleted")
    else:
        text = " ".join(html.unescape(strip_tags(last.html)).split())
        if not text:
            if last.has_held:
                # The same placeholder the conversation shows, whoever looks (its sender and reviewers too).
                text = gettext("Photo waiting for a teacher to check")
            elif last.has_removed:
                text = gettext("Photo removed by a teacher")
            else:
                text = gettext("Photo") if last.has_image else gettext("File") if last.has_file else ""
        elif len(text) > PREVIEW_LENGTH:
            text = text[: PREVIEW_LENGTH - 1].rstrip() + "…"
    if text and last.author_id == viewer.pk:
        return gettext("You: %(text)s") % {"text": text}
    return text


def conversation_name(viewer: Person, conversation: Conversation) -> str:
    """The title, or for an untitled direct message the names of the other people in it."""
    if conversation.title:
        return conversation.title
    if conversation.kind == Kind.DIRECT:
        others = [m.person.name for m in queries.members(viewer, conversation) if m.person_id != viewer.pk]
        if others:
            return ", ".join(others)
        return gettext("Just you")
    return str(conversation)


def build(viewer: Person, *, current_id: int | None = None, now: datetime | None = None) -> Sidebar:
    now = now or timezone.now()
    summaries = queries.conversation_summaries(viewer)
    lasts = queries.last_messages(viewer, [s.last_message_id for s in summaries if s.last_message_id])
    direct = [s.conversation.pk for s in summaries if s.conversation.kind == Kind.DIRECT and not s.conversation.title]
    names = queries.direct_message_names(viewer, direct)
    entries: list[Entry] = []
    total = 0
    for summary in summaries:
        conversation = summary.conversation
        current = conversation.pk == current_id
        unread = 0 if current else summary.unread
        total += unread
        last = lasts.get(conversation.pk)
        when = last.created_at if last else conversation.last_message_at or conversation.created_at
        if conversation.pk in names:
            name = ", ".join(names[conversation.pk]) or gettext("Just you")
        else:
            name = conversation_name(viewer, conversation)
        entries.append(
            Entry(
                conversation,
                name,
                unread,
                0 if current else summary.mentions,
                current,
                preview=preview(viewer, last),
                when=when,
                when_label=list_time(when, now),
            )
        )
    # Newest activity first, as the summaries come; ties (no messages yet) by newest conversation.
    mine = {s.conversation.pk for s in summaries}
    # A safeguarding lead oversees class channels without being in them; list those apart, so it is plain.
    overseen = [
        Entry(c, conversation_name(viewer, c), 0 if c.pk == current_id else unread, current=c.pk == current_id)
        for c, unread in queries.overseen_unread(viewer)
        if c.pk not in mine
    ]
    total += sum(entry.unread for entry in overseen)
    return Sidebar(
        entries=entries,
        overseen=overseen,
        total_unread=total,
        summaries={s.conversation.pk: s for s in summaries},
        may_message=may_message(viewer),
    )
