"""Subject access requests: the DPO logs a request, checks the requester's identity (which starts the clock), may
stop the clock for clarification and extend it once, reviews what was found (other people's personal data
blanked), exports it as the shared ZIP and marks it answered; the worker reminds the DPO before it is due. Only
the DPO does any of it; the headteacher sees their school's requests, read-only."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import Preferences, Role
from staffroom.compliance import actions, queries
from staffroom.compliance import tasks as compliance_tasks
from staffroom.compliance.actions import sars as sar_actions
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.bundle import check_bundle
from staffroom.compliance.models import SubjectAccessRequest
from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.messaging import actions as messaging
from tests import factories
from tests.api.conftest import ApiClient, error_of
from tests.verify import public_functions, verified_in, verify_action, verify_refused, verify_unchanged

pytestmark = pytest.mark.django_db

A = AuditAction
D = date
TODAY = D(2026, 3, 10)
RECEIVED = D(2026, 3, 3)


def test_every_public_action_is_run_through_verify_action_and_refused_or_left_unchanged():
    runs = verified_in(__file__, "actions")
    for name in sorted(public_functions(sar_actions)):
        assert name in runs["verify_action"], f"actions.{name} has no test run through verify_action"
        assert name in runs["verify_refused"] | runs["verify_unchanged"], name


def _log(world, *, subject=None, checked=True, received=RECEIVED, today=TODAY):
    return actions.log_sar(
        acting=world.dpo, subject_id=(subject or world.teacher).pk, received_on=received,
        reason="Letter asking for every message about them", identity_checked=checked, today=today,
    )  # fmt: skip


# --- the clock --------------------------------------------------------------------------------------------


def test_logging_a_request_with_identity_checked_sets_the_due_date(world):
    with verify_action(audit=[A.SAR_LOGGED], events=[]) as captured:
        request = actions.log_sar(
            acting=world.dpo, subject_id=world.teacher.pk, received_on=D(2026, 3, 10), identity_checked=True,
            reason="Letter asking for every message about them", today=TODAY,
        )  # fmt: skip
    assert (request.status, request.due_on, request.identity_checked) == ("open", D(2026, 4, 10), True)
    entry = captured.audit[0]
    assert entry.data["due_on"] == "2026-04-10" and entry.data["subject_id"] == world.teacher.pk
    assert entry.reason.startswith("Letter")


def test_waiting_for_id_stops_the_clock_until_the_identity_is_checked(world):
    request = _log(world, checked=False, received=D(2026, 3, 3), today=D(2026, 3, 3))
    assert request.status == "waiting_for_id"
    assert queries.sar_payload(request, D(2026, 3, 5))["days_left"] is None
    with verify_action(audit=[A.SAR_IDENTITY_CHECKED], events=[]) as captured:
        request = actions.record_identity_checked(request.pk, acting=world.dpo, today=D(2026, 3, 8))
    # 3 Apr (Good Friday) + 5 days waited = Wed 8 Apr.
    assert (request.status, request.due_on) == ("open", D(2026, 4, 8))
    assert captured.audit[0].data["was_due_on"] == "2026-04-07"
    with verify_refused(Invalid, field="identity_checked"):
        actions.record_identity_checked(request.pk, acting=world.dpo, today=D(2026, 3, 9))


def test_pausing_for_clarification_pushes_the_due_date_on_by_the_days_paused(world):
    request = _log(world, received=D(2026, 3, 10))
    with verify_action(audit=[A.SAR_PAUSED], events=[]):
        actions.pause_sar(request.pk, acting=world.dpo, note="Asked which year they mean", today=D(2026, 3, 12))
    with verify_refused(Invalid, field="status"):
        actions.pause_sar(request.pk, acting=world.dpo, note="Again", today=D(2026, 3, 13))
    request.refresh_from_db()
    payload = queries.sar_payload(request, D(2026, 3, 14))
    assert payload["paused"] and payload["days_left"] is None and "Clock stopped" in payload["due_in_words"]
    with verify_refused(Invalid, field="status"):
        actions.answer_sar(request.pk, acting=world.dpo)
    with verify_action(audit=[A.SAR_RESUMED], events=[]):
        request = actions.resume_sar(request.pk, acting=world.dpo, today=D(2026, 3, 15))
    assert request.due_on == D(2026, 4, 13)  # 10 Apr + 3 days paused
    with verify_refused(Invalid, field="status"):
        actions.resume_sar(request.pk, acting=world.dpo, today=D(2026, 3, 16))


def test_an_extension_adds_two_months_once_and_needs_a_reason(world):
    request = _log(world, received=D(2026, 3, 10))
    with verify_refused(Invalid, field="reason"):
        actions.extend_sar(request.pk, acting=world.dpo, reason="  ")
    with verify_action(audit=[A.SAR_EXTENDED], events=[]):
        request = actions.extend_sar(request.pk, acting=world.dpo, reason="Eight years of messages across 40 groups")
    assert (request.status, request.due_on) == ("extended", D(2026, 6, 10))
    with verify_refused(Invalid, field="reason"):
        actions.extend_sar(request.pk, acting=world.dpo, reason="Again")


def test_bad_input_is_refused_and_nothing_is_written(world):
    def log(**changes):
        kwargs = {"acting": world.dpo, "subject_id": world.teacher.pk, "received_on": D(2026, 3, 3),
                  "reason": "Email", "today": TODAY, **changes}  # fmt: skip
        return actions.log_sar(**kwargs)

    with verify_refused(Invalid, field="received_on"):
        log(received_on=TODAY + timedelta(days=1))
    with verify_refused(Invalid, field="reason"):
        log(reason="")
    with verify_refused(Invalid, field="subject_id"):
        log(subject_id=world.outsider.pk)
    with verify_refused(Invalid, field="subject_id"):
        log(subject_id=10**9)


@pytest.mark.parametrize("who", ["admin", "head", "dsl", "teacher", "office", "governor", "pupil"])
def test_only_the_dpo_handles_requests(world, who):
    someone = getattr(world, who)
    request = _log(world)
    with verify_refused(PermissionDenied):
        actions.log_sar(acting=someone, subject_id=world.teacher.pk, received_on=D(2026, 3, 3), reason="X", today=TODAY)
    with verify_refused(PermissionDenied):
        actions.record_identity_checked(request.pk, acting=someone)
    with verify_refused(PermissionDenied):
        actions.pause_sar(request.pk, acting=someone, note="X")
    with verify_refused(PermissionDenied):
        actions.resume_sar(request.pk, acting=someone)
    with verify_refused(PermissionDenied):
        actions.extend_sar(request.pk, acting=someone, reason="X")
    with verify_refused(PermissionDenied):
        actions.review_sar(request.pk, acting=someone, words=["x"])
    with verify_refused(PermissionDenied):
        actions.redact_sar_message(request.pk, 1, acting=someone, exclude=True, words=[])
    with verify_refused(PermissionDenied):
        actions.view_sar_messages(request.pk, acting=someone)
    with verify_refused(PermissionDenied):
        actions.export_sar(request.pk, acting=someone)
    with verify_refused(PermissionDenied):
        actions.answer_sar(request.pk, acting=someone)
    with verify_refused(PermissionDenied):
        actions.withdraw_sar(request.pk, acting=someone, reason="X")


def test_another_organisation_s_request_is_not_found(world):
    request = _log(world)
    their_dpo = factories.person(world.outsider.school, "dpo", trust_wide=True)
    with verify_refused(NotFound):
        actions.extend_sar(request.pk, acting=their_dpo, reason="X")
    with verify_refused(NotFound):
        actions.export_sar(request.pk, acting=their_dpo)
    with pytest.raises(NotFound):
        queries.subject_access_request(their_dpo, request.pk)


def test_a_withdrawn_request_changes_no_more(world):
    request = _log(world, checked=False)
    with verify_action(audit=[A.SAR_WITHDRAWN], events=[]):
        request = actions.withdraw_sar(request.pk, acting=world.dpo, reason="The requester wrote to withdraw it")
    assert request.status == "withdrawn" and request.pauses.get().ended_on is not None
    with verify_refused(Invalid, field="status"):
        actions.record_identity_checked(request.pk, acting=world.dpo)
    with verify_refused(Invalid, field="status"):
        actions.withdraw_sar(request.pk, acting=world.dpo, reason="Again")
    with verify_refused(Invalid, field="status"):
        actions.export_sar(request.pk, acting=world.dpo)


# --- what is found and how it is shown --------------------------------------------------------------------


def _conversations(world):
    """Tara Teacher (the subject) wrote, was mentioned and was named; other people's data sits around it."""
    staff = world.group(world.teacher, world.teacher2, world.head, title="Year 9 team")
    other = world.group(world.teacher2, world.head, by=world.teacher2, title="Leaders")  # the subject is not in it
    upload = messaging.store_upload(acting=world.teacher, data=b"my lesson plan\n", filename="plan.txt")
    mine, _ = messaging.send_message(
        staff, acting=world.teacher, body="I spoke to Tom Teacher about the trip. Hana agreed.",
        attachment_ids=[str(upload.pk)],
    )  # fmt: skip
    mentioned, _ = messaging.send_message(
        staff, acting=world.teacher2, body=f"Parents' evening is on Thursday. @{world.teacher.handle} can you cover?"
    )
    named, _ = messaging.send_message(
        other, acting=world.head, body="Budget is tight this year. I am worried about tara teacher's workload."
    )
    unrelated, _ = messaging.send_message(other, acting=world.head, body="Tom Teacher is off sick.")
    not_a_word, _ = messaging.send_message(other, acting=world.head, body="Tara Teachersson visited.")
    secret, _ = messaging.send_message(staff, acting=world.teacher, body="My bank PIN is 1234")
    return {"mine": mine, "mentioned": mentioned, "named": named, "unrelated": unrelated,
            "not_a_word": not_a_word, "secret": secret}  # fmt: skip


