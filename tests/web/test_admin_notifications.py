"""The console's notification defaults (/admin/notifications/): IT admins set the organisation's and every
school's working hours and whether notifications name the conversation; a headteacher sets their own school's
hours; everyone else gets 404; every change takes a reason and is audited."""

from __future__ import annotations

import pytest

from staffroom.accounts import working_hours
from staffroom.accounts.models import NotificationPolicy
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import AuditEntry
from tests.web.conftest import assert_no_inline_code

PAGE = "/admin/notifications/"


def form(**changes) -> dict:
    data = {"hours": "own", "start": "08:00", "end": "16:30", "days": ["0", "1", "2", "3"], "reason": "New timetable"}
    return {k: v for k, v in (data | changes).items() if v is not None}


def test_an_it_admin_sees_the_organisation_defaults_and_the_right_to_disconnect(as_person, world):
    page = as_person(world.admin).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "The right to disconnect" in html and "07:30 to 18:00, Monday to Friday" in html
    assert 'name="show_titles"' in html and world.school.name in html and world.other_school.name in html
    assert 'href="/admin/notifications/"' in html  # in the console's navigation
    assert_no_inline_code(html)


def test_the_it_admin_sets_the_organisation_hours_and_titles_with_a_reason(as_person, world):
    response = as_person(world.admin).post(PAGE, form(school="", show_titles="on"))
    assert response.status_code == 302
    policy = NotificationPolicy.objects.get(organisation=world.org, school=None)
    assert policy.show_titles and policy.work_days == [0, 1, 2, 3]
    entry = AuditEntry.objects.get(action=AuditAction.NOTIFICATION_POLICY_CHANGED)
    assert entry.reason == "New timetable" and entry.actor_id == world.admin.pk
    assert working_hours.hours_of(world.teacher)[0].as_dict() == {
        "start": "08:00",
        "end": "16:30",
        "days": [0, 1, 2, 3],
    }


def test_a_headteacher_sets_their_own_schools_hours_but_not_titles(as_person, world):
    client = as_person(world.head)
    page = client.get(PAGE)
    assert page.status_code == 200 and 'name="show_titles"' not in page.content.decode()
    assert client.post(PAGE, form(school=str(world.school.pk), show_titles="on")).status_code == 302
    policy = NotificationPolicy.objects.get(school=world.school)
    assert not policy.show_titles and str(policy.work_starts) == "08:00:00"
    assert not NotificationPolicy.objects.filter(school=None).exists()
    # and back to following the organisation's default
    assert client.post(PAGE, form(school=str(world.school.pk), hours="follow")).status_code == 302
    assert working_hours.school_hours(world.org.pk, world.school.pk) == working_hours.DEFAULT


def test_a_headteacher_cannot_reach_the_organisation_or_another_school(as_person, world):
    client = as_person(world.head)
    assert client.get(PAGE + "?school=").status_code == 404
    assert client.get(PAGE + f"?school={world.other_school.pk}").status_code == 404
    assert client.post(PAGE, form(school="")).status_code == 404
    assert client.post(PAGE, form(school=str(world.other_school.pk))).status_code == 404
    assert not NotificationPolicy.objects.exists()


@pytest.mark.parametrize("who", ["dpo", "dsl", "teacher", "office", "governor", "pupil", "external", "outsider"])
def test_everyone_else_gets_not_found(as_person, world, who):
    client = as_person(getattr(world, who))
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, form(school=str(world.school.pk))).status_code == 404
    assert not NotificationPolicy.objects.exists()


def test_a_change_needs_a_reason_and_sensible_hours(as_person, world):
    client = as_person(world.admin)
    assert client.post(PAGE, form(school="", reason="")).status_code == 422
    assert client.post(PAGE, form(school="", start="")).status_code == 422
    response = client.post(PAGE, form(school="", end="08:00"))
    assert response.status_code == 422 and "different time" in response.content.decode()
    assert (
        not NotificationPolicy.objects.exists()
        and not AuditEntry.objects.filter(action=AuditAction.NOTIFICATION_POLICY_CHANGED).exists()
    )


def test_the_api_reads_the_defaults_for_those_who_may_set_them(world, as_person):
    from django.test import Client

    api = Client()
    api.force_login(world.head)
    answer = api.get(f"/api/v1/admin/notifications?school_id={world.school.pk}")
    assert answer.status_code == 200
    assert answer.json() == {
        "school_id": world.school.pk, "show_titles": False, "quiet_hours": None,
        "in_force": {"start": "07:30", "end": "18:00", "days": [0, 1, 2, 3, 4]}, "inherited": True,
    }  # fmt: skip
    assert api.get("/api/v1/admin/notifications").status_code == 404
    api.force_login(world.teacher)
    assert api.get(f"/api/v1/admin/notifications?school_id={world.school.pk}").status_code == 404
