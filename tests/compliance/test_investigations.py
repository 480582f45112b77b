"""Investigation exports, four eyes: a compliance person asks for a scope with a reason, a second one approves
(never the requester), and only then may either of them download the ZIP, edits and deleted text included, for
seven days. A headteacher's exports stay within their own school. Bad input is refused and leaves nothing."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from django.utils import timezone

from staffroom.accounts.models import Role
from staffroom.compliance import actions
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.bundle import check_bundle
from staffroom.compliance.investigations import DOWNLOAD_DAYS, investigation_exports, scope_messages
from staffroom.compliance.models import AuditEntry, InvestigationExport
from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.messaging import actions as messaging
from staffroom.messaging.models import Message
from tests import factories
from tests.api.conftest import ApiClient, error_of
from tests.verify import verify_action, verify_refused
from tests.web.conftest import assert_no_inline_code

pytestmark = pytest.mark.django_db

A = AuditAction
REASON = "Grievance 2025/04: comments about a colleague in the Year 9 team"


def second_dpo(world):
    person = factories.person(world.school, Role.DPO, name="Dana Deputy DPO", trust_wide=True)
    factories.authenticator_app(person)
    return person


def at(message: Message, when) -> Message:
    Message.objects.filter(pk=message.pk).update(created_at=when)
    message.refresh_from_db()
    return message


def unzip(buffer: io.BytesIO) -> tuple[zipfile.ZipFile, dict]:
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    return archive, json.loads(archive.read("messages.json"))


def request(world, acting=None, **scope):
    scope.setdefault("reason", REASON)
    return actions.request_investigation_export(acting=acting or world.dpo, **scope)


# --- the whole path ----------------------------------------------------------------------------------------


def test_requested_approved_and_downloaded_with_edit_history_deleted_text_and_files(world):
    chat = world.group(world.teacher2, world.head)
    upload = messaging.store_upload(acting=world.teacher, data=b"seating plan\n", filename="plan.txt")
    first, _ = messaging.send_message(chat, acting=world.teacher, body="First draft", attachment_ids=[str(upload.pk)])
    messaging.edit_message(first, acting=world.teacher, body="Second draft")
    regretted, _ = messaging.send_message(chat, acting=world.teacher, body="Something I regret saying")
    messaging.delete_message(regretted, acting=world.teacher)
    messaging.send_message(chat, acting=world.teacher2, body="Not in scope: someone else")

    with verify_action(audit=[A.INVESTIGATION_REQUESTED], events=[]) as captured:
        export = actions.request_investigation_export(
            acting=world.dpo, reason=REASON, person_ids=[world.teacher.pk], conversation_ids=[chat.pk]
        )
    assert captured.audit[0].reason == REASON and captured.audit[0].data["person_ids"] == [world.teacher.pk]
    assert (export.status, export.school_id) == ("requested", world.school.pk)

    with verify_action(audit=[A.INVESTIGATION_APPROVED], events=[]):
        actions.approve_investigation_export(export.pk, acting=world.head, note="Seen the grievance letter")
    export.refresh_from_db()
    assert export.status == "approved" and export.approved_by == world.head
    assert export.expires_at == export.approved_at + timedelta(days=DOWNLOAD_DAYS)

    buffer = io.BytesIO()
    with verify_action(audit=[A.INVESTIGATION_DOWNLOADED], events=[]) as captured:
        summary = actions.download_investigation_export(export.pk, acting=world.dpo, target=buffer)
    archive, data = unzip(buffer)
    assert check_bundle(io.BytesIO(buffer.getvalue())) == []
    rows = {row["id"]: row for row in data["messages"]}
    assert set(rows) == {first.pk, regretted.pk} and summary.messages == 2 and summary.attachments == 1
    assert [v["body"] for v in rows[first.pk]["revisions"]] == ["First draft"]
    assert rows[regretted.pk]["body"] == "Something I regret saying" and rows[regretted.pk]["deleted_at"]
    assert data["export"]["history"] is True and data["export"]["reason"] == REASON
    assert [n for n in archive.namelist() if n.startswith("attachments/")]
    html = archive.read("index.html").decode()
    assert "First draft" in html and world.head.name in html and "Not in scope" not in html
    entry = captured.audit[0]
    assert entry.data["messages_json_sha256"] == hashlib.sha256(archive.read("messages.json")).hexdigest()
    assert (entry.data["messages"], entry.data["download"]) == (2, 1)

    # The approver may download it too; each download is counted and audited.
    with verify_action(audit=[A.INVESTIGATION_DOWNLOADED], events=[]):
        actions.download_investigation_export(export.pk, acting=world.head, target=io.BytesIO())
    export.refresh_from_db()
    assert export.downloads == 2


def test_a_refused_export_records_why_and_can_never_be_downloaded(world):
    export = request(world, words=["budget"])
    approver = second_dpo(world)
    with verify_action(audit=[A.INVESTIGATION_REFUSED], events=[]) as captured:
        actions.refuse_investigation_export(export.pk, acting=approver, reason="Too wide for the grievance")
    assert captured.audit[0].reason == "Too wide for the grievance"
    export.refresh_from_db()
    assert (export.status, export.refused_by, export.refusal_reason) == (
        "refused", approver, "Too wide for the grievance")  # fmt: skip
    with verify_refused(PermissionDenied):
        actions.download_investigation_export(export.pk, acting=world.dpo, target=io.BytesIO())
    with verify_refused(Invalid, field="status"):
        actions.approve_investigation_export(export.pk, acting=approver)


# --- scope ----------------------------------------------------------------------------------------------------


@pytest.fixture
def scene(world):
    """Two conversations of the school, and one of the other school, with messages on known days."""
    team = world.group(world.teacher2, world.head, title="Year 9 team")
    office = world.group(world.office, title="Office", by=world.teacher2)
    primary = world.channel(title="Primary staff", by=world.other_teacher)
    day = timezone.make_aware(timezone.datetime(2025, 3, 10, 12, 0))
    sent = {}
    for key, conversation, author, body, when in [
        ("budget", team, world.teacher, "The budget meeting moved", day),
        ("later", team, world.teacher, "Staff party planning", day + timedelta(days=40)),
        ("other", team, world.teacher2, "I agree with @tara", day),
        ("office", office, world.teacher2, "Budgets are due", day + timedelta(days=1)),
        ("primary", primary, world.other_teacher, "Primary budget news", day),
    ]:
        message, _ = messaging.send_message(conversation, acting=author, body=body)
        sent[key] = at(message, when)
    sent["other"].mentions.set([world.teacher])
    edited, _ = messaging.send_message(office, acting=world.teacher2, body="Quarrel with the head")
    messaging.edit_message(edited, acting=world.teacher2, body="Talk to me later")
    sent["edited"] = at(edited, day + timedelta(days=2))
    return {"team": team, "office_chat": office, "primary_chat": primary, **sent}


def found(export) -> set[int]:
    return set(scope_messages(export).values_list("pk", flat=True))


def ids(scene, *keys) -> set[int]:
    return {scene[k].pk for k in keys}


def test_people_scope_takes_what_they_wrote_and_what_mentions_them(world, scene):
    export = request(world, person_ids=[world.teacher.pk])
    assert found(export) == ids(scene, "budget", "later", "other")


def test_conversation_scope_takes_only_those_conversations(world, scene):
    export = request(world, conversation_ids=[scene["office_chat"].pk])
    assert found(export) == ids(scene, "office", "edited")


def test_date_scope_takes_whole_days_inclusive(world, scene):
    export = request(world, date_from=date(2025, 3, 10), date_to=date(2025, 3, 11))
    assert found(export) == ids(scene, "budget", "other", "office", "primary")


def test_words_scope_matches_any_word_by_prefix_and_earlier_versions(world, scene):
    export = request(world, words=["budget", "quarrel"])
    assert found(export) == ids(scene, "budget", "office", "primary", "edited")


def test_scope_parts_narrow_each_other(world, scene):
    export = request(world, person_ids=[world.teacher.pk], conversation_ids=[scene["team"].pk],
                     date_from=date(2025, 3, 1), date_to=date(2025, 3, 31), words=["budget"])  # fmt: skip
    assert found(export) == ids(scene, "budget")


# --- four eyes and expiry -------------------------------------------------------------------------------------


def test_nobody_approves_or_refuses_their_own_request(world):
    export = request(world, words=["budget"])
    with verify_refused(PermissionDenied):
        actions.approve_investigation_export(export.pk, acting=world.dpo)
    with verify_refused(PermissionDenied):
        actions.refuse_investigation_export(export.pk, acting=world.dpo, reason="Changed my mind")


def test_an_export_is_approved_once(world):
    export = request(world, words=["budget"])
    actions.approve_investigation_export(export.pk, acting=second_dpo(world))
    third = factories.person(world.school, Role.DPO, trust_wide=True)
    with verify_refused(Invalid, field="status"):
        actions.approve_investigation_export(export.pk, acting=third)
    with verify_refused(Invalid, field="status"):
        actions.refuse_investigation_export(export.pk, acting=third, reason="Too late")


def test_nothing_is_downloaded_before_approval(world):
    export = request(world, words=["budget"])
    with verify_refused(PermissionDenied):
        actions.download_investigation_export(export.pk, acting=world.dpo, target=io.BytesIO())


def test_only_the_requester_and_the_approver_download(world):
    export = request(world, words=["budget"])
    actions.approve_investigation_export(export.pk, acting=second_dpo(world))
    third = factories.person(world.school, Role.DPO, trust_wide=True)
    with verify_refused(PermissionDenied):
        actions.download_investigation_export(export.pk, acting=third, target=io.BytesIO())


def test_an_approval_lasts_seven_days_then_the_export_expires(world):
    export = request(world, words=["budget"])
    approved_at = timezone.now()
    actions.approve_investigation_export(export.pk, acting=second_dpo(world), now=approved_at)
    last_moment = approved_at + timedelta(days=DOWNLOAD_DAYS) - timedelta(seconds=1)
    with verify_action(audit=[A.INVESTIGATION_DOWNLOADED], events=[]):
        actions.download_investigation_export(export.pk, acting=world.dpo, target=io.BytesIO(), now=last_moment)
    export.refresh_from_db()
    after = approved_at + timedelta(days=DOWNLOAD_DAYS)
    assert export.status_at(after) == "expired" and export.status_at(last_moment) == "approved"
    with verify_refused(PermissionDenied) as refused:
        actions.download_investigation_export(export.pk, acting=world.dpo, target=io.BytesIO(), now=after)
    assert "expired" in refused.value.message


# --- a headteacher's reach ------------------------------------------------------------------------------------


def test_a_headteachers_export_stays_within_their_school(world, scene):
    export = request(world, acting=world.head, words=["budget"])
    assert export.school_id == world.school.pk
    assert found(export) == ids(scene, "budget", "office")  # not the primary school's "Primary budget news"


def test_a_headteacher_cannot_name_another_schools_people_or_conversations(world, scene):
    with verify_refused(NotFound):
        request(world, acting=world.head, person_ids=[world.other_teacher.pk])
    with verify_refused(NotFound):
        request(world, acting=world.head, conversation_ids=[scene["primary_chat"].pk])


def test_a_headteacher_approves_their_schools_exports_only(world, scene):
    primary_head = factories.person(world.other_school, Role.HEADTEACHER)
    of_school = request(world, conversation_ids=[scene["team"].pk])
    of_trust = request(world, words=["budget"])
    assert (of_school.school_id, of_trust.school_id) == (world.school.pk, None)
    with verify_refused(NotFound):
        actions.approve_investigation_export(of_trust.pk, acting=world.head)
    with verify_refused(NotFound):
        actions.approve_investigation_export(of_school.pk, acting=primary_head)
    assert list(investigation_exports(world.head)) == [of_school]
    assert list(investigation_exports(primary_head)) == []


# --- bad input and who may not ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "error", "field"),
    [
        ({"reason": "", "words": ["budget"]}, Invalid, "reason"),
        ({"reason": "   "}, Invalid, "reason"),
        ({}, Invalid, "scope"),
        ({"words": ["   "]}, Invalid, "scope"),
        ({"words": ["!!!"]}, Invalid, "words"),
        ({"date_from": date(2025, 4, 1), "date_to": date(2025, 3, 1)}, Invalid, "to"),
        ({"person_ids": [987654321]}, NotFound, None),
        ({"conversation_ids": [987654321]}, NotFound, None),
    ],
)
def test_bad_requests_are_refused_and_leave_nothing(world, scope, error, field):
    scope.setdefault("reason", REASON)
    with verify_refused(error, field=field):
        actions.request_investigation_export(acting=world.dpo, **scope)


def test_another_organisations_people_and_conversations_cannot_be_named(world):
    theirs = messaging.create_conversation(acting=world.outsider, kind="group", title="Theirs", member_ids=[])
    with verify_refused(NotFound):
        request(world, person_ids=[world.outsider.pk])
    with verify_refused(NotFound):
        request(world, conversation_ids=[theirs.pk])


def test_approving_another_organisations_export_is_not_found(world):
    export = request(world, words=["budget"])
    their_dpo = factories.person(world.outsider.school, Role.DPO, trust_wide=True)
    with verify_refused(NotFound):
        actions.approve_investigation_export(export.pk, acting=their_dpo)
    with verify_refused(NotFound):
        actions.download_investigation_export(export.pk, acting=their_dpo, target=io.BytesIO())


@pytest.mark.parametrize("role", ["admin", "dsl", "teacher", "ta", "office", "governor", "pupil", "external"])
def test_other_roles_neither_request_nor_approve_nor_download(world, role):
    person = getattr(world, role)
    export = request(world, words=["budget"])
    with verify_refused(PermissionDenied):
        request(world, acting=person, words=["budget"])
    with verify_refused(PermissionDenied):
        actions.approve_investigation_export(export.pk, acting=person)
    with verify_refused(PermissionDenied):
        actions.refuse_investigation_export(export.pk, acting=person, reason="No")
    actions.approve_investigation_export(export.pk, acting=second_dpo(world))
    with verify_refused(PermissionDenied):
        actions.download_investigation_export(export.pk, acting=person, target=io.BytesIO())


# --- the API --------------------------------------------------------------------------------------------------


def test_the_api_requests_approves_and_downloads(world):
    chat = world.group(world.head)
    messaging.send_message(chat, acting=world.teacher, body="Meeting notes")
    dpo, head = ApiClient(world.dpo), ApiClient(world.head)
    made = dpo.post("/compliance/exports", {"reason": REASON, "conversation_ids": [chat.pk], "from": "2020-01-01"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "requested" and body["scope"]["from"] == "2020-01-01"
    assert body["scope"]["conversations"] == [{"id": chat.pk, "title": "Year 9 team"}]
    export_id = body["id"]

    one = head.get(f"/compliance/exports/{export_id}").json()
    assert one["message_count"] == 1 and one["may_approve"] is True and "Meeting notes" not in json.dumps(one)
    early = dpo.get(f"/compliance/exports/{export_id}/download")
    assert early.status_code == 403 and error_of(early)["code"] == "forbidden"
    assert error_of(dpo.post(f"/compliance/exports/{export_id}/approve"))["code"] == "forbidden"

    approved = head.post(f"/compliance/exports/{export_id}/approve", {"note": "Agreed"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = head.post(f"/compliance/exports/{export_id}/approve")
    assert again.status_code == 422 and error_of(again)["field"] == "status"

    download = dpo.client.get(f"/api/v1/compliance/exports/{export_id}/download", headers=dpo.headers)
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    data = json.loads(zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).read("messages.json"))
    assert [m["body"] for m in data["messages"]] == ["Meeting notes"]
    listed = dpo.get("/compliance/exports").json()["items"]
    assert [(e["id"], e["downloads"]) for e in listed] == [(export_id, 1)]


def test_the_api_refuses_bad_input_with_4xx_and_writes_nothing(world):
    dpo = ApiClient(world.dpo)
    for payload, status, field in [
        ({"words": ["budget"]}, 422, "reason"),
        ({"reason": REASON}, 422, "scope"),
        ({"reason": REASON, "from": "2025-13-01"}, 422, "from"),
        ({"reason": REASON, "from": "2025-04-01", "to": "2025-03-01"}, 422, "to"),
        ({"reason": REASON, "person_ids": [world.outsider.pk]}, 404, None),
        ({"reason": REASON, "person_ids": ["x"]}, 422, "person_ids.0"),
    ]:
        response = dpo.post("/compliance/exports", payload)
        assert response.status_code == status, (payload, response.content)
        assert error_of(response).get("field") == field, payload
    assert not InvestigationExport.objects.exists()
    refused = AuditEntry.objects.filter(action=A.ACCESS_REFUSED, actor=world.dpo)
    assert refused.count() == 1  # the other organisation's id is kept as a refusal


def test_the_api_refuses_other_roles_and_audits_it(world):
    export = request(world, words=["budget"])
    teacher = ApiClient(world.teacher)
    assert teacher.post("/compliance/exports", {"reason": REASON, "words": ["x"]}).status_code == 403
    assert teacher.get(f"/compliance/exports/{export.pk}").status_code == 403
    assert teacher.post(f"/compliance/exports/{export.pk}/approve").status_code == 403
    assert AuditEntry.objects.filter(action=A.ACCESS_REFUSED, actor=world.teacher).count() == 3
    assert ApiClient(world.outsider).get(f"/compliance/exports/{export.pk}").status_code == 403
    assert ApiClient(None).get("/compliance/exports").status_code == 401


# --- the console ----------------------------------------------------------------------------------------------


def test_the_console_requests_approves_and_downloads_through_the_same_actions(world, client):
    chat = world.group(world.head)
    messaging.send_message(chat, acting=world.teacher, body="Said in the team chat")
    client.force_login(world.dpo)
    page = client.get("/compliance/investigations/")
    assert page.status_code == 200 and b"Ask for an export" in page.content and b"Investigations" in page.content
    posted = client.post("/compliance/investigations/", {"reason": REASON, "conversation_ids": [chat.pk],
                                                          "words": "said\nteam"})  # fmt: skip
    export = InvestigationExport.objects.get()
    assert posted.status_code == 302 and posted["Location"] == f"/compliance/investigations/{export.pk}/"
    assert export.words == ["said", "team"] and export.conversation_ids == [chat.pk]
    detail = client.get(f"/compliance/investigations/{export.pk}/").content.decode()
    assert "Said in the team chat" not in detail and "Your decision" not in detail and REASON in detail
    assert client.get(f"/compliance/investigations/{export.pk}/download").status_code == 403

    client.force_login(world.head)
    detail = client.get(f"/compliance/investigations/{export.pk}/").content.decode()
    assert "Your decision" in detail and "Said in the team chat" not in detail
    assert_no_inline_code(detail)
    assert_no_inline_code(page.content.decode())
    assert client.post(f"/compliance/investigations/{export.pk}/approve", {"note": ""}).status_code == 302
    export.refresh_from_db()
    assert export.status == "approved" and export.approved_by == world.head

    download = client.get(f"/compliance/investigations/{export.pk}/download")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    body = b"".join(download.streaming_content)
    data = json.loads(zipfile.ZipFile(io.BytesIO(body)).read("messages.json"))
    assert [m["body"] for m in data["messages"]] == ["Said in the team chat"]
    entry = AuditEntry.objects.filter(action=A.INVESTIGATION_DOWNLOADED).get()
    assert entry.actor == world.head and entry.channel == "web"


def test_the_console_shows_form_errors_and_writes_nothing(world, client):
    client.force_login(world.dpo)
    response = client.post("/compliance/investigations/", {"reason": REASON, "date_from": "2025-04-01",
                                                             "date_to": "2025-03-01"})  # fmt: skip
    assert response.status_code == 422 and b"The last day is before the first day" in response.content
    response = client.post("/compliance/investigations/", {"reason": REASON})
    assert response.status_code == 422 and b"Say what to export" in response.content
    assert not InvestigationExport.objects.exists()


def test_the_console_is_not_found_for_those_without_investigations(world, client):
    client.force_login(world.teacher)
    assert client.get("/compliance/investigations/").status_code == 404
    client.force_login(world.admin)
    assert client.get("/compliance/investigations/").status_code == 404
    assert b"/compliance/investigations/" not in client.get("/compliance/audit/").content


def test_the_console_offers_investigations_to_the_dpo_and_headteachers(world, client):
    client.force_login(world.dpo)
    assert b'href="/compliance/investigations/"' in client.get("/compliance/audit/").content
    client.force_login(world.head)
    assert b'href="/compliance/investigations/"' in client.get("/admin/").content
    page = client.get("/compliance/investigations/").content.decode()
    assert "Ask for an export" in page and world.other_teacher.name not in page  # another school's people
