"""When a subject access request must be answered (UK GDPR Art. 15, ICO guidance; DOMAIN.md "Data protection").

- One calendar month after the day it was received: the corresponding day of the next month (3 March -> 3
  April); where the next month has no such day, its last day (31 January -> 28 or 29 February).
- Days the clock stood still (waiting for proof of identity, or for the requester to say what they want) push
  that day on by as many days.
- An extension for a complex request adds two further months to that date, by the same corresponding-day rule.
- Only then, if the day is a weekend or a bank holiday of the school's nation, the next working day.

The move to a working day is made once, at the end: extending from an already-moved date would let one
weekend push the deadline twice, and the requester is owed the earlier date.

Bank holidays differ between the UK's nations (Scotland's 2 January and St Andrew's Day, Northern Ireland's St
Patrick's Day and the Boyne): `STAFFROOM_SAR_NATION` chooses which (settings.py); England and Wales, which share
theirs, by default. Pure functions of dates: no database, no clock.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import holidays

# The `holidays` package's subdivisions of the UK, by the names an operator writes.
NATIONS = {
    "england-and-wales": "ENG",
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern-ireland": "NIR",
}
DEFAULT_NATION = "england-and-wales"
EXTENSION_MONTHS = 2


@dataclass(frozen=True)
class Pause:
    """The clock stood still from `start` up to `end` (the day it restarted); `end` None: it still does."""

    start: date
    end: date | None = None

    def days(self) -> int:
        """Days it pushes the due date on: an open pause counts nothing yet (the date moves when it ends)."""
        return max(0, (self.end - self.start).days) if self.end else 0


def add_months(day: date, months: int) -> date:
    """The corresponding day `months` later; the last day of that month when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@functools.cache
def _holidays(nation: str, year: int) -> holidays.HolidayBase:
    if nation not in NATIONS:
        raise ValueError(f"unknown nation {nation!r}: one of {', '.join(sorted(NATIONS))}")
    return holidays.country_holidays("GB", subdiv=NATIONS[nation], years=year)


def is_working_day(day: date, nation: str = DEFAULT_NATION) -> bool:
    """Monday to Friday and not a bank holiday (or a substitute day for one) in the nation."""
    return day.weekday() < 5 and day not in _holidays(nation, day.year)


def next_working_day(day: date, nation: str = DEFAULT_NATION) -> date:
    """`day` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day, nation):
        day += timedelta(days=1)
    return day


def paused_days(pauses: Iterable[Pause]) -> int:
    return sum(pause.days() for pause in pauses)


def due_date(
    received_on: date, *, pauses: Iterable[Pause] = (), extended: bool = False, nation: str = DEFAULT_NATION
) -> date:
    """The day the answer is due (see the module's doc for the rule)."""
    day = add_months(received_on, 1) + timedelta(days=paused_days(pauses))
    if extended:
        day = add_months(day, EXTENSION_MONTHS)
    return next_working_day(day, nation)
