"""The API of supervised class channels: the DSL's audited look at a message's history, hiding, posting rules
and the school's pupil posting policy; pupils refused with a clear code."""

from datetime import UTC, datetime

import pytest

from staffroom.compliance.models import AuditEntry
from staffroom.messaging import actions, supervision
from tests import factories
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(world):
    return world.class_channel(world.pupil, world.pupil2)


def test_the_dsl_reads_a_deleted_message_through_the_api_only_with_a_reason(world, channel, as_person):
    message, _ = actions.send_message(channel, acting=world.pupil, body="first")
    actions.edit_message(message, acting=world.pupil, body="second")
    actions.delete_message(message, acting=world.pupil)
    dsl = as_person(world.dsl)
    listed = dsl.get(f"/conversations/{channel.pk}/messages").json()["items"][0]
    assert listed["deleted"] is True and listed["body"] == ""
    missing = dsl.post(f"/messages/{message.pk}/history", {})
    assert missing.status_code == 422 and error_of(missing)["field"] == "reason"
    response = dsl.post(f"/messages/{message.pk}/history", {"reason": "Concern raised by a parent"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["message"]["body"] == "second" and body["deleted_by"] == "Pupil One" and body["deleted_at"]
    assert [r["body"] for r in body["revisions"]] == ["first"]
    entry = AuditEntry.objects.filter(action="message.history_viewed").get()
    assert entry.reason == "Concern raised by a parent"


@pytest.mark.parametrize("who", ["teacher", "pupil", "pupil2", "head"])
def test_others_get_404_for_a_message_s_history(world, channel, as_person, who):
    message, _ = actions.send_message(channel, acting=world.pupil, body="gone")
    actions.delete_message(message, acting=world.pupil)
    response = as_person(getattr(world, who)).post(f"/messages/{message.pk}/history", {"reason": "curious"})
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_another_school_s_dsl_gets_404(world, channel, as_person):
    other = factories.person(world.other_school, factories.Role.DSL)
    factories.authenticator_app(other)  # a DSL must have a second sign-in step before using Staffroom
    message, _ = actions.send_message(channel, acting=world.pupil, body="gone")
    response = as_person(other).post(f"/messages/{message.pk}/history", {"reason": "curious"})
    assert response.status_code == 404


def test_the_dsl_hides_a_message_and_members_see_it_hidden(world, channel, as_person):
    message, _ = actions.send_message(channel, acting=world.pupil, body="harmful")
    assert as_person(world.dsl).post(f"/messages/{message.pk}/hide", {}).status_code == 422
    response = as_person(world.dsl).post(f"/messages/{message.pk}/hide", {"reason": "Harmful"})
    assert response.status_code == 200 and response.json()["hidden"] is True
    seen = as_person(world.pupil2).get(f"/messages/{message.pk}").json()
    assert seen["hidden"] is True and seen["body"] == ""
    assert as_person(world.teacher).post(f"/messages/{message.pk}/hide", {"reason": "x"}).status_code == 404


def test_pupils_outside_posting_hours_or_in_teacher_only_mode_get_a_clear_422(world, channel, as_person, monkeypatch):
    teacher = as_person(world.teacher)
    rules = {"pupil_hours_start": "08:00", "pupil_hours_end": "16:00", "staff_only": False}
    response = teacher.put(f"/conversations/{channel.pk}/posting-rules", rules)
    assert response.status_code == 200 and response.json() == rules
    monkeypatch.setattr(supervision, "now", lambda: datetime(2026, 3, 4, 18, 0, tzinfo=UTC))
    pupil = as_person(world.pupil)
    refused = pupil.post(f"/conversations/{channel.pk}/messages", {"body": "hello"})
    assert refused.status_code == 422 and error_of(refused)["code"] == "outside_posting_hours"
    teacher.put(f"/conversations/{channel.pk}/posting-rules", {"staff_only": True})
    refused = pupil.post(f"/conversations/{channel.pk}/messages", {"body": "hello"})
    assert refused.status_code == 422 and error_of(refused)["code"] == "staff_only"
    assert teacher.post(f"/conversations/{channel.pk}/messages", {"body": "Staff only today"}).status_code == 201
    assert pupil.put(f"/conversations/{channel.pk}/posting-rules", {"staff_only": False}).status_code == 403


def test_the_pupil_posting_policy_through_the_api(world, channel, as_person):
    dsl = as_person(world.dsl)
    url = f"/safeguarding/schools/{world.school.pk}/pupil-posting"
    assert dsl.get(url).json() == {"school_id": world.school.pk, "links_allowed": True, "files": "images"}
    assert dsl.put(url, {"links_allowed": False, "files": "none"}).status_code == 200
    refused = as_person(world.pupil).post(f"/conversations/{channel.pk}/messages", {"body": "www.example.com"})
    assert refused.status_code == 422 and error_of(refused)["code"] == "links_blocked"
    assert as_person(world.teacher).get(url).status_code == 404
    assert as_person(world.dsl).put(url, {"files": "videos"}).status_code == 422
