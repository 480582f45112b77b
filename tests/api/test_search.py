"""Search finds only messages the caller can see."""

from __future__ import annotations

from staffroom.messaging import actions
from tests.api.conftest import ApiClient, error_of


def found_ids(client: ApiClient, **params) -> list[int]:
    response = client.get("/search", params)
    assert response.status_code == 200, response.content
    assert response.json()["next"] is None
    return [m["id"] for m in response.json()["items"]]


def test_search_finds_only_visible_undeleted_messages(world):
    mine = world.group(world.teacher2)
    theirs = world.group(world.head, by=world.ta)
    visible, _ = actions.send_message(mine, acting=world.teacher2, body="The minibus is booked for Friday")
    actions.send_message(theirs, acting=world.ta, body="The minibus has a flat tyre")
    deleted, _ = actions.send_message(mine, acting=world.teacher, body="minibus keys are in the office")
    actions.delete_message(deleted, acting=world.teacher)
    client = ApiClient(world.teacher)
    assert found_ids(client, q="minibus") == [visible.pk]
    assert found_ids(ApiClient(world.outsider), q="minibus") == []


def test_search_matches_the_start_of_a_word(world):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher2, body="The minibus is booked")
    assert found_ids(ApiClient(world.teacher), q="mini") == [message.pk]


def test_search_within_one_conversation(world):
    first = world.group(world.teacher2, title="First")
    second = world.group(world.teacher2, title="Second")
    a, _ = actions.send_message(first, acting=world.teacher, body="report cards")
    b, _ = actions.send_message(second, acting=world.teacher, body="report deadline")
    client = ApiClient(world.teacher2)
    assert found_ids(client, q="report") == [b.pk, a.pk]  # newest first
    assert found_ids(client, q="report", conversation_id=first.pk) == [a.pk]


def test_search_syntax_is_harmless(world):
    conversation = world.group(world.teacher2)
    actions.send_message(conversation, acting=world.teacher, body="plain words")
    client = ApiClient(world.teacher)
    for q in ['"', "AND OR NOT", "*", "plain)(", "NEAR(a b)", "col:umn"]:
        response = client.get("/search", {"q": q})
        assert response.status_code in (200, 422), q


def test_empty_or_overlong_query_is_422(world):
    client = ApiClient(world.teacher)
    for q in ["", "   ", "x" * 201]:
        response = client.get("/search", {"q": q})
        assert response.status_code == 422
        assert error_of(response)["field"] == "q"


def test_searching_a_conversation_one_cannot_see_is_404(world):
    group = world.group(world.teacher2, title="Ours")
    actions.send_message(group, acting=world.teacher, body="report cards")
    for outsider in (world.office, world.pupil, world.outsider):
        response = ApiClient(outsider).get("/search", {"q": "report", "conversation_id": group.pk})
        assert response.status_code == 404, outsider.name
        assert error_of(response)["code"] == "not_found"


def test_a_pupil_searches_their_class_channel_only_as_a_member(world):
    channel = world.class_channel()
    message, _ = actions.send_message(channel, acting=world.teacher, body="Homework: photosynthesis")
    assert found_ids(ApiClient(world.pupil), q="photo", conversation_id=channel.pk) == [message.pk]
