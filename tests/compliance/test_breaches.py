"""The breach register: a lost device reported by anyone ends their sessions and opens an entry; the DPO logs
breaches, records the risk and the ICO decision (72 hours), and closes them. Only the DPO keeps the register."""

from datetime import timedelta

import pytest
from django.utils import timezone

from staffroom.accounts import actions as account_actions
from staffroom.accounts import queries as people_queries
from staffroom.compliance import actions
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import Breach
from staffroom.errors import Invalid, NotFound, PermissionDenied
from tests.api.conftest import ApiClient, error_of
from tests.verify import public_functions, verified_in, verify_action, verify_refused

pytestmark = pytest.mark.django_db

A = AuditAction


def test_every_public_action_is_run_through_verify_action_and_refused_or_left_unchanged():
    from staffroom.compliance.actions import breaches

    runs = verified_in(__file__, "actions")
    nothing_to_refuse = {"report_lost_device": "anyone may report their own device"}
    for name in sorted(public_functions(breaches)):
        assert name in runs["verify_action"], f"actions.{name} has no test run through verify_action"
        if name not in nothing_to_refuse:
            assert name in runs["verify_refused"] | runs["verify_unchanged"], name


def test_reporting_a_lost_device_signs_out_everywhere_and_opens_a_breach(world):
    raw = account_actions.create_token(world.teacher, acting=world.teacher)
    with verify_action(audit=[A.BREACH_LOST_DEVICE], events=[]) as captured:
        breach, ended = actions.report_lost_device(acting=world.teacher, note="Phone left on the bus")
    assert ended == 1 and people_queries.person_for_token(raw) is None
    assert (world.teacher.pk, {"type": "session.revoke", "all": True}) in captured.controls
    assert (breach.kind, breach.person, breach.status) == ("lost_device", world.teacher, "open")


def test_the_dpo_logs_decides_and_closes_a_breach(world):
    with verify_action(audit=[A.BREACH_RECORDED], events=[]):
        breach = actions.record_breach(acting=world.dpo, title="Class list emailed to a parent", description="")
    with verify_action(audit=[A.BREACH_DECIDED], events=[]) as captured:
        actions.decide_breach(
            breach.pk, acting=world.dpo, risk="risk", notify_ico=True, reason="Names and SEN needs of 28 pupils",
            ico_notified_at=timezone.now(),
        )  # fmt: skip
    assert captured.audit[0].data["notify_ico"] is True
    with verify_action(audit=[A.BREACH_CLOSED], events=[]):
        actions.close_breach(breach.pk, acting=world.dpo, outcome="Parent deleted it; staff reminded")
    breach.refresh_from_db()
    assert breach.status == "closed" and breach.closed_at


@pytest.mark.parametrize(
    ("risk", "notify", "field"),
    [("unassessed", False, "risk"), ("unlikely", True, "notify_ico"), ("high", False, "notify_ico")],
)
def test_a_decision_that_does_not_fit_the_risk_is_refused(world, risk, notify, field):
    breach = actions.record_breach(acting=world.dpo, title="Laptop stolen", description="")
    with verify_refused(Invalid, field=field):
        actions.decide_breach(breach.pk, acting=world.dpo, risk=risk, notify_ico=notify, reason="Because")


def test_the_reason_and_outcome_are_required_and_a_breach_closes_only_once_decided(world):
    breach = actions.record_breach(acting=world.dpo, title="Laptop stolen", description="")
    with verify_refused(Invalid, field="reason"):
        actions.decide_breach(breach.pk, acting=world.dpo, risk="unlikely", notify_ico=False, reason=" ")
    with verify_refused(Invalid, field="outcome"):
        actions.close_breach(breach.pk, acting=world.dpo, outcome="Found it")
    with verify_refused(Invalid, field="title"):
        actions.record_breach(acting=world.dpo, title="", description="")
    with verify_refused(Invalid, field="aware_at"):
        actions.record_breach(acting=world.dpo, title="X", description="", aware_at=timezone.now() + timedelta(days=1))


@pytest.mark.parametrize("who", ["admin", "head", "teacher", "dsl"])
def test_only_the_dpo_keeps_the_register(world, who):
    breach = actions.record_breach(acting=world.dpo, title="Laptop stolen", description="")
    with verify_refused(PermissionDenied):
        actions.record_breach(acting=getattr(world, who), title="X", description="")
    with verify_refused(PermissionDenied):
        actions.decide_breach(breach.pk, acting=getattr(world, who), risk="unlikely", notify_ico=False, reason="R")


def test_another_organisation_s_breach_is_not_found(world):
    breach = actions.record_breach(acting=world.dpo, title="Laptop stolen", description="")
    from tests import factories

    their_dpo = factories.person(world.outsider.school, "dpo", trust_wide=True)
    with verify_refused(NotFound):
        actions.close_breach(breach.pk, acting=their_dpo, outcome="x")


def test_the_api_lost_device_and_the_register(world):
    teacher = ApiClient(world.teacher)
    response = teacher.post("/me/lost-device", {"note": "Phone stolen"})
    assert response.status_code == 200 and response.json()["ended"] >= 1
    assert teacher.get("/me").status_code == 401  # this token ended too
    dpo = ApiClient(world.dpo)
    items = dpo.get("/compliance/breaches").json()["items"]
    assert items[0]["kind"] == "lost_device" and items[0]["person"]["id"] == world.teacher.pk
    deadline = items[0]["ico_deadline"]
    assert deadline > items[0]["aware_at"]
    made = dpo.post("/compliance/breaches", {"title": "Wrong recipient", "aware_at": "2026-13-01T10:00"})
    assert error_of(made)["field"] == "aware_at"
    decided = dpo.post(
        f"/compliance/breaches/{items[0]['id']}/decide", {"risk": "unlikely", "notify_ico": False, "reason": "Locked"}
    )
    assert decided.status_code == 200 and decided.json()["notify_ico"] is False
    assert ApiClient(world.admin).get("/compliance/breaches").status_code == 403


def test_the_web_report_and_the_register_page(world, client):
    client.force_login(world.teacher)
    assert "Lost or stolen" in client.get("/profile").content.decode()
    response = client.post("/profile/lost-device", {"note": "Bus"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/").status_code == 302  # signed out
    client.force_login(world.dpo)
    page = client.get("/compliance/breaches/").content.decode()
    assert "Lost or stolen device reported by Tara Teacher" in page and "hours left" in page
    breach = Breach.objects.get()
    client.post(f"/compliance/breaches/{breach.pk}/decide", {"risk": "unlikely", "notify_ico": "no", "reason": "PIN"})
    breach.refresh_from_db()
    assert breach.notify_ico is False
    client.force_login(world.admin)
    assert client.get("/compliance/breaches/").status_code == 404
