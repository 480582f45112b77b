"""A high-severity concern reaches its school's safeguarding leads at once: a live event with ids only and a push
that says nothing of what was written. Medium and low concerns wait in the queue."""

from unittest import mock

import pytest

from staffroom.accounts.models import PushSubscription, Role
from staffroom.compliance.audit import AuditAction
from staffroom.errors import NotFound
from staffroom.safeguarding import actions, alerts
from staffroom.safeguarding.signals import concern_raised
from tests import factories
from tests.safeguarding.concern_factory import concern
from tests.verify import verify_action, verify_refused, verify_unchanged

pytestmark = pytest.mark.django_db


def test_a_high_concern_tells_the_school_s_leads_and_nobody_else(world):
    deputy = factories.person(world.school, Role.DEPUTY_DSL, name="Dee Deputy")
    other_dsl = factories.person(world.other_school, Role.DSL, name="Olive Other DSL")
    item = concern(world, severity="high")
    with verify_action(audit=[AuditAction.CONCERN_ALERTED], events=["concern.raised"]) as captured:
        told = actions.alert_leads(item.pk)
    assert sorted(told) == sorted([world.dsl.pk, deputy.pk])
    event = captured.event("concern.raised")
    assert event.people == frozenset({world.dsl.pk, deputy.pk})
    assert event.conversation_id is None  # not the conversation's members: the pupils are in it
    assert captured.frame("concern.raised") == {
        "type": "concern.raised", "seq": event.position, "concern_id": item.pk, "category": "self_harm",
        "severity": "high", "conversation_id": item.conversation_id,
    }  # fmt: skip
    assert captured.audit[0].data == {"concern_id": item.pk, "people": 2}
    for someone in (world.teacher, world.pupil, world.pupil2, world.head, world.dpo, other_dsl):
        assert factories.stream_of(someone, "concern.raised") == []
    assert [e.frame()["concern_id"] for e in factories.stream_of(world.dsl, "concern.raised")] == [item.pk]


@pytest.mark.parametrize("severity", ["medium", "low"])
def test_lower_severities_wait_in_the_queue(world, severity):
    item = concern(world, severity=severity)
    with verify_unchanged():
        assert actions.alert_leads(item.pk) == []


def test_an_unknown_concern_is_refused(world):
    with verify_refused(NotFound):
        actions.alert_leads(10**9)


def test_the_signal_alerts_and_pushes_without_content(world, settings):
    settings.STAFFROOM_PUSH_DELIVERY = "inline"
    PushSubscription.objects.create(person=world.dsl, endpoint="https://push.example/dsl", p256dh="k", auth="a")
    PushSubscription.objects.create(person=world.teacher, endpoint="https://push.example/t", p256dh="k", auth="a")
    item = concern(world, severity="high")
    with mock.patch("staffroom.notifications.sender.post", return_value=201) as post:
        concern_raised.send(sender=None, concern=item)
    (push,) = [call.args[0] for call in post.call_args_list]
    assert push.info["endpoint"] == "https://push.example/dsl" and push.urgent
    assert push.payload == {
        "title": "Staffroom", "body": "A safeguarding concern needs you", "url": f"/safeguarding/{item.pk}/",
        "tag": f"concern{item.pk}",
    }  # fmt: skip
    assert [e.frame()["concern_id"] for e in factories.stream_of(world.dsl, "concern.raised")] == [item.pk]


def test_a_medium_concern_pushes_nothing(world, settings):
    settings.STAFFROOM_PUSH_DELIVERY = "inline"
    PushSubscription.objects.create(person=world.dsl, endpoint="https://push.example/dsl", p256dh="k", auth="a")
    item = concern(world)
    with mock.patch("staffroom.notifications.sender.post", return_value=201) as post:
        concern_raised.send(sender=None, concern=item)
    assert post.call_count == 0
    assert factories.stream_of(world.dsl, "concern.raised") == []
    assert alerts.push_payload(1)["body"] == "A safeguarding concern needs you"
