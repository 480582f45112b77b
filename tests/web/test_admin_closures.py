"""The console's school closures (/admin/closures/): the headteacher enters their school's term holidays and
INSET days, an IT admin any school's; everyone else gets 404."""

from __future__ import annotations

from datetime import date

import pytest

from staffroom.accounts import actions
from staffroom.accounts.models import SchoolClosure
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import AuditEntry
from tests.web.conftest import assert_no_inline_code

PAGE = "/admin/closures/"


def test_the_head_adds_an_inset_day_and_sees_it_listed(as_person, world):
    client = as_person(world.head)
    page = client.get(PAGE)
    assert page.status_code == 200 and "No closures entered yet." in page.content.decode()
    assert_no_inline_code(page.content.decode())
    response = client.post(
        PAGE, {"school": world.school.pk, "label": "INSET day", "starts_on": "2026-01-05", "ends_on": "2026-01-05"}
    )
    assert (response.status_code, response["Location"]) == (302, f"{PAGE}?school={world.school.pk}")
    html = client.get(response["Location"]).content.decode()
    assert "INSET day" in html and "Monday 5 January 2026" in html and 'href="/admin/closures/"' in html
    assert AuditEntry.objects.filter(action=AuditAction.SCHOOL_CLOSURE_ADDED, actor_id=world.head.pk).exists()


def test_the_head_removes_a_closure(as_person, world):
    closure = actions.add_school_closure(
        world.school.pk, acting=world.head, starts_on=date(2026, 2, 16), ends_on=date(2026, 2, 20), label="Half term"
    )
    assert as_person(world.head).post(f"{PAGE}{closure.pk}/remove").status_code == 302
    assert not SchoolClosure.objects.exists()


def test_an_it_admin_keeps_every_school_and_a_head_only_their_own(as_person, world):
    form = {"school": world.other_school.pk, "label": "Snow", "starts_on": "2026-01-07", "ends_on": "2026-01-07"}
    assert as_person(world.head).get(f"{PAGE}?school={world.other_school.pk}").status_code == 404
    assert as_person(world.head).post(PAGE, form).status_code == 404
    assert not SchoolClosure.objects.exists()
    assert as_person(world.admin).post(PAGE, form).status_code == 302
    closure = SchoolClosure.objects.get(school=world.other_school)
    assert as_person(world.head).post(f"{PAGE}{closure.pk}/remove").status_code == 404
    assert SchoolClosure.objects.exists()


@pytest.mark.parametrize("who", ["dpo", "dsl", "teacher", "office", "governor", "pupil", "external", "outsider"])
def test_everyone_else_gets_not_found(as_person, world, who):
    closure = actions.add_school_closure(
        world.school.pk, acting=world.head, starts_on=date(2026, 2, 16), ends_on=date(2026, 2, 20), label="Half term"
    )
    client = as_person(getattr(world, who))
    assert client.get(PAGE).status_code == 404
    form = {"school": world.school.pk, "label": "x", "starts_on": "2026-01-07", "ends_on": "2026-01-07"}
    assert client.post(PAGE, form).status_code == 404
    assert client.post(f"{PAGE}{closure.pk}/remove").status_code == 404
    assert SchoolClosure.objects.count() == 1


def test_bad_dates_are_shown_beside_the_field(as_person, world):
    client = as_person(world.head)
    response = client.post(
        PAGE, {"school": world.school.pk, "label": "INSET", "starts_on": "2026-01-06", "ends_on": "2026-01-05"}
    )
    assert response.status_code == 422 and "The last day must be on or after the first." in response.content.decode()
    assert client.post(PAGE, {"school": world.school.pk, "label": "", "starts_on": "x"}).status_code == 422
    assert not SchoolClosure.objects.exists()
