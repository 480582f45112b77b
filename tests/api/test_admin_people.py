"""The admin API for people (/api/v1/admin/people): IT admins across the trust, headteachers for their school.
Everyone else is refused, and nothing outside the caller's reach is ever shown or changed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from staffroom.accounts.models import Person
from staffroom.compliance.models import AuditEntry
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db


def test_an_it_admin_lists_everyone_with_sign_in_address_leave_date_and_last_seen(world, as_person):
    response = as_person(world.admin).get("/admin/people", {"limit": 200})
    assert response.status_code == 200
    people = {p["id"]: p for p in response.json()["items"]}
    assert {world.teacher.pk, world.pupil.pk, world.other_teacher.pk, world.external.pk} <= set(people)
    assert world.outsider.pk not in people
    teacher = people[world.teacher.pk]
    assert {"id", "name", "roles", "school", "external", "active", "email", "leaves_on", "last_seen"} <= set(teacher)
    assert teacher["email"] == world.teacher.email
    assert not {"phone", "phone_number", "mobile", "sms"} & set(teacher)


def test_a_headteacher_lists_only_their_school(world, as_person):
    ids = {p["id"] for p in as_person(world.head).get("/admin/people", {"limit": 200}).json()["items"]}
    assert world.teacher.pk in ids and world.pupil.pk in ids
    assert world.other_teacher.pk not in ids


@pytest.mark.parametrize("who", ["teacher", "dsl", "pupil", "external", "governor"])
def test_people_who_manage_nobody_are_refused(world, as_person, who):
    client = as_person(getattr(world, who))
    assert error_of(client.get("/admin/people"))["code"] == "forbidden"
    assert client.get(f"/admin/people/{world.teacher2.pk}").status_code == 403
    response = client.patch(f"/admin/people/{world.teacher2.pk}", {"roles": ["headteacher"]})
    assert response.status_code == 403
    assert client.post(f"/admin/people/{world.teacher2.pk}/end-sessions", {"reason": "x"}).status_code == 403


def test_filters_search_status_and_paging(world, as_person):
    client = as_person(world.admin)
    found = client.get("/admin/people", {"q": "tara"}).json()["items"]
    assert [p["id"] for p in found] == [world.teacher.pk]
    pupils = client.get("/admin/people", {"role": "pupil"}).json()["items"]
    assert {p["id"] for p in pupils} == {world.pupil.pk, world.pupil2.pk}
    first = client.get("/admin/people", {"limit": 3}).json()
    second = client.get("/admin/people", {"limit": 3, "after": first["next"]}).json()
    assert not {p["id"] for p in first["items"]} & {p["id"] for p in second["items"]}
    assert error_of(client.get("/admin/people", {"status": "sleeping"}))["field"] == "status"
    assert error_of(client.get("/admin/people", {"role": "wizard"}))["field"] == "role"


def test_adding_a_starter(world, as_person):
    response = as_person(world.head).post(
        "/admin/people",
        {"email": "starter@test.example", "name": "Sol Starter", "school_id": world.school.pk,
         "roles": ["teacher"], "leaves_on": None},
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["roles"], body["school_id"], body["active"]) == (
        "Sol Starter", ["teacher"], world.school.pk, True,
    )  # fmt: skip
    assert AuditEntry.objects.filter(action="person.added", target_id=str(body["id"])).exists()


def test_a_bad_starter_gets_a_422_naming_the_field_and_nothing_is_written(world, as_person):
    before = Person.objects.count()
    response = as_person(world.admin).post(
        "/admin/people", {"email": world.teacher.email.upper(), "name": "Copy", "school_id": world.school.pk,
                          "roles": ["teacher"]},
    )  # fmt: skip
    assert response.status_code == 422 and error_of(response)["field"] == "email"
    response = as_person(world.admin).post(
        "/admin/people", {"email": "a@b.example", "name": "A", "school_id": world.school.pk, "roles": ["teacher"],
                          "leaves_on": "2026-02-30"},
    )  # fmt: skip
    assert response.status_code == 422 and error_of(response)["field"] == "leaves_on"
    assert Person.objects.count() == before


def test_changing_a_person_and_making_them_a_leaver_in_one_request(world, as_person):
    leaves_on = (timezone.localdate() + timedelta(days=30)).isoformat()
    client = as_person(world.admin)
    changed = client.patch(f"/admin/people/{world.teacher.pk}", {"roles": ["teacher", "dsl"], "leaves_on": leaves_on})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["leaves_on"] == leaves_on and changed.json()["roles"] == ["dsl", "teacher"]
    cleared = client.patch(f"/admin/people/{world.teacher.pk}", {"leaves_on": None})
    assert cleared.json()["leaves_on"] is None
    gone = client.patch(f"/admin/people/{world.teacher.pk}", {"active": False, "reason": "Left in July"})
    assert gone.status_code == 200 and gone.json()["active"] is False and gone.json()["left_at"]


def test_a_patch_that_fails_part_way_changes_nothing(world, as_person):
    response = as_person(world.admin).patch(
        f"/admin/people/{world.teacher.pk}", {"name": "Renamed", "active": False, "hand_over_to": world.pupil.pk}
    )
    assert response.status_code == 422 and error_of(response)["field"] == "hand_over_to"
    world.teacher.refresh_from_db()
    assert world.teacher.name == "Tara Teacher" and world.teacher.is_active


def test_a_headteacher_cannot_reach_another_school_nor_make_anyone_an_it_admin(world, as_person):
    client = as_person(world.head)
    assert client.get(f"/admin/people/{world.other_teacher.pk}").status_code == 404
    assert client.patch(f"/admin/people/{world.other_teacher.pk}", {"name": "X"}).status_code == 404
    assert client.patch(f"/admin/people/{world.teacher.pk}", {"roles": ["it_admin"]}).status_code == 403
    assert as_person(world.admin).get(f"/admin/people/{world.outsider.pk}").status_code == 404


def test_ending_sessions_for_a_lost_phone(world, as_person):
    from staffroom.accounts import actions

    raw = actions.create_token(world.teacher, acting=world.teacher)
    response = as_person(world.head).post(f"/admin/people/{world.teacher.pk}/end-sessions", {"reason": "Lost phone"})
    assert response.status_code == 200 and response.json()["ended"] == 1
    from tests.api.conftest import ApiClient

    assert ApiClient(token=raw).get("/me").status_code == 401
    missing = as_person(world.head).post(f"/admin/people/{world.teacher.pk}/end-sessions", {})
    assert missing.status_code == 422


def test_a_refused_admin_request_is_audited_and_changes_nothing(world, as_person):
    """The issue: a teacher granting themselves a role, or another organisation's ids: 403/404, audited,
    nothing written."""
    before = list(world.teacher.role_codes)
    response = as_person(world.teacher).patch(f"/admin/people/{world.teacher.pk}", {"roles": ["headteacher"]})
    assert response.status_code == 403
    outsider = as_person(world.admin).get(f"/admin/people/{world.outsider.pk}")
    assert outsider.status_code == 404
    refused = list(AuditEntry.objects.filter(action="access.refused").order_by("id"))
    assert [(e.actor, e.data["status"], e.data["method"]) for e in refused] == [
        (world.teacher, 403, "PATCH"),
        (world.admin, 404, "GET"),
    ]
    world.teacher.refresh_from_db()
    world.teacher.__dict__.pop("_role_codes", None)
    world.teacher.__dict__.pop("_assignment_cache", None)
    assert list(world.teacher.role_codes) == before
    assert not AuditEntry.objects.filter(action="person.updated").exists()