def _export(world, request):
    with verify_action(audit=[A.SAR_EXPORTED], events=[]) as captured:
        response, summary = actions.export_sar(request.pk, acting=world.dpo)
    raw = b"".join(response.streaming_content)
    response.close()
    return zipfile.ZipFile(io.BytesIO(raw)), raw, summary, captured.audit[0]


def test_the_export_holds_what_the_subject_wrote_and_what_names_them_with_others_blanked(world):
    found = _conversations(world)
    request = _log(world)
    ids = set(queries_found(request))
    assert {found[k].pk for k in ("mine", "mentioned", "named", "secret")} <= ids
    assert found["unrelated"].pk not in ids and found["not_a_word"].pk not in ids

    with verify_action(audit=[A.SAR_REVIEWED], events=[]):
        actions.redact_sar_message(request.pk, found["secret"].pk, acting=world.dpo, exclude=True, words=[])
    with verify_action(audit=[A.SAR_REVIEWED], events=[]) as captured:
        actions.review_sar(request.pk, acting=world.dpo, words=["parents' evening"])
    assert captured.audit[0].data["words"] == 1 and "parents" not in json.dumps(captured.audit[0].data)

    archive, raw, summary, entry = _export(world, request)
    assert check_bundle(io.BytesIO(raw)) == []
    data = json.loads(archive.read("messages.json"))
    bodies = {m["id"]: m["body"] for m in data["messages"]}
    assert found["secret"].pk not in bodies  # left out by the DPO
    assert bodies[found["mine"].pk] == "I spoke to [another person] about the trip. [another person] agreed."
    assert bodies[found["mentioned"].pk] == f"[…] @{world.teacher.handle} can you cover?"
    assert bodies[found["named"].pk] == "[…] I am worried about tara teacher's workload."
    assert {p["name"] for p in data["people"]} == {"Tara Teacher", "[another person]"}
    html = archive.read("index.html").decode()
    assert "Tom Teacher" not in html and "Hana Head" not in html and "Tom Teacher" not in json.dumps(data)
    assert [n for n in archive.namelist() if n.startswith("attachments/")]
    assert entry.data["messages"] == summary.messages == 3
    manifest = json.loads(archive.read("manifest.json"))
    assert entry.data["messages_json_sha256"] == manifest["files"]["messages.json"]
    assert "worried" not in json.dumps(entry.data) and entry.reason


