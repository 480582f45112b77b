"""Announcements: acknowledging, seeing who has, and reminding those who have not."""

from __future__ import annotations

import pytest

from staffroom.messaging import actions
from tests.api.conftest import ApiClient, error_of


@pytest.fixture
def notice(world):
    conversation = world.announcement(world.teacher, world.teacher2, world.ta)
    message, _ = actions.send_message(conversation, acting=world.head, body="Fire drill at 10:00")
    return message


def test_acknowledge_counts_once(world, notice):
    client = ApiClient(world.teacher)
    first = client.post(f"/messages/{notice.pk}/acknowledge")
    assert first.status_code == 200
    assert set(first.json()) == {"acknowledged_at", "acknowledgements"}
    assert first.json()["acknowledgements"] == 1
    again = client.post(f"/messages/{notice.pk}/acknowledge")
    assert again.json() == first.json()
    assert ApiClient(world.head).get(f"/messages/{notice.pk}").json()["acknowledgements"] == 1


def test_only_announcements_can_be_acknowledged(world):
    group = world.group(world.teacher2)
    message, _ = actions.send_message(group, acting=world.teacher, body="Hi")
    response = ApiClient(world.teacher2).post(f"/messages/{message.pk}/acknowledge")
    assert response.status_code == 422
    error_of(response)


def test_non_members_cannot_acknowledge(world, notice):
    assert ApiClient(world.office).post(f"/messages/{notice.pk}/acknowledge").status_code == 404


def test_sender_sees_who_has_and_has_not_acknowledged(world, notice):
    actions.acknowledge(notice, acting=world.teacher)
    response = ApiClient(world.head).get(f"/messages/{notice.pk}/acknowledgements")
    assert response.status_code == 200
    status = response.json()
    assert [a["person"]["id"] for a in status["acknowledged"]] == [world.teacher.pk]
    assert status["acknowledged"][0]["at"]
    assert {p["id"] for p in status["pending"]} == {world.teacher2.pk, world.ta.pk}
    assert all("email" not in p for p in status["pending"])


def test_members_cannot_see_the_status(world, notice):
    response = ApiClient(world.ta).get(f"/messages/{notice.pk}/acknowledgements")
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_remind_those_pending_once_a_minute(world, notice):
    actions.acknowledge(notice, acting=world.teacher)
    client = ApiClient(world.head)
    response = client.post(f"/messages/{notice.pk}/remind")
    assert response.status_code == 200
    assert response.json() == {"reminded": 2}
    again = client.post(f"/messages/{notice.pk}/remind")
    assert again.status_code == 429
    assert error_of(again)["code"] == "rate_limited"


def test_members_cannot_remind(world, notice):
    assert ApiClient(world.ta).post(f"/messages/{notice.pk}/remind").status_code == 403


def test_members_cannot_post_in_an_announcement_channel(world, notice):
    response = ApiClient(world.ta).post(f"/conversations/{notice.conversation_id}/messages", {"body": "Me too"})
    assert response.status_code == 403
