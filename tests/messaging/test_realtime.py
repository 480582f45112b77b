"""The event stream: seq increases per person, and nothing is published for a rolled-back action."""

import pytest
from django.db import transaction

from staffroom.messaging import realtime
from staffroom.messaging.models import Event

pytestmark = pytest.mark.django_db


def test_seq_increases_per_person(world):
    with transaction.atomic():
        realtime.publish_on_commit([world.teacher.pk, world.ta.pk], "test.event", {"n": 1})
        realtime.publish_on_commit([world.teacher.pk], "test.event", {"n": 2})
    assert [e.seq for e in Event.objects.filter(person=world.teacher).order_by("seq")] == [1, 2]
    assert [e.seq for e in Event.objects.filter(person=world.ta)] == [1]
    assert realtime.events_after(world.teacher.pk, 1) == [{"n": 2, "type": "test.event", "seq": 2}]


def test_rolled_back_actions_publish_nothing(world):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        realtime.publish_on_commit([world.teacher.pk], "test.event", {})
        1 / 0  # noqa: B018
    assert not Event.objects.exists()
    assert realtime.current_seq(world.teacher.pk) == 0


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_a_transaction_is_refused(world):
    with pytest.raises(RuntimeError):
        realtime.publish_on_commit([world.teacher.pk], "test.event", {})