def queries_found(request):
    from staffroom.compliance import sar

    request.refresh_from_db()
    return sar.found_messages(request).values_list("pk", flat=True)


def test_a_phrase_to_blank_in_one_message_and_narrowing_by_dates(world):
    found = _conversations(world)
    request = _log(world)
    actions.redact_sar_message(request.pk, found["mine"].pk, acting=world.dpo, exclude=False, words=["the trip"])
    archive, *_ = _export(world, request)
    bodies = {m["id"]: m["body"] for m in json.loads(archive.read("messages.json"))["messages"]}
    assert bodies[found["mine"].pk] == "I spoke to [another person] about [redacted]. [another person] agreed."
    tomorrow = timezone.localdate() + timedelta(days=1)
    actions.review_sar(request.pk, acting=world.dpo, words=[], search_from=tomorrow)
    assert list(queries_found(request)) == []
    with verify_refused(Invalid, field="search_to"):
        actions.review_sar(request.pk, acting=world.dpo, words=[], search_from=tomorrow, search_to=TODAY)
    with verify_refused(NotFound):
        actions.redact_sar_message(request.pk, found["unrelated"].pk, acting=world.dpo, exclude=True, words=[])


def test_answering_needs_the_identity_checked_and_an_export_and_keeps_its_digest(world):
    _conversations(world)
    request = _log(world, checked=False)
    with verify_refused(Invalid, field="status"):
        actions.answer_sar(request.pk, acting=world.dpo, today=TODAY)
    actions.record_identity_checked(request.pk, acting=world.dpo, today=TODAY)
    with verify_refused(Invalid, field="status"):
        actions.answer_sar(request.pk, acting=world.dpo, today=TODAY)
    with verify_action(audit=[A.SAR_CONTENT_VIEWED], events=[]):
        actions.view_sar_messages(request.pk, acting=world.dpo)
    *_, entry = _export(world, request)
    with verify_action(audit=[A.SAR_ANSWERED], events=[]) as captured:
        request = actions.answer_sar(request.pk, acting=world.dpo, today=D(2026, 3, 20))
    assert request.status == "answered" and request.answer_digest == entry.data["messages_json_sha256"]
    assert captured.audit[0].data["on_time"] is True
    with verify_refused(Invalid, field="status"):
        actions.answer_sar(request.pk, acting=world.dpo, today=D(2026, 3, 21))


