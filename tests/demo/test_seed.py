"""`staffroom seed_demo` creates the organisation of DESIGN.md, once."""

import pytest
from django.core.management import call_command

from staffroom.accounts.models import ExternalAccessRequest, Organisation, Person
from staffroom.compliance import audit
from staffroom.messaging.models import Conversation

pytestmark = pytest.mark.django_db

LOGINS = ["admin", "head", "dpo", "dsl", "teacher1", "teacher2", "ta1", "office1", "governor1", "pupil1", "pupil2"]


def test_seed_demo_creates_the_documented_school(settings, capsys):
    settings.STAFFROOM_DEMO_PASSWORD = "demo-password-1"
    call_command("seed_demo")
    org = Organisation.objects.get(name="Oakfield Academy Trust")
    assert set(org.schools.values_list("name", flat=True)) == {"Oakfield Primary", "Oakfield High"}
    for login in LOGINS:
        person = Person.objects.get(email=f"{login}@oakfield.example")
        assert person.is_active and person.check_password("demo-password-1")
    assert Person.objects.get(email="pupil1@oakfield.example").school.name == "Oakfield High"
    assert Person.objects.filter(organisation=org, is_active=False).count() == 1
    assert ExternalAccessRequest.objects.filter(organisation=org, status="pending").count() == 1
    kinds = set(Conversation.objects.filter(organisation=org).values_list("kind", flat=True))
    assert kinds == set(Conversation.Kind.values)
    assert all(
        c.messages.exists()
        for c in Conversation.objects.filter(organisation=org)
        if c.kind != "channel" or c.title != "Trips and visits"
    )
    assert audit.verify(org).ok
    call_command("seed_demo")
    assert "already exists" in capsys.readouterr().out
    assert Organisation.objects.filter(name="Oakfield Academy Trust").count() == 1


def test_seed_demo_generates_and_prints_a_password_when_none_is_given(settings, capsys):
    settings.STAFFROOM_DEMO_PASSWORD = ""
    call_command("seed_demo")
    out = capsys.readouterr().out
    password = out.split("Demo password (shown once, not stored): ")[1].strip()
    assert Person.objects.get(email="teacher1@oakfield.example").check_password(password)


def test_every_demo_login_works_with_the_password_alone(settings):
    """The demo trust requires no second sign-in step (its admin can turn it on at /admin/sign-in/)."""
    from django.test import Client

    settings.STAFFROOM_DEMO_PASSWORD = "demo-password-1"
    call_command("seed_demo")
    for login in ["admin", "head", "dpo", "dsl"]:
        client = Client()
        signed_in = client.post(
            "/accounts/login/", {"login": f"{login}@oakfield.example", "password": "demo-password-1"}
        )
        assert signed_in["Location"] == "/", login
        assert client.get("/").status_code == 200, login


def test_demo_policies_are_accepted_by_the_logins_the_browser_tests_use(settings):
    """The demo's policies: most people accepted them; Office Staff One (an older version) and Governor One
    (nothing) still owe, so the evidence shows both, and the web sends them to /policies/ first."""
    from django.test import Client

    from staffroom.compliance.queries import policy_evidence

    settings.STAFFROOM_DEMO_PASSWORD = "demo-password-1"
    call_command("seed_demo")
    for login in ["admin", "head", "dpo", "dsl", "teacher1", "teacher2", "ta1", "pupil1", "pupil2", "office1",
                  "governor1"]:  # fmt: skip
        client = Client()
        client.post("/accounts/login/", {"login": f"{login}@oakfield.example", "password": "demo-password-1"})
        response = client.get("/")
        if login in ("office1", "governor1"):
            assert response.status_code == 302 and response["Location"] == "/policies/", login
        else:
            assert response.status_code == 200, login
    dpo = Person.objects.get(email="dpo@oakfield.example")
    evidence = {e.policy.kind: e for e in policy_evidence(dpo)}
    data_protection = {s.person.name: s.standing.value for s in evidence["data_protection"].people}
    assert data_protection["Office Staff One"] == "out_of_date"
    assert data_protection["Governor One"] == "not_yet"
    assert "Pupil One" not in data_protection
    assert {s.person.name for s in evidence["acceptable_use"].people} >= {"Pupil One", "Pupil Two"}
    assert "Former Teacher" not in data_protection


def test_the_demo_safeguarding_lead_has_a_queue_with_a_concern_in_each_state(settings):
    from staffroom.safeguarding import queries as safeguarding_queries
    from staffroom.safeguarding.models import Concern, ConcernNote

    settings.STAFFROOM_DEMO_PASSWORD = "demo-password-1"
    call_command("seed_demo")
    dsl = Person.objects.get(email="dsl@oakfield.example")
    every = list(Concern.objects.all())
    # The text model may also read the message the pupil reported as bullying (it depends on its training):
    # if so, that concern is on the same message and says it came from the model.
    by_model = [c for c in every if c.findings and all(f.get("source") == "model" for f in c.findings)]
    concerns = {(c.status, c.source, c.category, c.severity): c for c in every if c not in by_model}
    assert set(concerns) == {
        ("open", "detector", "self_harm", "high"),
        ("open", "detector", "bullying", "medium"),
        ("escalated", "detector", "grooming", "high"),
        ("closed", "detector", "drugs", "medium"),
        ("open", "report", "bullying", "medium"),
    }
    new = concerns[("open", "detector", "self_harm", "high")]
    assert new.assigned_to is None and new.conversation.title == "9X Science" and new.about.is_pupil
    assigned = concerns[("open", "detector", "bullying", "medium")]
    assert assigned.assigned_to == dsl and ConcernNote.objects.filter(concern=assigned, kind="note").count() == 2
    assert "MASH-2026-0417" in concerns[("escalated", "detector", "grooming", "high")].referral
    assert concerns[("closed", "detector", "drugs", "medium")].outcome
    reported = concerns[("open", "report", "bullying", "medium")]
    assert reported.raised_by.email == "pupil1@oakfield.example"
    assert all(c.message == reported.message for c in by_model) and len(by_model) <= 1
    queue = safeguarding_queries.queue(dsl).items
    assert len(queue) == 5 + len(by_model) and queue[0] == new  # open and high severity first
    assert audit.verify(dsl.organisation).ok
