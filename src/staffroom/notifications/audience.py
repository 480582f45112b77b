"""Who is pushed what when a message is posted: the rules of docs/notifications.md, read from the rows.

Every member with a device, but the author; only as their settings allow (their own, then the conversation's mute
or "mentions only"); only inside their working hours, unless the message is an urgent announcement. What is sent
never holds a message's text: "New message in a conversation", and the conversation's title only where the
organisation allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from staffroom.accounts import languages, working_hours
from staffroom.accounts.models import NotificationPolicy, Notify, Preferences, PushSubscription
from staffroom.messaging.models import Conversation, Membership, Message

TITLE = "Staffroom"


@dataclass(frozen=True)
class Push:
    """One encrypted notification to send to one device."""

    subscription_id: int
    organisation_id: int
    info: dict[str, Any]
    payload: dict[str, Any]
    urgent: bool


def payload(conversation: Conversation, *, show_titles: bool, urgent: bool) -> dict[str, Any]:
    """What a device is told: where to go, never what was written."""
    if urgent:
        body = _("Urgent announcement")
    elif show_titles and conversation.title:
        body = _("New message in %(title)s") % {"title": conversation.title}
    else:
        body = _("New message in a conversation")
    if urgent and show_titles and conversation.title:
        body = _("Urgent announcement in %(title)s") % {"title": conversation.title}
    return {"title": TITLE, "body": body, "url": f"/c/{conversation.pk}/", "tag": f"c{conversation.pk}"}


def wants(notify: str, *, mentioned: bool, urgent: bool, conversation_notify: str) -> bool:
    """Whether a person's settings let this message through. Their own "none" always wins; an urgent
    announcement passes a conversation's mute and "mentions only"."""
    if notify == Notify.NONE:
        return False
    if urgent:
        return True
    chosen = conversation_notify or notify
    if chosen == Notify.NONE:
        return False
    if chosen == Notify.MENTIONS:
        return mentioned
    return True


def pushes_for(message_id: int, *, now: datetime) -> list[Push]:
    """The notifications one posted message makes (none once it is deleted)."""
    message = Message.objects.select_related("conversation").filter(pk=message_id, deleted_at__isnull=True).first()
    if message is None:
        return []
    conversation = message.conversation
    subscriptions = list(
        PushSubscription.objects.filter(person__memberships__conversation=conversation, person__is_active=True)
        .exclude(person_id=message.author_id)
        .select_related("person")
    )
    if not subscriptions:
        return []
    people = {s.person_id: s.person for s in subscriptions}
    memberships = dict(
        Membership.objects.filter(conversation=conversation, person_id__in=people).values_list("person_id", "notify")
    )
    preferences = {p.person_id: p for p in Preferences.objects.filter(person_id__in=people)}
    mentioned = set(message.mentions.filter(pk__in=people).values_list("pk", flat=True))
    policy = NotificationPolicy.objects.filter(organisation_id=conversation.organisation_id, school__isnull=True)
    show_titles = bool(policy.values_list("show_titles", flat=True).first())
    urgent = message.urgent and conversation.kind == Conversation.Kind.ANNOUNCEMENT
    school_hours: dict[int | None, working_hours.WorkingHours] = {}

    allowed: set[int] = set()
    for person_id, person in people.items():
        if not person.may_use_staffroom(now.date()):
            continue
        own = preferences.get(person_id)
        if not wants(
            own.notify if own else Notify.ALL,
            mentioned=person_id in mentioned,
            urgent=urgent,
            conversation_notify=memberships.get(person_id, ""),
        ):
            continue
        if not urgent:
            hours = working_hours.own_hours(own)
            if hours is None:
                if person.school_id not in school_hours:
                    school_hours[person.school_id] = working_hours.school_hours(
                        person.organisation_id, person.school_id
                    )
                hours = school_hours[person.school_id]
            if not hours.contains(now):
                continue
        allowed.add(person_id)

    # Each in the person's own language: the worker has no request to take one from, and the author's is not theirs.
    def language_of(person_id: int) -> str:
        own = preferences.get(person_id)
        return languages.django_language(own.language if own else None)

    bodies: dict[str, dict[str, Any]] = {}
    for language in {language_of(person_id) for person_id in allowed}:
        with translation.override(language):
            bodies[language] = payload(conversation, show_titles=show_titles, urgent=urgent)
    return [
        Push(s.pk, conversation.organisation_id, s.info(), bodies[language_of(s.person_id)], urgent)
        for s in subscriptions
        if s.person_id in allowed
    ]
