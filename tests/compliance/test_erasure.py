"""Erasure requests (UK GDPR Art. 17): the DPO logs a request and decides it. Refusing records why; erasing
anonymises the person and removes what they wrote, their files, their sign-in accounts and the personal fields
of the audit log about them, while `audit verify` still passes. Someone still here, or held, is not erased."""

from datetime import date
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.core.management import call_command
from django.db import connection

from staffroom.accounts import actions as account_actions
from staffroom.accounts.models import ApiToken, Person, RoleAssignment
from staffroom.compliance import actions, erasure
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import AuditEntry, Breach, ErasureRequest
from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.messaging import actions as messaging
from staffroom.messaging.models import Acknowledgement, Attachment, Message, MessageRevision, Reaction
from staffroom.messaging.search import search_messages
from staffroom.scim.models import ScimUser
from tests import factories
from tests.api.conftest import ApiClient, error_of
from tests.verify import verify_action, verify_refused

pytestmark = pytest.mark.django_db

A = AuditAction
TODAY = date(2026, 3, 2)


def _leaver(world, person=None):
    """The subject has left: deactivated, as an erasure requires."""
    person = person or world.teacher
    account_actions.deactivate_person(person, acting=world.admin, reason="Left at Easter")
    person.refresh_from_db()
    return person


def _request(world, subject, reason="Asked by letter to be forgotten"):
    return actions.request_erasure(subject.pk, acting=world.dpo, reason=reason, today=TODAY)


def _files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def history(world):
    """Tara Teacher's traces: messages (one edited, one with a file, one replied to), a reaction, an
    acknowledgement, a mention by a colleague, a single sign-on account, an authenticator, a token, the
    directory's SCIM record, a roster identifier and a lost phone she reported. Then she leaves."""
    subject = world.teacher
    group = world.group(world.teacher2, title="Geography")
    first, _ = messaging.send_message(group, acting=subject, body="The zebrafish field trip is on Friday")
    messaging.edit_message(first, acting=subject, body="The zebrafish field trip is on Thursday")
    upload = messaging.store_upload(acting=subject, data=b"risk assessment", filename="risk.txt")
    with_file, _ = messaging.send_message(group, acting=subject, body="Risk form", attachment_ids=[str(upload.id)])
    reply, _ = messaging.send_message(group, acting=world.teacher2, body="Thanks @tara-teacher", reply_to_id=first.pk)
    messaging.react(reply, "👍", acting=subject)
    notices = world.announcement(subject, world.teacher2)
    notice, _ = messaging.send_message(notices, acting=world.head, body="Fire drill at 10")
    messaging.acknowledge(notice, acting=subject)
    SocialAccount.objects.create(user=subject, provider="openid_connect", uid="entra-123", extra_data={"email": "t@x"})
    factories.authenticator_app(subject)
    account_actions.create_token(subject, acting=subject, label="phone")
    ScimUser.objects.create(person=subject, organisation=world.org, user_name="tara@school.example", external_id="e-1")
    Person.objects.filter(pk=subject.pk).update(roster_id="roster-tara")
    EmailAddress.objects.create(user=subject, email=subject.email, verified=True, primary=True)
    actions.report_lost_device(acting=subject, note="Phone left on the bus")
    _leaver(world, subject)
    return {"group": group, "first": first, "with_file": with_file, "reply": reply, "upload": upload}


# --- erasing ----------------------------------------------------------------------------------------------


