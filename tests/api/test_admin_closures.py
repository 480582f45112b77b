"""School closures in the API (/api/v1/admin/schools/{id}/closures, /api/v1/admin/closures/{id}): the same rules
as the console page; 404 for anyone who does not keep the school's calendar."""

from __future__ import annotations

import pytest

from staffroom.accounts.models import SchoolClosure

INSET = {"label": "INSET day", "starts_on": "2026-01-05", "ends_on": "2026-01-05"}


def test_the_head_adds_lists_and_removes_a_closure(world, as_person):
    api = as_person(world.head)
    made = api.post(f"/admin/schools/{world.school.pk}/closures", INSET)
    assert made.status_code == 201
    closure = made.json()
    assert closure == {"id": closure["id"], "school_id": world.school.pk, **INSET}
    assert api.get(f"/admin/schools/{world.school.pk}/closures").json() == {"items": [closure], "next": None}
    assert api.delete(f"/admin/closures/{closure['id']}").status_code == 204
    assert not SchoolClosure.objects.exists()


def test_bad_dates_are_422_on_their_field(world, as_person):
    api = as_person(world.admin)
    url = f"/admin/schools/{world.other_school.pk}/closures"
    answer = api.post(url, {**INSET, "ends_on": "2026-02-30"})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "ends_on"
    answer = api.post(url, {**INSET, "starts_on": "2026-01-06"})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "ends_on"
    assert not SchoolClosure.objects.exists()


@pytest.mark.parametrize("who", ["teacher", "dsl", "dpo", "pupil", "other_teacher", "outsider"])
def test_others_get_not_found(world, as_person, who):
    kept = as_person(world.head).post(f"/admin/schools/{world.school.pk}/closures", INSET).json()
    api = as_person(getattr(world, who))
    assert api.get(f"/admin/schools/{world.school.pk}/closures").status_code == 404
    assert api.post(f"/admin/schools/{world.school.pk}/closures", INSET).status_code == 404
    assert api.delete(f"/admin/closures/{kept['id']}").status_code == 404
    assert SchoolClosure.objects.count() == 1


def test_a_head_cannot_touch_another_schools_calendar(world, as_person):
    kept = as_person(world.admin).post(f"/admin/schools/{world.other_school.pk}/closures", INSET).json()
    api = as_person(world.head)
    assert api.get(f"/admin/schools/{world.other_school.pk}/closures").status_code == 404
    assert api.delete(f"/admin/closures/{kept['id']}").status_code == 404
    assert SchoolClosure.objects.count() == 1
