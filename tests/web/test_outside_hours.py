"""The right to disconnect on the conversation page: a message that reached someone outside their working hours
carries a quiet note for them, and a sender writing a direct message outside the other person's hours is told
when they will be notified, and nothing more about their hours."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from staffroom.accounts import actions as account_actions
from staffroom.accounts import working_hours
from staffroom.messaging import actions
from staffroom.messaging.models import Message
from staffroom.web import outside_hours

NOTE = "Sent outside your working hours: no need to reply until you're back."

# Times in the school's time zone (Europe/London): a Tuesday in term and the Saturday after it.
TUESDAY_MORNING = timezone.make_aware(datetime(2026, 11, 24, 10, 0))
TUESDAY_NIGHT = timezone.make_aware(datetime(2026, 11, 24, 21, 15))
SATURDAY = timezone.make_aware(datetime(2026, 11, 28, 11, 0))


def sent_at(conversation, author, body, moment) -> Message:
    message, _ = actions.send_message(conversation, acting=author, body=body)
    Message.objects.filter(pk=message.pk).update(created_at=moment)
    return message


def note_count(client, conversation) -> int:
    return client.get(f"/c/{conversation.pk}/").content.decode().count(NOTE)


def test_a_message_sent_in_the_evening_carries_the_note_for_the_reader_not_the_sender(world, client):
    group = world.group(world.teacher2)
    sent_at(group, world.teacher, "Reminder about tomorrow", TUESDAY_MORNING)
    late = sent_at(group, world.teacher, "Can you cover period 1?", TUESDAY_NIGHT)
    client.force_login(world.teacher2)
    html = client.get(f"/c/{group.pk}/").content.decode()
    assert html.count(NOTE) == 1
    assert html.index(f'id="message-{late.pk}"') < html.index(NOTE)
    client.force_login(world.teacher)
    assert note_count(client, group) == 0  # their own messages


def test_the_readers_own_hours_decide_and_the_school_default_otherwise(world, client):
    group = world.group(world.teacher2)
    sent_at(group, world.teacher, "Weekend thought", SATURDAY)
    client.force_login(world.teacher2)
    assert note_count(client, group) == 1  # the school default: Monday to Friday
    account_actions.change_preferences(
        acting=world.teacher2, quiet_hours={"start": "09:00", "end": "13:00", "days": [5, 6]}
    )
    assert note_count(client, group) == 0  # they work Saturday mornings


def test_pupils_get_no_note(world, client):
    channel = world.class_channel(world.pupil)
    sent_at(channel, world.teacher, "Homework is on the board", TUESDAY_NIGHT)
    client.force_login(world.pupil)
    assert note_count(client, channel) == 0


@pytest.fixture
def direct(world):
    return actions.create_conversation(acting=world.teacher, kind="direct", title="", member_ids=[world.teacher2.pk])


def test_writing_a_direct_message_out_of_hours_says_when_they_will_be_notified(world, client, direct, monkeypatch):
    monkeypatch.setattr(outside_hours, "now", lambda: TUESDAY_NIGHT)
    client.force_login(world.teacher)
    html = client.get(f"/c/{direct.pk}/").content.decode()
    assert (
        "It&#x27;s outside Tom Teacher&#x27;s working hours; they won&#x27;t be notified until Wednesday 07:30." in html
    )
    monkeypatch.setattr(outside_hours, "now", lambda: SATURDAY)
    assert "until Monday 07:30" in client.get(f"/c/{direct.pk}/").content.decode()
    monkeypatch.setattr(outside_hours, "now", lambda: TUESDAY_MORNING)
    assert "working hours" not in client.get(f"/c/{direct.pk}/").content.decode()


def test_no_hint_outside_direct_messages(world, client, monkeypatch):
    monkeypatch.setattr(outside_hours, "now", lambda: TUESDAY_NIGHT)
    group = world.group(world.teacher2)
    client.force_login(world.teacher)
    assert "won&#x27;t be notified" not in client.get(f"/c/{group.pk}/").content.decode()


def test_the_hint_follows_the_other_persons_own_hours_without_showing_them(world, direct):
    account_actions.change_preferences(
        acting=world.teacher2, quiet_hours={"start": "22:00", "end": "06:00", "days": [0, 1, 2, 3]}
    )
    on_shift = timezone.make_aware(datetime(2026, 11, 24, 23, 30))
    assert outside_hours.direct_message_hint(world.teacher, direct, on_shift) == ""  # on a night shift
    hint = outside_hours.direct_message_hint(world.teacher, direct, TUESDAY_MORNING)
    assert hint == "It's outside Tom Teacher's working hours; they won't be notified until Tuesday 22:00."
    assert "06:00" not in hint


def test_next_start_of_working_hours():
    hours = working_hours.DEFAULT
    assert hours.next_start(TUESDAY_MORNING) == timezone.make_aware(datetime(2026, 11, 25, 7, 30))
    assert hours.next_start(SATURDAY) == timezone.make_aware(datetime(2026, 11, 30, 7, 30))
    never = working_hours.WorkingHours(hours.start, hours.end, ())
    assert never.next_start(SATURDAY) is None
