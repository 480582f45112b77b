"""The list of a person's conversations, grouped by kind, with unread and mention counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from staffroom.accounts.models import Person
from staffroom.messaging import queries
from staffroom.messaging.models import Conversation

Kind = Conversation.Kind

GROUPS: list[tuple[str, Promise]] = [
    (Kind.ANNOUNCEMENT, _("Announcements")),
    (Kind.CHANNEL, _("Channels")),
    (Kind.CLASS, _("Class channels")),
    (Kind.GROUP, _("Groups")),
    (Kind.DIRECT, _("Direct messages")),
]


@dataclass
class Entry:
    conversation: Conversation
    name: str
    unread: int = 0
    mentions: int = 0
    current: bool = False


@dataclass
class Group:
    kind: str
    heading: str
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Sidebar:
    groups: list[Group]
    overseen: list[Entry]
    total_unread: int
    summaries: dict[int, queries.ConversationSummary]


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


def build(viewer: Person, *, current_id: int | None = None) -> Sidebar:
    summaries = queries.conversation_summaries(viewer)
    groups = {kind: Group(kind, str(heading)) for kind, heading in GROUPS}
    total = 0
    for summary in summaries:
        conversation = summary.conversation
        current = conversation.pk == current_id
        unread = 0 if current else summary.unread
        total += unread
        groups[conversation.kind].entries.append(
            Entry(
                conversation,
                conversation_name(viewer, conversation),
                unread,
                0 if current else summary.mentions,
                current,
            )
        )
    mine = {s.conversation.pk for s in summaries}
    # A safeguarding lead oversees class channels without being in them; list those apart, so it is plain.
    overseen = [
        Entry(c, conversation_name(viewer, c), 0 if c.pk == current_id else unread, current=c.pk == current_id)
        for c, unread in queries.overseen_unread(viewer)
        if c.pk not in mine
    ]
    total += sum(entry.unread for entry in overseen)
    return Sidebar(
        groups=[g for g in groups.values() if g.entries],
        overseen=overseen,
        total_unread=total,
        summaries={s.conversation.pk: s for s in summaries},
    )
