"""Supervised class channels on the web: the DSL's "Show deleted text / earlier versions" (a reason first),
hiding, unread counts on overseen channels, the composer saying why a pupil cannot post, and posting rules."""

from datetime import UTC, datetime

import pytest

from staffroom.compliance.models import AuditEntry
from staffroom.messaging import actions, supervision
from tests.web.conftest import assert_no_inline_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(world):
    return world.class_channel(world.pupil, world.pupil2)


def test_the_dsl_sees_deleted_text_only_after_giving_a_reason(world, channel, as_person):
    message, _ = actions.send_message(channel, acting=world.pupil, body="what I said")
    actions.delete_message(message, acting=world.pupil)
    client = as_person(world.dsl)
    page = client.get(f"/c/{channel.pk}/").content.decode()
    assert "This message was deleted" in page and "Show deleted text / earlier versions" in page
    assert "what I said" not in page
    url = f"/c/{channel.pk}/m/{message.pk}/history"
    form = client.get(url).content.decode()
    assert "what I said" not in form and 'name="reason"' in form
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 422 and "what I said" not in refused.content.decode()
    shown = client.post(url, {"reason": "Following up a disclosure"}).content.decode()
    assert "what I said" in shown and "Deleted by Pupil One" in shown
    assert_no_inline_code(shown)
    assert_no_inline_code(form)
    assert AuditEntry.objects.filter(action="message.history_viewed", reason="Following up a disclosure").exists()


@pytest.mark.parametrize("who", ["teacher", "pupil2"])
def test_others_see_only_that_it_was_deleted(world, channel, as_person, who):
    message, _ = actions.send_message(channel, acting=world.pupil, body="what I said")
    actions.delete_message(message, acting=world.pupil)
    client = as_person(getattr(world, who))
    page = client.get(f"/c/{channel.pk}/").content.decode()
    assert "This message was deleted" in page and "Show deleted text" not in page and "what I said" not in page
    assert client.get(f"/c/{channel.pk}/m/{message.pk}/history").status_code == 404


def test_the_dsl_hides_a_message_and_the_channel_shows_it_hidden(world, channel, as_person):
    message, _ = actions.send_message(channel, acting=world.pupil, body="nasty words")
    client = as_person(world.dsl)
    assert "Hide (safeguarding)" in client.get(f"/c/{channel.pk}/").content.decode()
    assert client.post(f"/c/{channel.pk}/m/{message.pk}/hide", {"reason": "Unkind"}).status_code == 302
    page = as_person(world.pupil2).get(f"/c/{channel.pk}/").content.decode()
    assert "Hidden by the safeguarding lead" in page and "nasty words" not in page


def test_overseen_channels_show_unread_counts_in_the_sidebar(world, channel, as_person):
    actions.send_message(channel, acting=world.pupil, body="one")
    actions.send_message(channel, acting=world.pupil2, body="two")
    page = as_person(world.dsl).get("/").content.decode()
    assert "Class channels you oversee" in page and f'data-testid="unread-{channel.pk}"' in page
    actions.mark_read(channel, acting=world.dsl)
    assert f'data-testid="unread-{channel.pk}"' not in as_person(world.dsl).get("/").content.decode()


def test_the_composer_tells_a_pupil_why_they_cannot_post(world, channel, as_person, monkeypatch):
    actions.set_posting_rules(channel, acting=world.teacher, pupil_hours_start=None, pupil_hours_end=None,
                              staff_only=True)  # fmt: skip
    page = as_person(world.pupil).get(f"/c/{channel.pk}/").content.decode()
    assert (
        "Only staff can post in this class channel" in page
        and 'id="composer-body" name="body" rows="2" disabled' in page
    )


def test_teachers_set_posting_rules_on_a_page_and_pupils_cannot_leave(world, channel, as_person):
    teacher = as_person(world.teacher)
    assert "Posting hours and teacher-only mode" in teacher.get(f"/c/{channel.pk}/members/").content.decode()
    response = teacher.post(
        f"/c/{channel.pk}/posting-rules", {"pupil_hours_start": "08:00", "pupil_hours_end": "16:00"}
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.pupil_hours_start.hour == 8 and channel.pupil_hours_end.hour == 16 and not channel.staff_only
    bad = teacher.post(f"/c/{channel.pk}/posting-rules", {"pupil_hours_start": "16:00", "pupil_hours_end": "08:00"})
    assert bad.status_code == 422
    pupil = as_person(world.pupil)
    members = pupil.get(f"/c/{channel.pk}/members/").content.decode()
    assert "Pupils stay in their class channel" in members and "leave-heading" not in members
    assert pupil.get(f"/c/{channel.pk}/posting-rules").status_code == 404


def test_outside_hours_the_composer_says_when_pupils_can_post(world, channel, as_person, monkeypatch):
    from datetime import time

    actions.set_posting_rules(channel, acting=world.teacher, pupil_hours_start=time(8), pupil_hours_end=time(16),
                              staff_only=False)  # fmt: skip
    monkeypatch.setattr(supervision, "now", lambda: datetime(2026, 3, 7, 10, 0, tzinfo=UTC))
    page = as_person(world.pupil).get(f"/c/{channel.pk}/").content.decode()
    assert "Pupils can post here 08:00 to 16:00, Monday to Friday" in page