def test_erasing_removes_what_it_says_and_the_audit_chain_still_verifies(world, history, settings):
    subject = world.teacher
    old_name, old_email = subject.name, subject.email
    assert _files(settings)
    request = _request(world, subject)
    preview = erasure.what_would_be_erased(subject)
    with verify_action(audit=[A.AUDIT_REDACTED, A.ERASURE_DECIDED], events=[]) as captured:
        actions.decide_erasure(request.pk, acting=world.dpo, decision="erase", reason="No exception applies")

    subject.refresh_from_db()
    assert subject.name == "Erased person" and subject.email.endswith("@erased.invalid")
    assert not subject.is_active and not subject.has_usable_password() and subject.roster_id == ""
    assert subject.handle == f"erased-{subject.pk}"
    assert not RoleAssignment.objects.filter(person=subject).exists()

    # What she wrote: the rows stay in the thread, blank and marked; versions, files and traces go.
    first, reply = Message.objects.get(pk=history["first"].pk), Message.objects.get(pk=history["reply"].pk)
    assert (first.body, first.html) == ("", "") and first.erased_at and first.deleted_at
    assert reply.reply_to_id == first.pk and reply.body == "Thanks @tara-teacher"  # others' words stay theirs
    assert not MessageRevision.objects.filter(message__author=subject).exists()
    assert not Attachment.objects.filter(uploaded_by=subject).exists() and _files(settings) == []
    assert not Reaction.objects.filter(person=subject).exists()
    assert not Acknowledgement.objects.filter(person=subject).exists()
    assert not subject.mentioned_in.exists()
    assert search_messages(world.teacher2, "zebrafish") == []
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid FROM messaging_message_fts WHERE messaging_message_fts MATCH 'zebrafish'")
            assert cursor.fetchall() == []

    # How she signed in.
    for model in (SocialAccount, Authenticator, EmailAddress):
        assert not model.objects.filter(user=subject).exists(), model
    assert not ApiToken.objects.filter(person=subject).exists()
    assert not ScimUser.objects.filter(person=subject).exists()

    # The audit log: nothing readable about her is left, the chain verifies (verify_action checked), counts only.
    about = AuditEntry.objects.filter(actor=subject) | AuditEntry.objects.filter(target_id=str(subject.pk))
    assert about.exists() and all(e.redacted_at and not e.actor_label for e in about)
    for field in ("actor_label", "target_label", "reason"):
        assert not AuditEntry.objects.filter(**{f"{field}__icontains": old_name}).exists(), field
        assert not AuditEntry.objects.filter(**{f"{field}__icontains": old_email}).exists(), field
    assert AuditEntry.objects.filter(actor=world.teacher2, redacted_at__isnull=True).exists()  # others untouched
    decided = captured.audit[-1]
    assert decided.data["erased"] == {**decided.data["erased"], "messages": 2, "attachments": 1, "files": 1}
    assert decided.data["erased"]["sign_in_accounts"] == 1 and decided.data["erased"]["scim_records"] == 1
    assert old_name not in str(decided.data)
    assert {key: decided.data["erased"][key] for key in preview} == preview  # the confirmation step told the truth
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "TAMPERED" not in out.getvalue() and "chain intact" in out.getvalue()

    request.refresh_from_db()
    assert request.status == "erased" and request.erased == decided.data["erased"]
    # The breach register is kept (Art. 33(5)), without her name in a lost device's title.
    assert Breach.objects.get(person=subject).title == "Lost or stolen device reported by Erased person"


def test_refusing_records_the_decision_and_erases_nothing(world, history):
    subject = world.teacher
    request = _request(world, subject)
    with verify_action(audit=[A.ERASURE_DECIDED], events=[]) as captured:
        actions.decide_erasure(request.pk, acting=world.dpo, decision="refuse", reason="Needed for a tribunal claim")
    request.refresh_from_db()
    assert (request.status, request.decision, request.decided_by) == ("refused", "refuse", world.dpo)
    assert request.decision_reason == "Needed for a tribunal claim" and request.erased == {}
    assert captured.audit[0].data["decision"] == "refuse"
    subject.refresh_from_db()
    assert subject.name == "Tara Teacher" and Message.objects.get(pk=history["first"].pk).body


def test_someone_still_here_is_not_erased(world):
    request = _request(world, world.teacher)
    assert erasure.reasons_to_refuse(world.teacher)
    with verify_refused(Invalid, field="decision") as refused:
        actions.decide_erasure(request.pk, acting=world.dpo, decision="erase", reason="Asked")
    assert "Deactivate them first" in refused.value.message


