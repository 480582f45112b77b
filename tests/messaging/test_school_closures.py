"""Posting hours keep the school's calendar: pupils cannot post on bank holidays nor on the days the school has
entered as closed (term holidays, INSET days), unless the teacher turned posting hours off."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from django.test import override_settings

from staffroom import school_calendar
from staffroom.accounts import actions as account_actions
from staffroom.errors import PostingRefused
from staffroom.messaging import actions, queries, supervision
from tests.verify import verify_refused

# 10:00 in London on each day (GMT in winter; BST in April, so 09:00 UTC).
CHRISTMAS_DAY = datetime(2026, 12, 25, 10, 0, tzinfo=UTC)  # a Friday
EASTER_MONDAY = datetime(2026, 4, 6, 9, 0, tzinfo=UTC)
INSET_DAY = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # a Monday
ORDINARY_DAY = datetime(2026, 1, 6, 10, 0, tzinfo=UTC)
ST_ANDREWS_DAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # a Monday: a bank holiday in Scotland only


@pytest.fixture
def channel(world):
    channel = world.class_channel(world.pupil, world.pupil2)
    return actions.set_posting_rules(
        channel, acting=world.teacher, pupil_hours_start=time(8), pupil_hours_end=time(16), staff_only=False
    )


@pytest.fixture
def at(monkeypatch):
    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(supervision, "now", lambda: moment)

    return set_to


@pytest.mark.parametrize("moment", [CHRISTMAS_DAY, EASTER_MONDAY], ids=["christmas", "easter-monday"])
def test_pupils_cannot_post_on_a_bank_holiday(world, channel, at, moment):
    at(moment)
    with verify_refused(PostingRefused) as refused:
        actions.send_message(channel, acting=world.pupil, body="hello")
    assert refused.value.code == "outside_posting_hours"
    assert "a bank holiday" in refused.value.message and "08:00 to 16:00" in refused.value.message
    actions.send_message(channel, acting=world.teacher, body="Staff always may")


def test_pupils_cannot_post_on_an_inset_day_the_head_entered(world, channel, at):
    account_actions.add_school_closure(
        world.school.pk, acting=world.head, starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 5), label="INSET day"
    )
    at(INSET_DAY)
    with verify_refused(PostingRefused) as refused:
        actions.send_message(channel, acting=world.pupil, body="is school open?")
    assert "INSET day" in refused.value.message
    assert queries.posting_refusal(world.pupil, channel) == refused.value.message
    at(ORDINARY_DAY)
    actions.send_message(channel, acting=world.pupil, body="back again")


def test_another_schools_closure_does_not_close_this_one(world, channel, at):
    account_actions.add_school_closure(
        world.other_school.pk, acting=world.admin, starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 9), label="Flood"
    )
    at(INSET_DAY)
    actions.send_message(channel, acting=world.pupil, body="we are open")


def test_without_posting_hours_pupils_may_post_on_any_day(world, at):
    channel = world.class_channel(world.pupil)
    account_actions.add_school_closure(
        world.school.pk, acting=world.head, starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 5), label="INSET day"
    )
    for moment in (CHRISTMAS_DAY, EASTER_MONDAY, INSET_DAY):
        at(moment)
        actions.send_message(channel, acting=world.pupil, body="revision question")


def test_the_nation_chooses_the_bank_holidays(world, channel, at):
    at(ST_ANDREWS_DAY)
    actions.send_message(channel, acting=world.pupil, body="in England this is a school day")
    with override_settings(STAFFROOM_SAR_NATION="scotland"):
        assert not school_calendar.is_school_day(date(2026, 11, 30))
        with verify_refused(PostingRefused):
            actions.send_message(channel, acting=world.pupil, body="in Scotland it is not")


def test_school_days():
    assert not school_calendar.is_school_day(date(2026, 12, 25))
    assert not school_calendar.is_school_day(date(2026, 4, 6))
    assert not school_calendar.is_school_day(date(2026, 1, 3))  # a Saturday
    assert school_calendar.is_school_day(date(2026, 1, 6))