# --- reminders --------------------------------------------------------------------------------------------


def test_the_dpo_is_reminded_once_a_week_before_and_once_when_overdue(world):
    request = _log(world, received=D(2026, 3, 10))  # due Fri 10 Apr
    worker = ServiceActor(Service.WORKER, world.org.pk)
    with verify_unchanged():
        assert actions.remind_sar(request.pk, acting=worker, today=D(2026, 4, 1)) is None
    with verify_action(audit=[A.SAR_REMINDED], events=[]):
        assert actions.remind_sar(request.pk, acting=worker, today=D(2026, 4, 3)) == "due_soon"
    assert [m.to for m in mail.outbox] == [[world.dpo.email]]
    assert "Tara" not in mail.outbox[0].body + mail.outbox[0].subject
    with verify_unchanged():
        assert actions.remind_sar(request.pk, acting=worker, today=D(2026, 4, 4)) is None
    assert compliance_tasks.remind_subject_access(timezone.make_aware(timezone.datetime(2026, 4, 11, 9))) == {
        "due_soon": 0, "overdue": 1}  # fmt: skip
    assert compliance_tasks.remind_subject_access(timezone.make_aware(timezone.datetime(2026, 4, 12, 9))) == {
        "due_soon": 0, "overdue": 0}  # fmt: skip
    with verify_refused(NotFound):
        actions.remind_sar(request.pk, acting=world.dpo, today=D(2026, 4, 12))
    with verify_refused(NotFound):
        actions.remind_sar(request.pk, acting=ServiceActor(Service.WORKER, world.outsider.organisation_id),
                           today=D(2026, 4, 12))  # fmt: skip