@pytest.mark.parametrize("seam", ["_held", "_safeguarding_concerns"])
def test_a_legal_hold_or_a_safeguarding_concern_stops_an_erasure(world, monkeypatch, seam):
    subject = _leaver(world)
    request = _request(world, subject)
    assert erasure.reasons_to_refuse(subject) == []
    monkeypatch.setattr(erasure, seam, lambda person: True)
    (reason,) = erasure.reasons_to_refuse(subject)
    assert ("legal hold" if seam == "_held" else "safeguarding") in reason
    with verify_refused(Invalid, field="decision"):
        actions.decide_erasure(request.pk, acting=world.dpo, decision="erase", reason="Asked")


def test_a_real_legal_hold_on_the_subject_stops_their_erasure_until_it_is_released(world):
    subject = _leaver(world)
    request = _request(world, subject)
    hold = actions.place_hold(acting=world.dpo, reason="Employment tribunal claim", person_ids=[subject.pk])
    (reason,) = erasure.reasons_to_refuse(subject)
    assert "legal hold" in reason
    with verify_refused(Invalid, field="decision"):
        actions.decide_erasure(request.pk, acting=world.dpo, decision="erase", reason="Asked")
    actions.release_hold(hold.pk, acting=world.dpo, reason="Claim settled")
    assert erasure.reasons_to_refuse(subject) == []
    assert actions.decide_erasure(request.pk, acting=world.dpo, decision="erase", reason="Asked").status == "erased"


# --- logging a request, and bad input -----------------------------------------------------------------------


def test_the_dpo_logs_a_request(world):
    with verify_action(audit=[A.ERASURE_REQUESTED], events=[]) as captured:
        request = actions.request_erasure(
            world.pupil.pk, acting=world.dpo, reason="Parent's letter", received_on=date(2026, 2, 27), today=TODAY
        )
    assert (request.subject, request.status, request.received_on) == (world.pupil, "open", date(2026, 2, 27))
    assert captured.audit[0].data == {"request_id": request.pk, "subject_id": world.pupil.pk,
                                      "received_on": "2026-02-27"}  # fmt: skip


def test_a_request_needs_a_reason_a_known_subject_and_no_open_twin(world):
    with verify_refused(Invalid, field="reason"):
        actions.request_erasure(world.teacher.pk, acting=world.dpo, reason="  ", today=TODAY)
    with verify_refused(Invalid, field="received_on"):
        actions.request_erasure(
            world.teacher.pk, acting=world.dpo, reason="R", received_on=date(2026, 3, 3), today=TODAY
        )
    for unknown in (world.outsider.pk, 987654):
        with verify_refused(NotFound):
            actions.request_erasure(unknown, acting=world.dpo, reason="Asked", today=TODAY)
    _request(world, world.teacher)
    with verify_refused(Invalid, field="subject_id"):
        _request(world, world.teacher)


def test_a_decision_needs_a_reason_a_choice_and_is_made_once(world):
    subject = _leaver(world)
    request = _request(world, subject)
    with verify_refused(Invalid, field="reason"):
        actions.decide_erasure(request.pk, acting=world.dpo, decision="refuse", reason="")
    with verify_refused(Invalid, field="decision"):
        actions.decide_erasure(request.pk, acting=world.dpo, decision="forget", reason="Asked")
    actions.decide_erasure(request.pk, acting=world.dpo, decision="erase", reason="Asked")
    with verify_refused(Invalid, field="decision"):
        actions.decide_erasure(request.pk, acting=world.dpo, decision="refuse", reason="Changed my mind")
    with verify_refused(Invalid, field="subject_id"):  # erased already: nothing left to ask about
        _request(world, subject)


def test_another_organisation_s_request_is_not_found(world):
    request = _request(world, world.teacher)
    their_dpo = factories.person(world.outsider.school, "dpo", trust_wide=True)
    with verify_refused(NotFound):
        actions.decide_erasure(request.pk, acting=their_dpo, decision="refuse", reason="x")


