"""`POST /conversations` with `audience: school_staff`: an announcement channel for all staff of a school, its
members worked out on the server; refused for anyone who may not announce to that school."""

from __future__ import annotations

from staffroom.messaging.models import Conversation
from tests.api.conftest import ApiClient, error_of


def create(person, **data):
    body = {"kind": "announcement", "title": "Staff notices", "audience": "school_staff", **data}
    return ApiClient(person).post("/conversations", body)


def test_a_headteacher_announces_to_all_staff_of_their_school(world):
    response = create(world.head, member_ids=[world.governor.pk])
    assert response.status_code == 201, response.content
    notices = Conversation.objects.get(pk=response.json()["id"])
    members = set(notices.memberships.values_list("person_id", flat=True))
    assert world.teacher.pk in members and world.office.pk in members
    assert not members & {world.pupil.pk, world.governor.pk, world.external.pk, world.other_teacher.pk}
    assert response.json()["member_count"] == len(members)


def test_governors_come_when_asked_for(world):
    response = create(world.head, include_governors=True)
    notices = Conversation.objects.get(pk=response.json()["id"])
    assert notices.memberships.filter(person=world.governor).exists()


def test_refused_for_those_who_may_not_announce_to_the_school(world):
    for person in (world.teacher, world.pupil, world.governor, world.external):
        assert create(person).status_code == 403, person.name
    assert create(world.head, school_id=world.other_school.pk).status_code == 403
    assert create(world.outsider, school_id=world.school.pk).status_code == 422


def test_only_an_announcement_channel_can_be_for_all_staff(world):
    response = create(world.head, kind="channel")
    assert response.status_code == 422
    assert error_of(response)["field"] == "audience"