def test_each_dpo_is_reminded_in_their_own_language(world, django_capture_on_commit_callbacks):
    welsh_dpo = factories.person(world.school, Role.DPO, name="Ail DPO", trust_wide=True)
    Preferences.objects.update_or_create(person=welsh_dpo, defaults={"language": "cy"})
    request = _log(world, received=D(2026, 3, 10))  # due Fri 10 Apr
    worker = ServiceActor(Service.WORKER, world.org.pk)
    with translation.override("cy"), django_capture_on_commit_callbacks(execute=True):
        # Whatever the worker's language, each DPO gets their own.
        assert actions.remind_sar(request.pk, acting=worker, today=D(2026, 4, 3)) == "due_soon"
    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == sorted([world.dpo.email, welsh_dpo.email])
    english, welsh = by_address[world.dpo.email], by_address[welsh_dpo.email]
    assert english.subject == f"Subject access request {request.pk} is due on 10 April 2026"
    assert "It was received on 10 March 2026" in english.body
    assert welsh.subject == f"Mae cais gwrthrych am wybodaeth {request.pk} i'w ateb erbyn 10 Ebrill 2026"
    assert "Mawrth 2026" in welsh.body and "March" not in welsh.body


def test_the_dashboard_list_puts_open_requests_first_by_due_date(world):
    late = _log(world, received=D(2026, 3, 9))
    soon = _log(world, subject=world.teacher2, received=D(2026, 2, 2))
    done = _log(world, subject=world.ta, received=D(2026, 1, 5))
    SubjectAccessRequest.objects.filter(pk=done.pk).update(status="answered")
    pupil = _log(world, subject=world.other_teacher, received=D(2026, 3, 1))
    assert list(queries.subject_access_requests(world.dpo)) == [soon, pupil, late, done]
    # The headteacher sees their own school's people's requests, read-only.
    assert set(queries.subject_access_requests(world.head)) == {late, soon, done}
    with pytest.raises(PermissionDenied):
        queries.subject_access_requests(world.teacher)


# --- the API ----------------------------------------------------------------------------------------------


def test_the_api_logs_a_request_with_the_contract_s_shape_and_takes_each_step(world):
    _conversations(world)
    dpo = ApiClient(world.dpo)
    made = dpo.post("/compliance/sars", {"subject_id": world.teacher.pk, "received_on": "2026-01-31",
                                         "reason": "Email to the office"})  # fmt: skip
    assert made.status_code == 201, made.content
    body = made.json()
    assert {"id", "subject", "received_on", "due_on", "status"} <= set(body)
    assert body["subject"]["id"] == world.teacher.pk and body["received_on"] == "2026-01-31"
    assert (body["due_on"], body["status"]) == ("2026-03-02", "waiting_for_id")
    sar_id = body["id"]
    assert dpo.post(f"/compliance/sars/{sar_id}/identity-checked").json()["status"] == "open"
    paused = dpo.post(f"/compliance/sars/{sar_id}/pause", {"note": "Asked which years"}).json()
    assert paused["paused"] is True and paused["pause_kind"] == "clarification"
    assert dpo.post(f"/compliance/sars/{sar_id}/resume").json()["paused"] is False
    assert error_of(dpo.post(f"/compliance/sars/{sar_id}/extend", {"reason": ""}))["field"] == "reason"
    extended = dpo.post(f"/compliance/sars/{sar_id}/extend", {"reason": "Many groups"}).json()
    assert extended["status"] == "extended" and extended["extended"] is True
    assert error_of(dpo.post(f"/compliance/sars/{sar_id}/answer"))["field"] == "status"  # no export yet

    download = dpo.client.get(f"/api/v1/compliance/sars/{sar_id}/export", headers=dpo.headers)
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    raw = b"".join(download.streaming_content)
    assert check_bundle(io.BytesIO(raw)) == []
    answered = dpo.post(f"/compliance/sars/{sar_id}/answer").json()
    assert answered["status"] == "answered" and answered["answer_digest"] == json.loads(
        zipfile.ZipFile(io.BytesIO(raw)).read("manifest.json"))["files"]["messages.json"]  # fmt: skip
    items = dpo.get("/compliance/sars").json()["items"]
    assert [i["id"] for i in items] == [sar_id] and dpo.get(f"/compliance/sars/{sar_id}").json()["id"] == sar_id


