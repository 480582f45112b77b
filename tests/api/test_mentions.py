"""@mention autocomplete: `GET /conversations/{id}/members?q=` offers the conversation's active members whose name
starts with what was typed (any part of it, any case, any accents), and nobody outside it."""

from __future__ import annotations

from staffroom.accounts.models import Person, Role
from staffroom.messaging import actions
from staffroom.messaging.models import Message
from tests.api.conftest import ApiClient, error_of
from tests.factories import person


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def test_first_or_last_name_in_any_case_finds_the_member_with_their_handle(world):
    group = world.group(world.teacher2, world.ta, world.head)
    client = ApiClient(world.teacher)
    assert names(client.get(f"/conversations/{group.pk}/members", {"q": "tom"})) == ["Tom Teacher"]
    assert names(client.get(f"/conversations/{group.pk}/members", {"q": "TEACH"})) == ["Tom Teacher"]
    assert names(client.get(f"/conversations/{group.pk}/members", {"q": "assis"})) == ["Tia Assistant"]
    item = client.get(f"/conversations/{group.pk}/members", {"q": "hana"}).json()["items"][0]
    assert item["handle"] == world.head.handle


def test_accents_and_apostrophes_are_folded_both_ways(world):
    zoe = person(world.school, Role.TEACHER, name="Zoë O'Brien")
    group = world.group(zoe, world.teacher2)
    client = ApiClient(world.teacher)
    assert names(client.get(f"/conversations/{group.pk}/members", {"q": "zoe"})) == ["Zoë O'Brien"]
    assert names(client.get(f"/conversations/{group.pk}/members", {"q": "obri"})) == ["Zoë O'Brien"]
    assert names(client.get(f"/conversations/{group.pk}/members", {"q": "Zoë"})) == ["Zoë O'Brien"]


def test_only_active_members_other_than_me_are_offered(world):
    group = world.group(world.teacher2, world.ta)
    Person.objects.filter(pk=world.ta.pk).update(is_active=False)  # a leaver whose membership is kept
    client = ApiClient(world.teacher)
    assert names(client.get(f"/conversations/{group.pk}/members", {"q": "t"})) == ["Tom Teacher"]
    # Someone in the organisation but not in the conversation is never offered.
    assert names(client.get(f"/conversations/{group.pk}/members", {"q": "olu"})) == []


def test_an_empty_search_offers_the_first_few_members(world):
    group = world.group(world.teacher2, world.ta)
    assert names(ApiClient(world.teacher).get(f"/conversations/{group.pk}/members", {"q": ""})) == [
        "Tia Assistant",
        "Tom Teacher",
    ]


def test_a_pupil_is_offered_only_the_members_of_their_class_channel(world):
    channel = world.class_channel(world.ta)
    offered = names(ApiClient(world.pupil).get(f"/conversations/{channel.pk}/members", {"q": "t"}))
    assert offered == ["Tara Teacher", "Tia Assistant", "Pupil Two"]  # first names first
    assert names(ApiClient(world.pupil).get(f"/conversations/{channel.pk}/members", {"q": "olu"})) == []


def test_what_is_offered_is_what_the_send_path_turns_into_a_mention(world):
    group = world.group(world.teacher2)
    item = ApiClient(world.teacher).get(f"/conversations/{group.pk}/members", {"q": "tom"}).json()["items"][0]
    message, _ = actions.send_message(group, acting=world.teacher, body=f"Thanks @{item['handle']} ")
    assert list(Message.objects.get(pk=message.pk).mentions.values_list("pk", flat=True)) == [world.teacher2.pk]


def test_non_members_and_other_organisations_get_404(world):
    group = world.group(world.teacher2)
    for outsider in (world.office, world.pupil, world.outsider, world.head):
        response = ApiClient(outsider).get(f"/conversations/{group.pk}/members", {"q": "t"})
        assert response.status_code == 404, outsider.name
        assert error_of(response)["code"] == "not_found"


def test_a_long_search_is_refused(world):
    group = world.group(world.teacher2)
    response = ApiClient(world.teacher).get(f"/conversations/{group.pk}/members", {"q": "x" * 101})
    assert response.status_code == 422
