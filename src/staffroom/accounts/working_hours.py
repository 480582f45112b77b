"""Working hours: when a person's devices may be notified (the right to disconnect).

A person's own hours, else their school's, else their organisation's, else 07:30-18:00 Monday to Friday. Outside
them (and on days that are not working days) nothing is pushed to them, except an urgent announcement from a
leader. Times are the school's local time (settings.TIME_ZONE). Hours that end before they start run overnight
(a night shift from 22:00 to 06:00 belongs to the day it starts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts.models import NotificationPolicy, Person, Preferences
from staffroom.errors import Invalid

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class WorkingHours:
    start: time
    end: time
    days: tuple[int, ...]  # Monday 0 ... Sunday 6, sorted

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start.strftime("%H:%M"), "end": self.end.strftime("%H:%M"), "days": list(self.days)}

    def contains(self, moment: datetime) -> bool:
        """True when `moment` (aware, or naive local) is inside these hours."""
        local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
        now, day = local.time(), local.weekday()
        if self.start == self.end:
            return False  # no hours at all on a working day: never notified
        if self.start < self.end:
            return day in self.days and self.start <= now < self.end
        # Overnight: the evening part belongs to today, the small hours to yesterday's shift.
        if now >= self.start:
            return day in self.days
        return now < self.end and (day - 1) % 7 in self.days

    def next_start(self, moment: datetime) -> datetime | None:
        """When these hours next begin after `moment` (aware, in the school's time zone), or None for hours that
        never begin (no working days, or a start equal to the end)."""
        if self.start == self.end or not self.days:
            return None
        local = timezone.localtime(moment) if timezone.is_aware(moment) else timezone.make_aware(moment)
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            if day.weekday() in self.days:
                begins = timezone.make_aware(datetime.combine(day, self.start))
                if begins > local:
                    return begins
        return None


DEFAULT = WorkingHours(time(7, 30), time(18, 0), (0, 1, 2, 3, 4))


def parse_time(value: Any, field: str) -> time:
    """ "HH:MM" (24-hour) as a time, or Invalid naming `field`."""
    match = _HHMM.match(value) if isinstance(value, str) else None
    if match is None:
        raise Invalid(field, _("Give a time as HH:MM on the 24-hour clock, e.g. 07:30 or 18:00."))
    return time(int(match.group(1)), int(match.group(2)))


def parse_days(value: Any, field: str) -> tuple[int, ...]:
    """A list of weekdays (Monday 0 ... Sunday 6) as a sorted tuple without repeats, or Invalid naming `field`."""
    if not isinstance(value, list | tuple) or not all(type(d) is int and 0 <= d <= 6 for d in value):
        raise Invalid(field, _("Give working days as a list of numbers from 0 (Monday) to 6 (Sunday)."))
    return tuple(sorted(set(value)))


def parse(value: Any, field: str = "quiet_hours") -> WorkingHours:
    """{start, end, days} as sent by a client, checked."""
    if not isinstance(value, dict):
        raise Invalid(field, _("Give working hours as {start, end, days}."))
    unknown = set(value) - {"start", "end", "days"}
    if unknown:
        raise Invalid(f"{field}.{sorted(unknown)[0]}", _("Working hours have only start, end and days."))
    for key in ("start", "end", "days"):
        if key not in value:
            raise Invalid(f"{field}.{key}", _("Working hours need a start, an end and the days."))
    start = parse_time(value["start"], f"{field}.start")
    end = parse_time(value["end"], f"{field}.end")
    days = parse_days(value["days"], f"{field}.days")
    if start == end and days:
        raise Invalid(f"{field}.end", _("Working hours must end at a different time from when they start."))
    return WorkingHours(start, end, days)


def own_hours(preferences: Preferences | None) -> WorkingHours | None:
    """The hours a person set themselves, if they did."""
    return _from_row(preferences)


def set_on(row: Preferences | NotificationPolicy | None) -> WorkingHours | None:
    """The hours set on a person's preferences or a notification policy row, if any (None: it inherits)."""
    return _from_row(row)


def _from_row(row: Preferences | NotificationPolicy | None) -> WorkingHours | None:
    if row is None or row.work_starts is None or row.work_ends is None or row.work_days is None:
        return None
    return WorkingHours(row.work_starts, row.work_ends, tuple(sorted({int(d) for d in row.work_days})))


def school_hours(organisation_id: int, school_id: int | None) -> WorkingHours:
    """The school's working hours, else the organisation's, else the default."""
    policies = {p.school_id: p for p in NotificationPolicy.objects.filter(organisation_id=organisation_id)}
    for key in (school_id, None):
        if key in policies and (hours := _from_row(policies[key])) is not None:
            return hours
    return DEFAULT


def hours_of(person: Person, preferences: Preferences | None = None) -> tuple[WorkingHours, str]:
    """A person's working hours and where they come from: "own" or "school"."""
    own = _from_row(preferences if preferences is not None else Preferences.objects.filter(person=person).first())
    if own is not None:
        return own, "own"
    return school_hours(person.organisation_id, person.school_id), "school"


def days_label(days: Iterable[int]) -> str:
    """ "Monday to Friday", "Monday, Wednesday": for pages, in the language they are shown in."""
    from django.utils.dates import WEEKDAYS

    days = sorted(set(days))
    names = [str(WEEKDAYS[d]) for d in days]
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return _("%(first)s to %(last)s") % {"first": names[0], "last": names[-1]}
    return ", ".join(names) or _("no days")
