"""Supervised (class) channels: the rules for what pupils post, as pure functions of the conversation, the
school's pupil posting policy, the message and the time. Staff are never held by them.

- Teacher-only mode (`Conversation.staff_only`): only staff post.
- Posting hours (`pupil_hours_start`/`pupil_hours_end`): pupils post on school days between the two times, in
  the school's time zone (settings.TIME_ZONE); without hours, any time. School days are Monday to Friday, not a
  bank holiday of the school's nation, and not in one of the school's closures (term holidays, INSET days:
  staffroom/school_calendar.py).
- The school's `PupilPostingPolicy` (defaults without a row: links allowed, images only). A link is what
  `links.contains_link` finds: web addresses and platform handles, however they are typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom import school_calendar
from staffroom.accounts.models import Person
from staffroom.errors import PostingRefused
from staffroom.messaging.links import contains_link
from staffroom.messaging.models import Attachment, Conversation, PupilPostingPolicy

SCHOOL_DAYS = range(0, 5)  # Monday to Friday
DEFAULT_LINKS_ALLOWED = True
DEFAULT_FILES = PupilPostingPolicy.Files.IMAGES


def now() -> datetime:
    """The moment posting hours are judged at (tests replace it)."""
    return timezone.now()


def pupil_policy(school_id: int | None) -> tuple[bool, str]:
    """(links allowed, files) for pupils of this school: its policy, or the defaults."""
    row = PupilPostingPolicy.objects.filter(school_id=school_id).first() if school_id else None
    if row is None:
        return DEFAULT_LINKS_ALLOWED, DEFAULT_FILES
    return row.links_allowed, row.files


def hours_text(conversation: Conversation) -> str:
    start, end = conversation.pupil_hours_start, conversation.pupil_hours_end
    if start is None or end is None:
        return ""
    return _("%(start)s to %(end)s, Monday to Friday") % {
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
    }


def within_hours(conversation: Conversation, at: datetime) -> bool:
    start, end = conversation.pupil_hours_start, conversation.pupil_hours_end
    if start is None or end is None:
        return True
    local = timezone.localtime(at)
    now: time = local.time().replace(tzinfo=None)
    return local.weekday() in SCHOOL_DAYS and start <= now < end and not closed_because(conversation, at)


def closed_because(conversation: Conversation, at: datetime) -> str:
    """Why a weekday is not a school day for a class channel with posting hours: "a bank holiday", or the label
    of the school's closure ("INSET day"); "" on a school day, and always without posting hours (the teacher
    turned them off, so pupils may post any time)."""
    if conversation.pupil_hours_start is None or conversation.pupil_hours_end is None:
        return ""
    day = timezone.localtime(at).date()
    if day.weekday() not in SCHOOL_DAYS:
        return ""
    if not school_calendar.is_school_day(day):
        return _("a bank holiday")
    return school_calendar.closure_on(conversation.school_id, day)


def applies_to(conversation: Conversation, person: Person) -> bool:
    return conversation.kind == Conversation.Kind.CLASS and person.is_pupil


def refusal(conversation: Conversation, person: Person, at: datetime | None = None) -> PostingRefused | None:
    """Why `person` may not post in `conversation` at all now (teacher-only mode, outside hours), or None. The
    composer shows this instead of a message box; the send refuses with it."""
    if not applies_to(conversation, person):
        return None
    if conversation.staff_only:
        return PostingRefused(
            "staff_only", "body", _("Only staff can post in this class channel at the moment. You can still read it.")
        )
    moment = at or now()
    closed = closed_because(conversation, moment)
    if closed:
        return PostingRefused(
            "outside_posting_hours",
            "body",
            _("The school is closed today (%(closure)s), so pupils cannot post. Pupils can post here %(hours)s.")
            % {"closure": closed, "hours": hours_text(conversation)},
        )
    if not within_hours(conversation, moment):
        return PostingRefused(
            "outside_posting_hours",
            "body",
            _("Pupils can post here %(hours)s. You can read the channel now and post during those hours.")
            % {"hours": hours_text(conversation)},
        )
    return None


def check_pupil_message(
    conversation: Conversation,
    person: Person,
    *,
    body: str,
    attachments: Sequence[Attachment] = (),
    at: datetime | None = None,
) -> None:
    """Raise PostingRefused unless a pupil may post this message here now (nothing for staff)."""
    refused = refusal(conversation, person, at)
    if refused is not None:
        raise refused
    if not applies_to(conversation, person):
        return
    links_allowed, files = pupil_policy(conversation.school_id)
    if not links_allowed and contains_link(body):
        raise PostingRefused(
            "links_blocked", "body", _("Your school does not let pupils post links here. Remove the link and send.")
        )
    if attachments:
        if files == PupilPostingPolicy.Files.NONE:
            raise PostingRefused(
                "files_blocked", "attachment_ids", _("Your school does not let pupils send files here.")
            )
        if files == PupilPostingPolicy.Files.IMAGES and not all(a.is_image for a in attachments):
            raise PostingRefused(
                "files_blocked", "attachment_ids", _("Your school lets pupils send pictures here, not other files.")
            )
