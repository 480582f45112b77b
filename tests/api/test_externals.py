"""The externals API: staff ask (`POST /externals`), the DPO or an IT admin decides (`/admin/externals`)."""

import pytest
from django.core import mail

from staffroom.accounts.models import ExternalAccessRequest, Person
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db


def asked(world, as_person, group, **changes):
    body = {
        "name": "Sal Therapist", "email": "sal@nhs.example", "organisation_name": "Local NHS Trust",
        "reason": "Weekly sessions", "conversation_ids": [group.pk], **changes,
    }  # fmt: skip
    return as_person(world.teacher).post("/externals", body)


def test_a_sponsor_asks_and_sees_their_request(world, as_person):
    group = world.group(world.teacher2)
    response = asked(world, as_person, group)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["conversation_ids"], body["sponsor"]["id"]) == (
        "pending",
        [group.pk],
        world.teacher.pk,
    )
    mine = as_person(world.teacher).get("/externals").json()["items"]
    assert [r["id"] for r in mine] == [body["id"]]
    assert as_person(world.teacher2).get("/externals").json()["items"] == []


def test_a_bad_request_names_the_field(world, as_person):
    group = world.group(world.teacher2)
    assert error_of(asked(world, as_person, group, access_ends_on="2026-13-01"))["field"] == "access_ends_on"
    assert error_of(asked(world, as_person, group, conversation_ids=[]))["field"] == "conversation_ids"
    assert not ExternalAccessRequest.objects.exists()


def test_the_dpo_approves_and_the_external_is_invited_by_email(world, as_person):
    group = world.group(world.teacher2)
    request_id = asked(world, as_person, group).json()["id"]
    pending = as_person(world.dpo).get("/admin/externals", {"status": "pending"}).json()["items"]
    assert [r["id"] for r in pending] == [request_id]
    response = as_person(world.dpo).post(f"/admin/externals/{request_id}/approve", {"reason": "Checked"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    external = Person.objects.get(pk=response.json()["person_id"])
    assert external.external and group.memberships.filter(person=external).exists()
    (invitation,) = mail.outbox
    assert invitation.to == ["sal@nhs.example"] and "/accounts/password/reset/key/" in invitation.body
    again = as_person(world.admin).post(f"/admin/externals/{request_id}/approve", {})
    assert again.status_code == 422 and error_of(again)["field"] == "status"


def test_refusing_needs_a_reason(world, as_person):
    request_id = asked(world, as_person, world.group(world.teacher2)).json()["id"]
    assert error_of(as_person(world.admin).post(f"/admin/externals/{request_id}/refuse", {}))["field"] == "reason"
    refused = as_person(world.admin).post(f"/admin/externals/{request_id}/refuse", {"reason": "Use the portal"})
    assert refused.json()["status"] == "rejected" and refused.json()["decision_reason"] == "Use the portal"


@pytest.mark.parametrize("who", ["teacher", "head", "pupil", "external"])
def test_only_the_dpo_and_it_admins_see_and_decide_requests(world, as_person, who):
    request_id = asked(world, as_person, world.group(world.teacher2)).json()["id"]
    client = as_person(getattr(world, who))
    assert client.get("/admin/externals").status_code == 403
    assert client.post(f"/admin/externals/{request_id}/approve", {}).status_code == 403
    assert as_person(world.outsider).post(f"/admin/externals/{request_id}/approve", {}).status_code == 404


def test_pupils_cannot_ask(world, as_person):
    group = world.class_channel(world.pupil)
    response = as_person(world.pupil).post(
        "/externals", {"name": "X", "email": "x@x.example", "organisation_name": "X", "reason": "X",
                       "conversation_ids": [group.pk]},
    )  # fmt: skip
    assert response.status_code == 403
