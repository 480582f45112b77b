"""Pins through the API: who may pin where, the pins of a conversation, and what nobody outside it may see."""

from __future__ import annotations

from staffroom.messaging import actions
from tests.api.conftest import ApiClient, error_of


def send(conversation, person, body="Trip forms by Friday"):
    return actions.send_message(conversation, acting=person, body=body)[0]


def test_a_member_of_a_group_pins_and_everyone_in_it_sees_the_pin(world):
    group = world.group(world.teacher2)
    message = send(group, world.teacher)
    response = ApiClient(world.teacher2).post(f"/messages/{message.pk}/pin")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["message_id"] == message.pk and body["conversation_id"] == group.pk
    assert body["pinned_by"]["id"] == world.teacher2.pk
    assert body["message"]["body"] == "Trip forms by Friday"
    listed = ApiClient(world.teacher).get(f"/conversations/{group.pk}/pins").json()
    assert [p["message_id"] for p in listed["items"]] == [message.pk]
    assert listed["next"] is None


def test_the_latest_pin_comes_first_and_unpinning_removes_it(world):
    group = world.group(world.teacher2)
    first, second = send(group, world.teacher, "one"), send(group, world.teacher, "two")
    client = ApiClient(world.teacher)
    client.post(f"/messages/{first.pk}/pin")
    client.post(f"/messages/{second.pk}/pin")
    assert [p["message_id"] for p in client.get(f"/conversations/{group.pk}/pins").json()["items"]] == [
        second.pk,
        first.pk,
    ]
    assert client.delete(f"/messages/{second.pk}/pin").status_code == 204
    assert [p["message_id"] for p in client.get(f"/conversations/{group.pk}/pins").json()["items"]] == [first.pk]


def test_a_deleted_message_drops_off_the_pins(world):
    group = world.group(world.teacher2)
    message = send(group, world.teacher)
    actions.pin_message(message, acting=world.teacher)
    actions.delete_message(message, acting=world.teacher)
    assert ApiClient(world.teacher2).get(f"/conversations/{group.pk}/pins").json()["items"] == []


def test_a_hidden_message_drops_off_the_pins(world):
    channel = world.class_channel()
    message = send(channel, world.pupil, "something harmful")
    actions.pin_message(message, acting=world.teacher)
    actions.hide_message(message, acting=world.dsl, reason="harmful")
    assert ApiClient(world.pupil2).get(f"/conversations/{channel.pk}/pins").json()["items"] == []


def test_in_a_channel_a_plain_member_is_refused_and_the_owner_pins(world):
    channel = world.channel(world.teacher2)
    message = send(channel, world.teacher2)
    refused = ApiClient(world.teacher2).post(f"/messages/{message.pk}/pin")
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "forbidden"
    assert ApiClient(world.teacher).post(f"/messages/{message.pk}/pin").status_code == 200


def test_pupils_are_refused_in_their_class_channel_but_see_the_pins(world):
    channel = world.class_channel()
    message = send(channel, world.teacher, "Homework: pages 4-5")
    pupil = ApiClient(world.pupil)
    assert pupil.post(f"/messages/{message.pk}/pin").status_code == 403
    assert ApiClient(world.teacher).post(f"/messages/{message.pk}/pin").status_code == 200
    assert pupil.delete(f"/messages/{message.pk}/pin").status_code == 403
    assert [p["message_id"] for p in pupil.get(f"/conversations/{channel.pk}/pins").json()["items"]] == [message.pk]


def test_people_outside_the_conversation_get_404_for_everything(world):
    group = world.group(world.teacher2)
    message = send(group, world.teacher)
    actions.pin_message(message, acting=world.teacher)
    for outsider in (world.office, world.head, world.pupil, world.outsider):
        client = ApiClient(outsider)
        for response in (
            client.post(f"/messages/{message.pk}/pin"),
            client.delete(f"/messages/{message.pk}/pin"),
            client.get(f"/conversations/{group.pk}/pins"),
        ):
            assert response.status_code == 404, outsider.name
            assert error_of(response)["code"] == "not_found"


def test_pinning_a_deleted_message_is_a_clear_422(world):
    group = world.group(world.teacher2)
    message = send(group, world.teacher)
    actions.delete_message(message, acting=world.teacher)
    response = ApiClient(world.teacher).post(f"/messages/{message.pk}/pin")
    assert response.status_code == 422
    assert error_of(response)["field"] == "message_id"
