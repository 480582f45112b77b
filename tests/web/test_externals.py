"""Outsiders on the web: a sponsor's request form, and the decisions page of the DPO and IT admins."""

import pytest
from django.core import mail

from staffroom.accounts.models import ExternalAccessRequest, Person
from staffroom.messaging import actions
from tests.web.conftest import assert_no_inline_code

pytestmark = pytest.mark.django_db


def form(group, **changes):
    return {
        "name": "Sal Therapist", "email": "sal@nhs.example", "organisation_name": "Local NHS Trust",
        "reason": "Weekly sessions", "conversation_ids": [group.pk], "access_ends_on": "", **changes,
    }  # fmt: skip


def test_the_members_page_offers_the_invitation_to_whoever_runs_a_group(world, as_person):
    group = world.group(world.teacher2)
    page = as_person(world.teacher).get(f"/c/{group.pk}/members/").content.decode()
    assert f"/externals/new?conversation={group.pk}" in page
    page = as_person(world.teacher2).get(f"/c/{group.pk}/members/").content.decode()
    assert "/externals/new" not in page  # a plain member does not run it


def test_a_sponsor_sends_a_request_and_sees_it_listed(world, as_person):
    group = world.group(world.teacher2)
    client = as_person(world.teacher)
    page = client.get(f"/externals/new?conversation={group.pk}")
    assert page.status_code == 200 and group.title in page.content.decode()
    assert_no_inline_code(page.content.decode())
    response = client.post("/externals/new", form(group))
    assert response.status_code == 302
    listed = client.get(response["Location"]).content.decode()
    assert "Sal Therapist" in listed and "Pending" in listed


def test_a_bad_request_is_shown_beside_its_field(world, as_person):
    group = world.group(world.teacher2)
    response = as_person(world.teacher).post("/externals/new", form(group, email="nope"))
    assert response.status_code == 422
    assert 'id="id_email_error"' in response.content.decode()
    assert not ExternalAccessRequest.objects.exists()


@pytest.mark.parametrize("who", ["pupil", "external", "governor"])
def test_the_request_page_is_not_there_for_those_who_cannot_sponsor(world, as_person, who):
    assert as_person(getattr(world, who)).get("/externals/new").status_code == 404


def test_the_dpo_approves_on_the_web_and_the_outsider_is_invited(world, as_person):
    group = world.group(world.teacher2)
    request = actions.request_external(
        acting=world.teacher, name="Sal Therapist", email="sal@nhs.example", organisation_name="NHS",
        reason="Sessions", conversation_ids=[group.pk],
    )  # fmt: skip
    client = as_person(world.dpo)
    page = client.get("/admin/externals/").content.decode()
    assert "Sal Therapist" in page and group.title in page and "Tara Teacher" in page
    response = client.post(f"/admin/externals/{request.pk}/approve", {"reason": ""})
    assert response.status_code == 302
    external = Person.objects.get(email="sal@nhs.example")
    assert external.external and group.memberships.filter(person=external).exists()
    assert [m.to for m in mail.outbox] == [["sal@nhs.example"]]
    members = as_person(world.teacher).get(f"/c/{group.pk}/members/").content.decode()
    assert "External" in members


def test_refusing_without_a_reason_says_so_and_changes_nothing(world, as_person):
    group = world.group(world.teacher2)
    request = actions.request_external(
        acting=world.teacher, name="Sal", email="sal@nhs.example", organisation_name="NHS", reason="Sessions",
        conversation_ids=[group.pk],
    )  # fmt: skip
    client = as_person(world.admin)
    response = client.post(f"/admin/externals/{request.pk}/refuse", {"reason": ""}, follow=True)
    assert "Say why" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"


@pytest.mark.parametrize("who", ["teacher", "head", "dsl", "pupil"])
def test_the_decisions_page_is_not_there_for_others(world, as_person, who):
    client = as_person(getattr(world, who))
    assert client.get("/admin/externals/").status_code == 404
    assert client.post("/admin/externals/1/approve", {}).status_code == 404


def test_a_leaver_s_old_messages_say_former_member(world, as_person):
    from staffroom.accounts import actions as account_actions

    group = world.group(world.teacher2)
    actions.send_message(group, acting=world.teacher2, body="Handing over my classes")
    account_actions.deactivate_person(world.teacher2, acting=world.admin, reason="Left")
    page = as_person(world.teacher).get(f"/c/{group.pk}/").content.decode()
    assert "Former member" in page