@pytest.mark.parametrize("who", ["admin", "head", "dsl", "teacher2", "ta", "office", "governor", "pupil", "external"])
def test_only_the_dpo_handles_erasure_requests(world, who):
    request = _request(world, _leaver(world))
    with verify_refused(PermissionDenied):
        actions.request_erasure(world.teacher2.pk, acting=getattr(world, who), reason="Asked", today=TODAY)
    with verify_refused(PermissionDenied):
        actions.decide_erasure(request.pk, acting=getattr(world, who), decision="refuse", reason="R")


# --- the API and the console reach the same actions ---------------------------------------------------------


def test_the_api_logs_lists_and_decides(world, history):
    dpo = ApiClient(world.dpo)
    made = dpo.post("/compliance/erasures", {"subject_id": world.teacher.pk, "reason": "Email of 1 March"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["subject"] == {"id": world.teacher.pk, "name": "Tara Teacher"} and body["status"] == "open"
    assert body["reasons_to_refuse"] == []
    assert dpo.get("/compliance/erasures").json()["items"][0]["id"] == body["id"]
    decided = dpo.post(f"/compliance/erasures/{body['id']}/decide", {"decision": "erase", "reason": "None applies"})
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "erased" and decided.json()["subject"]["name"] == "Erased person"
    assert decided.json()["erased"]["messages"] == 2
    assert dpo.get(f"/compliance/erasures/{body['id']}").json()["decision"] == "erase"
    entry = AuditEntry.objects.get(action=A.ERASURE_DECIDED)
    assert entry.channel == "api"
    again = dpo.post(f"/compliance/erasures/{body['id']}/decide", {"decision": "refuse", "reason": "x"})
    assert again.status_code == 422 and error_of(again)["field"] == "decision"


def test_the_api_refuses_clearly_and_writes_nothing(world):
    dpo = ApiClient(world.dpo)
    missing = dpo.post("/compliance/erasures", {"subject_id": world.teacher.pk, "reason": ""})
    assert missing.status_code == 422 and error_of(missing)["field"] == "reason"
    assert dpo.post("/compliance/erasures", {"subject_id": world.teacher.pk}).status_code == 422
    elsewhere = dpo.post("/compliance/erasures", {"subject_id": world.outsider.pk, "reason": "Asked"})
    assert elsewhere.status_code == 404
    assert AuditEntry.objects.filter(action=A.ACCESS_REFUSED, actor=world.dpo).count() == 1
    made = dpo.post("/compliance/erasures", {"subject_id": world.teacher.pk, "reason": "Asked"}).json()
    active = dpo.post(f"/compliance/erasures/{made['id']}/decide", {"decision": "erase", "reason": "Asked"})
    assert active.status_code == 422 and "Deactivate them first" in error_of(active)["message"]
    assert dpo.get("/compliance/erasures/987654").status_code == 404
    assert not ErasureRequest.objects.exclude(status="open").exists()
    for who in (world.admin, world.head, world.teacher2):
        client = ApiClient(who)
        assert client.get("/compliance/erasures").status_code == 403
        assert client.post("/compliance/erasures", {"subject_id": world.teacher.pk, "reason": "x"}).status_code == 403
        assert (
            client.post(f"/compliance/erasures/{made['id']}/decide", {"decision": "refuse", "reason": "x"}).status_code
            == 403
        )
    assert ErasureRequest.objects.count() == 1


def test_the_console_finds_logs_confirms_and_erases(world, history, client):
    client.force_login(world.dpo)
    page = client.get("/compliance/erasures/", {"q": "tara"})
    assert page.status_code == 200 and "Tara Teacher" in page.content.decode()
    logged = client.post(
        "/compliance/erasures/", {"subject_id": world.teacher.pk, "reason": "Letter", "received_on": "2026-03-01"}
    )
    request = ErasureRequest.objects.get()
    assert logged.status_code == 302 and logged["Location"] == f"/compliance/erasures/{request.pk}/"
    shown = client.get(f"/compliance/erasures/{request.pk}/").content.decode()
    assert "Nothing stands in the way" in shown
    asked = client.post(f"/compliance/erasures/{request.pk}/", {"decision": "erase", "reason": "None applies"})
    assert asked.status_code == 200 and "Erase everything listed" in asked.content.decode()
    request.refresh_from_db()
    assert request.status == "open"  # not until confirmed
    done = client.post(
        f"/compliance/erasures/{request.pk}/", {"decision": "erase", "reason": "None applies", "confirmed": "yes"}
    )
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == "erased" and request.subject.name == "Erased person"
    assert AuditEntry.objects.get(action=A.ERASURE_DECIDED).channel == "web"
    assert "Erased person" in client.get("/compliance/erasures/").content.decode()
    client.force_login(world.teacher2)
    thread = client.get(f"/c/{history['group'].pk}/").content.decode()
    assert "This message was erased at its author" in thread and "zebrafish" not in thread
    # A colleague's words are theirs and are not rewritten, even where they name her (docs/records.md).
    assert f'Thanks <span class="mention" data-person-id="{world.teacher.pk}">@Tara Teacher</span>' in thread


def test_the_console_shows_why_not_and_is_for_the_dpo_alone(world, client):
    request = _request(world, world.teacher)
    client.force_login(world.dpo)
    shown = client.get(f"/compliance/erasures/{request.pk}/").content.decode()
    assert "Deactivate them first" in shown
    refused = client.post(
        f"/compliance/erasures/{request.pk}/", {"decision": "erase", "reason": "x", "confirmed": "yes"}
    )
    assert refused.status_code == 422 and "Deactivate them first" in refused.content.decode()
    missing = client.post("/compliance/erasures/", {"subject_id": world.teacher2.pk, "reason": ""})
    assert missing.status_code == 422
    assert ErasureRequest.objects.count() == 1
    for who in (world.admin, world.head, world.teacher2):
        client.force_login(who)
        assert client.get("/compliance/erasures/").status_code == 404
        assert client.get(f"/compliance/erasures/{request.pk}/").status_code == 404


def test_an_outsider_s_request_and_the_entries_naming_them_are_cleared_whatever_the_alphabet(world):
    group = world.group(world.teacher2, title="Speech therapy")
    asked = messaging.request_external(
        acting=world.teacher, name="Zoë Ødegård", email="zoe@nhs.example", organisation_name="NHS",
        reason="Sessions for Zoë's caseload", conversation_ids=[group.pk],
    )  # fmt: skip
    outsider = messaging.approve_external(asked.pk, acting=world.dpo, reason="DBS seen")
    _leaver(world, outsider)
    request = _request(world, outsider)
    actions.decide_erasure(request.pk, acting=world.dpo, decision="erase", reason="Contract over")
    asked.refresh_from_db()
    assert (asked.name, asked.email) == ("Erased person", Person.objects.get(pk=outsider.pk).email)
    requested = AuditEntry.objects.get(action=A.EXTERNAL_REQUESTED)  # by a teacher, about her: named in details
    assert requested.redacted_at and requested.details == {} and requested.actor_id == world.teacher.pk
    for entry in AuditEntry.objects.all():
        assert "Ødegård" not in str(entry.details) + entry.reason + entry.target_label + entry.actor_label


def test_a_safeguarding_concern_on_their_messages_stops_an_erasure(world):
    from staffroom.safeguarding.models import Concern

    message, _ = messaging.send_message(world.group(world.teacher2), acting=world.teacher, body="See me after")
    subject = _leaver(world)
    request = _request(world, subject)
    assert erasure.reasons_to_refuse(subject) == []
    Concern.objects.create(organisation=world.org, message=message, category="bullying", source="report",
                           raised_by=world.teacher2)  # fmt: skip
    (reason,) = erasure.reasons_to_refuse(subject)
    assert "safeguarding" in reason
    with verify_refused(Invalid, field="decision"):
        actions.decide_erasure(request.pk, acting=world.dpo, decision="erase", reason="Asked")
