"""A subject access request's due date: one calendar month (the corresponding day, or the last day of a shorter
month), pushed on by days the clock stood still, two further months when extended, then the next working day
of the school's nation."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from staffroom.compliance.sar_dates import (
    Pause,
    add_months,
    due_date,
    is_working_day,
    next_working_day,
)

D = date


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (D(2026, 3, 10), D(2026, 4, 10)),  # the corresponding day: a Friday
        (D(2026, 3, 3), D(2026, 4, 7)),  # 3 Apr 2026 is Good Friday, then the weekend and Easter Monday
        (D(2026, 1, 31), D(2026, 3, 2)),  # 28 Feb 2026 is a Saturday: the Monday after
        (D(2027, 1, 29), D(2027, 3, 1)),  # 28 Feb 2027 (no 29th) is a Sunday
        (D(2025, 1, 31), D(2025, 2, 28)),  # a Friday: stays
        (D(2024, 1, 31), D(2024, 2, 29)),  # leap year: the 29th, a Thursday
        (D(2024, 1, 30), D(2024, 2, 29)),
        (D(2025, 11, 30), D(2025, 12, 30)),  # 30 Nov -> 30 Dec (a Tuesday)
        (D(2026, 5, 31), D(2026, 6, 30)),  # 31 May -> 30 June, the last day of a shorter month
        (D(2026, 8, 31), D(2026, 9, 30)),
        (D(2025, 12, 31), D(2026, 2, 2)),  # 31 Jan 2026 is a Saturday
    ],
)
def test_one_calendar_month_then_the_next_working_day(received, due):
    assert due_date(received) == due


def test_a_due_date_on_a_saturday_moves_to_monday():
    assert D(2026, 3, 14).weekday() == 5
    assert due_date(D(2026, 2, 14)) == D(2026, 3, 16)
    assert due_date(D(2026, 3, 4)) == D(2026, 4, 7)  # Sat 4 Apr, and Mon 6 Apr is Easter Monday: Tue 7


def test_christmas_and_boxing_day_are_skipped():
    assert due_date(D(2025, 11, 25)) == D(2025, 12, 29)  # Thu 25, Fri 26, weekend: Mon 29
    assert due_date(D(2025, 11, 26)) == D(2025, 12, 29)
    # Christmas 2027 falls on a Saturday: the substitute days are Mon 27 and Tue 28.
    assert due_date(D(2027, 11, 25)) == D(2027, 12, 29)


def test_a_bank_holiday_monday_moves_to_tuesday():
    assert due_date(D(2026, 7, 31)) == D(2026, 9, 1)  # 31 Aug 2026: late summer bank holiday
    assert due_date(D(2026, 4, 25)) == D(2026, 5, 26)  # Mon 25 May 2026: spring bank holiday
    assert due_date(D(2026, 4, 4)) == D(2026, 5, 5)  # Mon 4 May 2026: early May bank holiday


def test_new_year_s_day():
    assert due_date(D(2025, 12, 1)) == D(2026, 1, 2)
    assert due_date(D(2026, 12, 1)) == D(2027, 1, 4)  # Fri 1 Jan, weekend


def test_each_nation_has_its_own_bank_holidays():
    # 2 January is a bank holiday in Scotland only; 17 March in Northern Ireland only.
    assert due_date(D(2025, 12, 2)) == D(2026, 1, 2)
    assert due_date(D(2025, 12, 2), nation="scotland") == D(2026, 1, 5)
    assert due_date(D(2026, 2, 17)) == D(2026, 3, 17)
    assert due_date(D(2026, 2, 17), nation="northern-ireland") == D(2026, 3, 18)
    with pytest.raises(ValueError, match="unknown nation"):
        due_date(D(2026, 2, 17), nation="atlantis")


def test_days_paused_push_the_due_date_on():
    received = D(2026, 3, 3)
    # Waiting five days for ID (3 -> 8 March), then three for clarification (10 -> 13 March).
    pauses = [Pause(D(2026, 3, 3), D(2026, 3, 8)), Pause(D(2026, 3, 10), D(2026, 3, 13))]
    assert due_date(received, pauses=pauses) == D(2026, 4, 13)  # 3 Apr + 8 days = Sat 11: Mon 13
    # A pause that ends the day it starts costs nothing; one still open moves nothing until it ends.
    assert due_date(D(2026, 3, 10), pauses=[Pause(D(2026, 3, 12), D(2026, 3, 12))]) == D(2026, 4, 10)
    assert due_date(D(2026, 3, 10), pauses=[Pause(D(2026, 3, 12))]) == D(2026, 4, 10)


def test_an_extension_adds_two_months_to_the_date_before_any_working_day_move():
    assert due_date(D(2026, 3, 3), extended=True) == D(2026, 6, 3)
    # 31 Jan -> 28 Feb (a Saturday) -> +2 months 28 Apr (a Tuesday): the weekend does not push it twice.
    assert due_date(D(2026, 1, 31), extended=True) == D(2026, 4, 28)
    # 4 Apr 2026 (a Saturday; Mon 6 Apr is Easter Monday) -> 4 Jun, a Thursday.
    assert due_date(D(2026, 3, 4), extended=True) == D(2026, 6, 4)
    # 4 Mar 2026 -> 4 May, an early May bank holiday: Tue 5 May.
    assert due_date(D(2026, 2, 4), extended=True) == D(2026, 5, 5)
    pauses = [Pause(D(2026, 3, 3), D(2026, 3, 10))]
    assert due_date(D(2026, 3, 3), pauses=pauses, extended=True) == D(2026, 6, 10)


def test_add_months_clamps_to_the_last_day():
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2023, 12, 31), 2) == D(2024, 2, 29)
    assert add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)
    assert add_months(D(2025, 12, 15), 1) == D(2026, 1, 15)


def test_working_days():
    assert is_working_day(D(2026, 3, 3)) and not is_working_day(D(2026, 3, 7))
    assert not is_working_day(D(2026, 12, 28))  # Boxing Day's substitute
    assert next_working_day(D(2026, 12, 24)) == D(2026, 12, 24)
    assert next_working_day(D(2026, 12, 25)) == D(2026, 12, 29)


days = st.dates(min_value=D(2000, 1, 1), max_value=D(2098, 12, 31))
nations = st.sampled_from(["england-and-wales", "scotland", "northern-ireland"])


@given(days, st.booleans(), nations)
def test_the_due_date_is_a_working_day_at_least_28_days_on(received, extended, nation):
    due = due_date(received, extended=extended, nation=nation)
    assert due >= received + timedelta(days=28 + (59 if extended else 0))
    assert is_working_day(due, nation)
    # ... and never more than a month and a few days (the longest run of days off is under a fortnight).
    assert due <= add_months(received, 3 if extended else 1) + timedelta(days=14)


@given(days, days, st.booleans())
def test_a_later_receipt_is_never_due_earlier(first, second, extended):
    early, late = sorted((first, second))
    assert due_date(early, extended=extended) <= due_date(late, extended=extended)


@given(days, st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=400))
def test_more_days_paused_never_bring_the_date_forward(received, shorter, longer):
    shorter, longer = sorted((shorter, longer))

    def paused(n):
        return [Pause(received, received + timedelta(days=n))]

    assert due_date(received, pauses=paused(shorter)) <= due_date(received, pauses=paused(longer))
    assert due_date(received, pauses=paused(shorter)) <= due_date(received, pauses=paused(shorter), extended=True)