def test_the_api_refuses_bad_input_with_a_clear_message(world):
    dpo = ApiClient(world.dpo)

    def log(**changes):
        return dpo.post("/compliance/sars", {"subject_id": world.teacher.pk, "received_on": "2026-01-31",
                                             "reason": "Email", **changes})  # fmt: skip

    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    assert error_of(log(received_on=future))["field"] == "received_on"
    assert error_of(log(received_on="2026-02-30"))["field"] == "received_on"
    missing = dpo.post("/compliance/sars", {"subject_id": world.teacher.pk, "received_on": "2026-01-31"})
    assert missing.status_code == 422 and error_of(missing)["field"] == "reason"
    assert error_of(log(reason=" "))["field"] == "reason"
    unknown = log(subject_id=world.outsider.pk)
    assert unknown.status_code == 422 and "organisation" in error_of(unknown)["message"]
    assert SubjectAccessRequest.objects.count() == 0
    assert dpo.get("/compliance/sars/999999").status_code == 404


@pytest.mark.parametrize("who", ["admin", "dsl", "teacher", "pupil"])
def test_the_api_refuses_everyone_but_the_dpo(world, who):
    request = _log(world)
    client = ApiClient(getattr(world, who))
    assert client.get("/compliance/sars").status_code == 403
    assert client.post("/compliance/sars", {"subject_id": world.teacher.pk, "received_on": "2026-01-31",
                                            "reason": "X"}).status_code == 403  # fmt: skip
    assert client.post(f"/compliance/sars/{request.pk}/extend", {"reason": "X"}).status_code == 403
    assert client.client.get(f"/api/v1/compliance/sars/{request.pk}/export", headers=client.headers).status_code == 403


def test_the_headteacher_reads_but_does_not_act(world):
    request = _log(world)
    head = ApiClient(world.head)
    assert [i["id"] for i in head.get("/compliance/sars").json()["items"]] == [request.pk]
    assert head.get(f"/compliance/sars/{request.pk}").status_code == 200
    assert head.post(f"/compliance/sars/{request.pk}/withdraw", {"reason": "X"}).status_code == 403
    assert head.client.get(f"/api/v1/compliance/sars/{request.pk}/export", headers=head.headers).status_code == 403
    elsewhere = _log(world, subject=world.other_teacher)
    assert head.get(f"/compliance/sars/{elsewhere.pk}").status_code == 404


# --- the pages --------------------------------------------------------------------------------------------


