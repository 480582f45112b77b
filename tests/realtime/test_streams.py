"""The event stream: positions per organisation, ids not content, nothing from a rolled-back action, and a
resuming person sees only what they may see now."""

import pytest
from django.db import transaction

from staffroom.messaging import actions
from staffroom.realtime import streams
from staffroom.realtime.models import Event, EventRecipient
from tests.factories import stream_of

pytestmark = pytest.mark.django_db


def test_positions_follow_one_another_in_an_organisation(world):
    with transaction.atomic():
        first = streams.publish_on_commit(world.org.pk, "test.event", people=[world.teacher.pk], data={"n": 1})
        second = streams.publish_on_commit(world.org.pk, "test.event", people=[world.ta.pk], data={"n": 2})
    assert second == first + 1
    assert streams.current_position(world.org.pk) == second
    assert streams.current_seq(world.teacher.pk) == second
    teacher_events, _ = streams.events_for(world.teacher.pk, 0)
    assert [(e.position, e.payload) for e in teacher_events] == [(first, {"n": 1})]
    assert teacher_events[0].frame() == {"n": 1, "type": "test.event", "seq": first}


def test_rolled_back_actions_publish_nothing(world):
    before = streams.current_position(world.org.pk)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        streams.publish_on_commit(world.org.pk, "test.event", people=[world.teacher.pk], data={})
        1 / 0  # noqa: B018
    assert not Event.objects.exists()
    assert streams.current_position(world.org.pk) == before


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_a_transaction_is_refused(world):
    with pytest.raises(RuntimeError):
        streams.publish_on_commit(world.org.pk, "test.event", people=[world.teacher.pk], data={})


def test_a_message_to_a_big_conversation_writes_one_event_row_holding_ids(world):
    from tests import factories

    conv = world.group(world.teacher2, world.ta)
    staff = [factories.person(world.school, "teacher") for _ in range(30)]
    for person in staff:
        actions.add_member(conv, person.pk, acting=world.teacher)
    before = Event.objects.count(), EventRecipient.objects.count()
    message, _ = actions.send_message(conv, acting=world.teacher, body="Staff briefing moved to 8:15")
    assert (Event.objects.count(), EventRecipient.objects.count()) == (before[0] + 1, before[1])
    event = Event.objects.get(type="message.new")
    assert event.data == {"message_id": message.pk}
    assert "briefing" not in str(event.data)
    assert [e.payload["message"]["body"] for e in stream_of(staff[-1], "message.new")] == [message.body]


def test_replay_shows_deleted_and_edited_messages_as_they_are_now(world):
    conv = world.group(world.teacher2)
    deleted, _ = actions.send_message(conv, acting=world.teacher, body="Wrong room, sorry")
    edited, _ = actions.send_message(conv, acting=world.teacher, body="Meet in room 12")
    actions.delete_message(deleted, acting=world.teacher)
    actions.edit_message(edited, acting=world.teacher, body="Meet in room 14")
    bodies = [e.payload["message"]["body"] for e in stream_of(world.teacher2) if e.type.startswith("message.")]
    assert "Wrong room, sorry" not in bodies
    assert "Meet in room 12" not in bodies
    assert "Meet in room 14" in bodies


def test_replay_leaves_out_conversations_one_was_removed_from_but_says_so(world):
    conv = world.group(world.teacher2)
    actions.send_message(conv, acting=world.teacher, body="Before the removal")
    actions.remove_member(conv, world.teacher2.pk, acting=world.teacher)
    actions.send_message(conv, acting=world.teacher, body="After the removal")
    events = stream_of(world.teacher2)
    assert not [e for e in events if e.type == "message.new"]
    (removed,) = [e for e in events if e.type == "membership.removed"]
    assert removed.payload == {"conversation_id": conv.pk, "person_id": world.teacher2.pk}


def test_pruning_moves_the_resync_line(world):
    from datetime import timedelta

    from django.utils import timezone

    conv = world.group(world.teacher2)
    for i in range(3):
        actions.send_message(conv, acting=world.teacher, body=f"old {i}")
    Event.objects.update(created_at=timezone.now() - timedelta(days=30))
    actions.send_message(conv, acting=world.teacher, body="recent")
    oldest_kept = streams.current_position(world.org.pk)
    assert streams.prune_events(14) >= 3
    assert streams.pruned_through(world.org.pk) == oldest_kept - 1
    assert [e.position for e in stream_of(world.teacher2)] == [oldest_kept]
