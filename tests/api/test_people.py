"""/me and the directory: name, role and school, never contact details."""

from __future__ import annotations

from staffroom.accounts.models import Role
from staffroom.messaging import actions
from tests import factories
from tests.api.conftest import ApiClient, error_of

PERSON_KEYS = {"id", "name", "handle", "roles", "school", "school_id", "external", "active"}


def all_pages(client: ApiClient, params: dict) -> list[dict]:
    items, after = [], None
    while True:
        response = client.get("/users", {**params, **({"after": after} if after else {})})
        assert response.status_code == 200, response.content
        page = response.json()
        items += page["items"]
        after = page["next"]
        if after is None:
            return items


def test_me_shows_own_profile_with_sign_in_address(world):
    response = ApiClient(world.teacher).get("/me")
    assert response.status_code == 200
    me = response.json()
    assert set(me) == PERSON_KEYS | {"email", "organisation", "access_ends_on"}
    assert me["id"] == world.teacher.pk
    assert me["name"] == "Tara Teacher"
    assert me["roles"] == ["teacher"]
    assert me["school"] == "High School"
    assert me["email"] == world.teacher.email
    assert me["organisation"] == world.org.name
    assert me["external"] is False and me["active"] is True


def test_directory_never_shows_email_or_phone(world):
    items = all_pages(ApiClient(world.teacher), {})
    assert items
    for person in items:
        assert set(person) == PERSON_KEYS
        assert "email" not in person and "phone" not in person
        assert "@" not in str(person.values())


def test_staff_directory_excludes_pupils_and_other_organisations(world):
    ids = {p["id"] for p in all_pages(ApiClient(world.teacher), {})}
    assert world.teacher2.pk in ids and world.head.pk in ids and world.other_teacher.pk in ids
    assert world.pupil.pk not in ids and world.pupil2.pk not in ids
    assert world.outsider.pk not in ids


def test_directory_search_and_school_filter(world):
    client = ApiClient(world.teacher)
    found = all_pages(client, {"q": "tom"})
    assert [p["id"] for p in found] == [world.teacher2.pk]
    primary = all_pages(client, {"school_id": world.other_school.pk})
    assert [p["id"] for p in primary] == [world.other_teacher.pk]


def test_pupil_sees_only_people_they_share_a_conversation_with(world):
    world.class_channel()
    ids = {p["id"] for p in all_pages(ApiClient(world.pupil), {})}
    assert world.teacher.pk in ids
    assert world.head.pk not in ids


def test_directory_pages_walk_everyone_once_in_name_order(world):
    for n in range(7):
        factories.person(world.school, Role.TEACHER, name="Same Name" if n % 2 else f"Name {n}")
    client = ApiClient(world.teacher)
    whole = client.get("/users", {"limit": 200}).json()
    assert whole["next"] is None
    paged = all_pages(client, {"limit": 2})
    assert [p["id"] for p in paged] == [p["id"] for p in whole["items"]]
    names = [(p["name"], p["id"]) for p in paged]
    assert names == sorted(names)


def test_directory_limit_is_bounded(world):
    client = ApiClient(world.teacher)
    assert client.get("/users", {"limit": 0}).status_code == 422
    assert client.get("/users", {"limit": 201}).status_code == 422


def test_stale_cursor_is_422(world):
    response = ApiClient(world.teacher).get("/users", {"after": world.outsider.pk})
    assert response.status_code == 422
    assert error_of(response)["field"] == "after"


def test_one_person(world):
    client = ApiClient(world.teacher)
    response = client.get(f"/users/{world.teacher2.pk}")
    assert response.status_code == 200
    assert set(response.json()) == PERSON_KEYS
    assert client.get(f"/users/{world.teacher.pk}").json()["id"] == world.teacher.pk


def test_people_outside_the_directory_are_404(world):
    client = ApiClient(world.teacher)
    for person in [world.outsider, world.pupil]:
        response = client.get(f"/users/{person.pk}")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


def test_pupil_cannot_look_up_staff_they_do_not_share_a_conversation_with(world):
    actions.create_conversation(acting=world.teacher, kind="group", title="Staff only", member_ids=[world.head.pk])
    assert ApiClient(world.pupil).get(f"/users/{world.head.pk}").status_code == 404