def test_the_dpo_logs_a_request_on_the_dashboard_picking_the_person_by_name(world, client):
    client.force_login(world.dpo)
    page = client.get("/compliance/sars/")
    assert page.status_code == 200 and "No request is open" in page.content.decode()
    factories.person(world.school, name="Tom Tyler")
    form = {"subject_name": "Tom T", "received_on": "2026-01-31", "reason": "Letter"}
    ambiguous = client.post("/compliance/sars/", form)
    assert ambiguous.status_code == 422 and "Several people" in ambiguous.content.decode()
    assert SubjectAccessRequest.objects.count() == 0
    logged = client.post("/compliance/sars/", {**form, "subject_id": world.teacher2.pk})
    assert logged.status_code == 302
    made = SubjectAccessRequest.objects.get()
    assert (made.subject, made.due_on, made.status) == (world.teacher2, D(2026, 3, 2), "waiting_for_id")
    nobody = client.post("/compliance/sars/", {**form, "subject_name": "Zebedee"})
    assert nobody.status_code == 422 and "No one in your organisation" in nobody.content.decode()
    future = client.post("/compliance/sars/", {**form, "subject_name": "Tara", "received_on": "2999-01-01"})
    assert future.status_code == 422 and "future" in future.content.decode()
    page = client.get("/compliance/sars/").content.decode()
    assert "Tom Teacher" in page and "Check the requester" in page


def test_the_page_and_the_api_reach_the_same_action(world, client):
    _conversations(world)
    request = _log(world, received=D(2026, 3, 10))
    client.force_login(world.dpo)
    with verify_action(audit=[A.SAR_PAUSED], events=[]):
        client.post(f"/compliance/sars/{request.pk}/pause", {"note": "Which year?"})
    with verify_action(audit=[A.SAR_RESUMED], events=[]):
        client.post(f"/compliance/sars/{request.pk}/resume")
    response = client.post(f"/compliance/sars/{request.pk}/extend", {"reason": ""})
    assert response.status_code == 302 and SubjectAccessRequest.objects.get().extended_at is None
    with verify_action(audit=[A.SAR_CONTENT_VIEWED], events=[]):
        review = client.get(f"/compliance/sars/{request.pk}/review")
    html = review.content.decode()
    assert review.status_code == 200 and "[another person]" in html and "Tom Teacher" not in html
    secret = _message(world, "My bank PIN")
    client.post(f"/compliance/sars/{request.pk}/review/{secret.pk}", {"exclude": "yes", "words": ""})
    client.post(f"/compliance/sars/{request.pk}/review", {"words": "the trip\n", "search_from": "", "search_to": ""})
    request.refresh_from_db()
    assert request.message_choices[str(secret.pk)]["exclude"] is True and request.redact_words == ["the trip"]
    download = client.get(f"/compliance/sars/{request.pk}/export")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    text = archive.read("messages.json").decode()
    assert "PIN" not in text and "the trip" not in text and "[redacted]" in text
    client.post(f"/compliance/sars/{request.pk}/answer")
    request.refresh_from_db()
    assert request.status == "answered"


def _message(world, start):
    from staffroom.messaging.models import Message

    return Message.objects.get(body__startswith=start)


def test_the_headteacher_reads_the_dashboard_and_everyone_else_finds_no_console(world, client):
    request = _log(world, received=D(2026, 3, 10))
    client.force_login(world.head)
    page = client.get("/compliance/sars/").content.decode()
    assert "Tara Teacher" in page and "Log a request" not in page and "Stop the clock" not in page
    assert client.post(f"/compliance/sars/{request.pk}/withdraw", {"reason": "X"}).status_code == 403
    assert client.get(f"/compliance/sars/{request.pk}/review").status_code == 403
    assert client.get(f"/compliance/sars/{request.pk}/export").status_code == 403
    for who in ("admin", "teacher", "dsl"):
        client.force_login(getattr(world, who))
        assert client.get("/compliance/sars/").status_code == 404
        assert client.get(f"/compliance/sars/{request.pk}/review").status_code == 404


def test_the_console_shows_how_many_requests_are_due_soon_or_overdue(world, client):
    from staffroom.web.console import sections

    today = timezone.localdate()  # the console counts against the server's day
    _log(world, received=today - timedelta(days=40), today=today)
    _log(world, subject=world.teacher2, received=today, today=today)
    (label,) = [s.label for s in sections(world.dpo) if s.key == "sars"]
    assert label == "Subject access (1 due soon or overdue)"
    client.force_login(world.dpo)
    page = client.get("/compliance/sars/").content.decode()
    assert "1 request needs attention" in page and "Overdue by" in page
