"""The accountability report: the ICO framework's ten headings, filled from the records as they are now, for the
DPO and headteachers; nobody else sees it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from staffroom.accounts.models import Role, RoleAssignment
from staffroom.compliance import accountability, actions
from staffroom.compliance.models import AuditEntry
from staffroom.errors import NotFound, PermissionDenied
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def _evidence(viewer, key: str, label: str) -> accountability.Evidence:
    category = next(c for c in accountability.report(viewer) if c.key == key)
    return next(e for e in category.evidence if e.label == label)


def test_the_report_has_the_frameworks_ten_headings_in_order(world):
    categories = accountability.report(world.dpo)
    assert [c.title for c in categories] == [
        "Leadership and oversight", "Policies and procedures", "Training and awareness", "Individuals' rights",
        "Transparency", "Records of processing and lawful basis", "Contracts and data sharing",
        "Risks and data protection impact assessments", "Records management and security",
        "Breach response and monitoring",
    ]  # fmt: skip


def test_a_breach_told_to_the_ico_late_needs_attention_and_one_on_time_does_not(world):
    breach = actions.record_breach(acting=world.dpo, title="Email to the wrong parent", description="",
                                   aware_at=timezone.now() - timedelta(hours=100))  # fmt: skip
    assert _evidence(world.dpo, "breaches", "Breaches waiting for a risk assessment").state == "attention"
    actions.decide_breach(breach.pk, acting=world.dpo, risk="risk", notify_ico=True, reason="Pupil data",
                          ico_notified_at=timezone.now())  # fmt: skip
    late = _evidence(world.dpo, "breaches", "Reported to the ICO within 72 hours")
    assert (late.value, late.state) == ("0 of 1 that needed reporting", "attention")

    on_time = actions.record_breach(acting=world.dpo, title="Lost laptop", description="")
    actions.decide_breach(on_time.pk, acting=world.dpo, risk="risk", notify_ico=True, reason="Encrypted? No",
                          ico_notified_at=timezone.now())  # fmt: skip
    assert _evidence(world.dpo, "breaches", "Reported to the ICO within 72 hours").value == (
        "1 of 2 that needed reporting"
    )


def test_an_organisation_without_a_dpo_is_told_so(world):
    assert _evidence(world.head, "leadership", "Data protection officer").state == "met"
    RoleAssignment.objects.filter(person=world.dpo, role=Role.DPO).delete()
    assert _evidence(world.head, "leadership", "Data protection officer").state == "attention"


def test_an_altered_audit_entry_shows_as_a_broken_chain(world):
    world.group(world.teacher2)
    assert _evidence(world.dpo, "records", "Audit log").state == "met"
    entry = AuditEntry.objects.filter(organisation=world.org).order_by("id").first()
    AuditEntry.objects.filter(pk=entry.pk).update(reason="changed afterwards")
    broken = _evidence(world.dpo, "records", "Audit log")
    assert broken.state == "attention" and str(entry.pk) in broken.value


@pytest.mark.parametrize("who", ["admin", "dsl", "teacher", "office", "governor", "pupil", "external"])
def test_nobody_else_sees_the_report(world, client, who):
    person = getattr(world, who)
    with pytest.raises(PermissionDenied):
        accountability.report(person)
    assert ApiClient(person).get("/compliance/accountability").status_code == 403
    client.force_login(person)
    assert client.get("/compliance/accountability/").status_code == 404


def test_the_dpo_and_the_headteacher_read_the_page_and_the_api(world, client):
    body = ApiClient(world.head).get("/compliance/accountability").json()
    assert body["organisation"] == world.org.name and len(body["categories"]) == 10
    assert {e["state"] for c in body["categories"] for e in c["evidence"]} <= {"met", "attention", "info"}
    client.force_login(world.dpo)
    page = client.get("/compliance/accountability/").content.decode()
    assert "Accountability report" in page and "Breach response and monitoring" in page
    assert "Print this report" in page


def test_backups_need_attention_until_one_is_recorded_within_a_week(world):
    from staffroom.accounts.actors import Service, ServiceActor
    from staffroom.compliance import audit

    assert _evidence(world.dpo, "records", "Backups").state == "attention"
    audit.record(ServiceActor(Service.BACKUP, world.org.pk), audit.AuditAction.BACKUP_TAKEN, target=world.org,
                 data={"files": 1})  # fmt: skip
    fresh = _evidence(world.dpo, "records", "Backups")
    assert fresh.state == "met" and "0 days ago" in fresh.value
    later = timezone.localdate() + timedelta(days=8)
    old = next(e for c in accountability.report(world.dpo, later) if c.key == "records" for e in c.evidence
               if e.label == "Backups")  # fmt: skip
    assert old.state == "attention"


def test_policies_show_as_published_and_their_acceptance_rate_needs_attention_until_nearly_everyone(world):
    from staffroom.accounts.models import Person

    assert _evidence(world.dpo, "policies", "Data protection policy").state == "attention"
    version = actions.publish_policy("data_protection", acting=world.dpo, label="2026", text="Keep data safe.")
    published = _evidence(world.dpo, "policies", "Data protection policy")
    assert published.state == "met" and "Version 2026" in published.value
    rate = _evidence(world.dpo, "training", "Data protection policy")
    assert rate.state == "attention" and rate.value.startswith("0 of ")
    for person in Person.objects.filter(organisation=world.org, is_active=True):
        if person.pk != world.governor.pk:
            try:
                actions.acknowledge_policy(version.pk, acting=person)
            except NotFound:  # the policy does not ask pupils
                continue
    nearly = _evidence(world.dpo, "training", "Data protection policy")
    assert "1 not yet" in nearly.value
    actions.acknowledge_policy(version.pk, acting=world.governor)
    assert _evidence(world.dpo, "training", "Data protection policy").state == "met"


def test_a_subject_access_request_answered_late_or_left_overdue_needs_attention(world):
    from datetime import date

    from staffroom.compliance.models import SubjectAccessRequest

    received = date(2026, 1, 5)
    request = actions.log_sar(acting=world.dpo, subject_id=world.teacher.pk, received_on=received,
                              reason="Email from the teacher", identity_checked=True, today=received)  # fmt: skip
    today = date(2026, 3, 1)
    found = {e.label: e for c in accountability.report(world.dpo, today) for e in c.evidence}
    assert found["Subject access requests open now"].value == "1 open, 1 overdue"
    assert found["Subject access requests open now"].state == "attention"
    SubjectAccessRequest.objects.filter(pk=request.pk).update(status="answered", answered_on=date(2026, 2, 20))
    found = {e.label: e for c in accountability.report(world.dpo, today) for e in c.evidence}
    late = found["Subject access requests answered on time (last year)"]
    assert (late.value, late.state) == ("0 of 1", "attention")
    assert found["Subject access requests open now"].state == "met"


def test_retention_needs_attention_until_it_has_run_lately(world):
    from staffroom.accounts.actors import Service, ServiceActor

    assert _evidence(world.dpo, "records", "Retention schedule").state == "attention"
    today = timezone.localdate()
    actions.run_retention(acting=ServiceActor(Service.RETENTION, world.org.pk), today=today)
    ran = _evidence(world.dpo, "records", "Retention schedule")
    assert ran.state == "met" and "0 messages" in ran.value
    later = next(e for c in accountability.report(world.dpo, today + timedelta(days=5)) if c.key == "records"
                 for e in c.evidence if e.label == "Retention schedule")  # fmt: skip
    assert later.state == "attention"


def test_every_heading_has_evidence_or_says_staffroom_holds_none(world):
    assert all(category.evidence for category in accountability.report(world.dpo))
