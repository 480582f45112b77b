"""The right to disconnect on the conversation page: a quiet note on a message that reached the viewer outside
their working hours ("no need to reply until you're back"), and, in a direct message, a gentle hint to a sender
writing outside the other person's hours. The hint says only when they are next notified, never their hours."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from staffroom.accounts import working_hours
from staffroom.accounts.models import Person
from staffroom.messaging import queries
from staffroom.messaging.models import Conversation


def now() -> datetime:
    """The moment the composer's hint is judged at (tests replace it)."""
    return timezone.now()


def applies_to(person: Person) -> bool:
    """Working hours are staff's: pupils are not notified by the hour, and their school day is another matter."""
    return not person.is_pupil


def direct_message_hint(viewer: Person, conversation: Conversation, at: datetime | None = None) -> str:
    """For the sender of a direct message: "It's outside Sam's working hours; they won't be notified until
    Monday 07:30." when the other person is outside their hours now, else ""."""
    if conversation.kind != Conversation.Kind.DIRECT:
        return ""
    at = at or now()
    others = [m.person for m in queries.members(viewer, conversation) if m.person_id != viewer.pk]
    if len(others) != 1 or not applies_to(others[0]):
        return ""
    other = others[0]
    hours, _source = working_hours.hours_of(other)
    if hours.contains(at):
        return ""
    name = other.name
    back = hours.next_start(at)
    if back is None:
        return _("It's outside %(name)s's working hours; they won't be notified of your message.") % {"name": name}
    when = date_format(timezone.localtime(back), "l H:i")
    return _("It's outside %(name)s's working hours; they won't be notified until %(when)s.") % {
        "name": name,
        "when": when,
    }
