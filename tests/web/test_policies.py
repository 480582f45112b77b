"""Policies on the web: a signed-in person who owes an acceptance is sent to /policies/ from every page (but signing
out, their profile and lost-device report, the policy pages, static files and the API) until they accept; the DPO
publishes and reads the evidence at /compliance/policies/, a headteacher reads their school's."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from staffroom.compliance import actions
from staffroom.compliance.models import AuditEntry, PolicyAcknowledgement, PolicyVersion
from tests import factories
from tests.api.conftest import ApiClient
from tests.web.conftest import HTMX, assert_no_inline_code

pytestmark = pytest.mark.django_db


def publish(world, kind="data_protection", label="2026", **extra):
    extra.setdefault("text", "Keep pupils' data safe.")
    return actions.publish_policy(kind, acting=world.dpo, label=label, **extra)


def signed_in(person):
    client = Client()
    client.force_login(person)
    return client


def test_someone_who_owes_is_sent_to_the_policies_page_until_they_accept(world):
    version = publish(world, text="Read **this**.")
    client = signed_in(world.teacher)
    response = client.get("/search?q=trip")
    assert response.status_code == 302 and response["Location"] == "/policies/?next=%2Fsearch%3Fq%3Dtrip"
    assert client.get("/", **HTMX)["HX-Redirect"] == "/policies/"
    page = client.get("/policies/?next=/search%3Fq%3Dtrip")
    html = page.content.decode()
    assert page.status_code == 200 and "Keep pupils" not in html and "Read **this**." in html
    assert "I have read and accept the data protection policy" in html
    assert_no_inline_code(html)
    accepted = client.post(f"/policies/{version.pk}/acknowledge", {"next": "/search?q=trip"})
    assert accepted.status_code == 302 and accepted["Location"] == "/search?q=trip"
    assert client.get("/").status_code == 200
    assert "Policies you have accepted" in client.get("/policies/").content.decode()


def test_what_stays_open_while_a_policy_is_owed(world):
    publish(world)
    client = signed_in(world.teacher)
    for path in ["/policies/", "/profile", "/api/v1/me", "/static/staffroom/app.css"]:
        assert client.get(path).status_code in (200, 304), path
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session
    client = signed_in(world.teacher)
    report = client.post("/profile/lost-device", {"note": "Bus"})
    assert report["Location"].startswith("/accounts/login/")


def test_the_next_address_never_leaves_the_site(world):
    version = publish(world)
    client = signed_in(world.teacher)
    for elsewhere in ["https://elsewhere.example/x", "//elsewhere.example/x", "/\\elsewhere.example/x"]:
        accepted = client.post(f"/policies/{version.pk}/acknowledge", {"next": elsewhere})
        assert accepted["Location"] == "/", elsewhere


def test_a_new_version_and_a_year_both_ask_again(world):
    version = publish(world)
    client = signed_in(world.teacher)
    client.post(f"/policies/{version.pk}/acknowledge")
    assert client.get("/").status_code == 200
    PolicyAcknowledgement.objects.filter(person=world.teacher).update(
        acknowledged_at=timezone.now() - timedelta(days=366)
    )
    assert client.get("/")["Location"] == "/policies/"
    client.post(f"/policies/{version.pk}/acknowledge")
    assert client.get("/").status_code == 200
    newer = publish(world, label="2027", summary="A section on photos")
    assert client.get("/")["Location"] == "/policies/"
    html = client.get("/policies/").content.decode()
    assert "A section on photos" in html and f"/policies/{newer.pk}/acknowledge" in html
    stale = client.post(f"/policies/{version.pk}/acknowledge", follow=True)
    assert "A newer version of this policy has been published" in stale.content.decode()


def test_pupils_are_not_stopped_unless_the_policy_includes_them(world):
    publish(world)
    publish(world, "social_media", text="No posting about pupils.")
    client = signed_in(world.pupil)
    assert client.get("/").status_code == 200
    publish(world, "acceptable_use", text="Be kind.", includes_pupils=True)
    assert client.get("/")["Location"] == "/policies/"
    html = client.get("/policies/").content.decode()
    assert "Acceptable use policy" in html and "Social media policy" not in html


def test_accepting_through_the_page_and_the_api_is_the_same_action(world):
    version = publish(world)
    signed_in(world.teacher).post(f"/policies/{version.pk}/acknowledge")
    ApiClient(world.teacher2).post(f"/me/policies/{version.pk}/acknowledge")
    entries = AuditEntry.objects.filter(action="policy.acknowledged").order_by("pk")
    data = {"policy_id": version.policy_id, "version_id": version.pk, "kind": "data_protection"}
    assert [(e.actor_id, e.channel, e.data) for e in entries] == [(world.teacher.pk, "web", data),
                                                                  (world.teacher2.pk, "api", data)]  # fmt: skip
    # Refused the same way: a pupil is not asked by this policy, so it is not there for them.
    assert signed_in(world.pupil).post(f"/policies/{version.pk}/acknowledge").status_code == 404
    assert ApiClient(world.pupil).post(f"/me/policies/{version.pk}/acknowledge").status_code == 404


def test_publishing_through_the_page_and_the_api_is_the_same_action(world):
    client = signed_in(world.dpo)
    form = {"kind": "data_protection", "label": "2026", "text": "Text", "text_format": "plain", "summary": ""}
    assert client.post("/compliance/policies/publish", form).status_code == 302
    again = client.post("/compliance/policies/publish", {**form, "label": "2027"})
    api_again = ApiClient(world.dpo).post("/compliance/policies", {**form, "label": "2027"})
    assert again.status_code == 422 and api_again.status_code == 422
    message = api_again.json()["error"]["message"]
    assert message.replace("'", "&#x27;") in again.content.decode()
    pupils = client.post("/compliance/policies/publish", {**form, "label": "2027", "summary": "x",
                                                          "includes_pupils": "on"})  # fmt: skip
    assert pupils.status_code == 422 and "Only the acceptable use policy can ask pupils too." in pupils.content.decode()
    assert PolicyVersion.objects.count() == 1
    assert AuditEntry.objects.filter(action="policy.published", channel="web").count() == 1


@pytest.fixture
def evidence_world(world):
    current = publish(world)
    actions.acknowledge_policy(current.pk, acting=world.teacher)
    actions.acknowledge_policy(current.pk, acting=world.dpo)
    actions.acknowledge_policy(current.pk, acting=world.head)
    actions.acknowledge_policy(current.pk, acting=world.other_teacher)
    world.governor.name = '=HYPERLINK("http://x")'
    world.governor.save(update_fields=["name"])
    world.current = current
    return world


def test_the_dpo_reads_the_evidence_and_downloads_it(evidence_world):
    w = evidence_world
    client = signed_in(w.dpo)
    page = client.get("/compliance/policies/")
    html = page.content.decode()
    assert page.status_code == 200 and "4 of 11" in html and "Publish a version" in html
    assert "Data protection policy: people who have not accepted the current version" in html
    assert "Olu Office" in html and "Pat Primary" not in html.split("people who have not")[1]
    assert 'aria-current="page"' in html and ">Policies</a>" in html
    assert_no_inline_code(html)
    download = client.get(f"/compliance/policies/{w.current.policy_id}/evidence.csv")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    by_name = {row["name"]: row for row in rows}
    assert by_name["Tara Teacher"]["standing"] == "Acknowledged" and by_name["Olu Office"]["standing"] == "Not yet"
    assert by_name["Pat Primary"]["school"] == "Primary School"
    assert '\'=HYPERLINK("http://x")' in by_name  # a formula is shown as text in a spreadsheet
    assert rows[0]["standing"] == "Not yet"  # those who have not accepted come first


def test_a_headteacher_reads_their_school_s_evidence_only(evidence_world):
    w = evidence_world
    client = signed_in(w.head)
    html = client.get("/compliance/policies/").content.decode()
    assert "3 of 10" in html and "Publish a version" not in html
    rows = client.get(f"/compliance/policies/{w.current.policy_id}/evidence.csv").content.decode()
    assert "Tara Teacher" in rows and "Pat Primary" not in rows
    assert client.post("/compliance/policies/publish", {"kind": "data_protection"}).status_code == 403
    assert AuditEntry.objects.filter(action="access.refused", actor=w.head).count() == 1


@pytest.mark.parametrize("who", ["admin", "dsl", "teacher", "ta", "office", "governor", "pupil", "external"])
def test_the_evidence_is_not_there_for_others(evidence_world, who):
    person = getattr(evidence_world, who)
    for version in PolicyVersion.objects.all():
        actions.acknowledge_policy(version.pk, acting=person) if who != "pupil" else None
    client = signed_in(person)
    assert client.get("/compliance/policies/").status_code == 404
    assert client.get(f"/compliance/policies/{evidence_world.current.policy_id}/evidence.csv").status_code == 404
    assert client.post("/compliance/policies/publish", {"kind": "data_protection"}).status_code == 404
    assert PolicyVersion.objects.count() == 1


def test_another_organisation_s_policy_evidence_is_not_found(evidence_world):
    their_dpo = factories.person(evidence_world.outsider.school, "dpo", trust_wide=True)
    factories.authenticator_app(their_dpo)
    client = signed_in(their_dpo)
    assert client.get(f"/compliance/policies/{evidence_world.current.policy_id}/evidence.csv").status_code == 404
    assert "No policy has been published yet." in client.get("/compliance/policies/").content.decode()
