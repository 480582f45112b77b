"""The safeguarding checks on the send path: nudge (409, then confirmed), block (422), raise (a concern with
the message), warn the DPO, and a failing detector (docs/safeguarding.md "Policies and the send path")."""

from __future__ import annotations

import pytest

from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import AuditEntry
from staffroom.errors import Blocked, ChecksUnavailable, ConfirmRequired
from staffroom.messaging import actions
from staffroom.messaging.models import Message
from staffroom.safeguarding import actions as sg_actions
from staffroom.safeguarding import detectors
from staffroom.safeguarding.models import Concern
from staffroom.safeguarding.signals import concern_raised
from tests.api.conftest import error_of
from tests.verify import verify_action, verify_refused

pytestmark = pytest.mark.django_db
A = AuditAction

NHS = "Her NHS number is 943 476 5919, for the trip form."
SELF_HARM = "I want to kill myself"
CP = "Pupil One is on a CP plan"


@pytest.fixture
def heard():
    got: list[Concern] = []

    def listener(sender, concern, **kwargs):
        got.append(concern)

    concern_raised.connect(listener)
    yield got
    concern_raised.disconnect(listener)


def _path(conversation):
    return f"/conversations/{conversation.pk}/messages"


# --- nudge ------------------------------------------------------------------------------------------------


def test_a_pupil_identifier_in_a_staff_conversation_nudges_then_goes_through_when_confirmed(world, as_person):
    staff = world.channel(world.teacher2)
    api = as_person(world.teacher)
    response = api.post(_path(staff), {"body": NHS})
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "confirm_required"
    assert error["findings"] == [
        {"kind": "nhs_number", "label": "an NHS number", "start": 18, "end": 30, "severity": "high"}
    ]
    assert "943" not in response.content.decode()  # the matched text is never echoed
    assert not Message.objects.filter(conversation=staff).exists()

    response = api.post(_path(staff), {"body": NHS, "confirmed": True})
    assert response.status_code == 201
    sent = AuditEntry.objects.filter(action=A.MESSAGE_SENT).latest("pk")
    assert sent.data["confirmed"] == ["nhs_number"]
    assert not Concern.objects.exists()


def test_a_nudge_leaves_nothing_behind(world):
    staff = world.channel(world.teacher2)
    with verify_refused(ConfirmRequired) as raised:
        actions.send_message(staff, acting=world.teacher, body=NHS)
    assert raised.value.findings[0]["kind"] == "nhs_number"


def test_a_confirmed_nudge_is_posted_with_what_was_confirmed(world):
    staff = world.channel(world.teacher2)
    with verify_action(audit=[A.MESSAGE_SENT], events=["message.new"]) as captured:
        actions.send_message(staff, acting=world.teacher, body=NHS, confirmed=True)
    assert captured.audit[0].data["confirmed"] == ["nhs_number"]


def test_ordinary_messages_pass_without_a_nudge(world):
    staff = world.channel(world.teacher2)
    message, created = actions.send_message(staff, acting=world.teacher, body="Lunch at 12 in the hall?")
    assert created and message.pk


# --- block ------------------------------------------------------------------------------------------------


def test_child_protection_status_is_blocked_in_a_class_channel_and_nothing_is_written(world, as_person):
    klass = world.class_channel(world.pupil, world.pupil2)
    before = Message.objects.count()
    response = as_person(world.teacher).post(_path(klass), {"body": CP, "confirmed": True})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "blocked"
    assert {f["kind"] for f in error["findings"]} == {"child_protection"}
    assert "CP plan" not in error["message"]
    assert Message.objects.count() == before
    assert not Concern.objects.exists()


def test_a_block_leaves_nothing_behind(world):
    klass = world.class_channel(world.pupil)
    with verify_refused(Blocked, field="body"):
        actions.send_message(klass, acting=world.teacher, body=CP, confirmed=True)


# --- raise ------------------------------------------------------------------------------------------------


def test_a_concern_in_a_pupils_message_is_posted_and_raises_exactly_one_concern(world, heard, no_alerts):
    klass = world.class_channel(world.pupil, world.pupil2)
    with verify_action(audit=[A.MESSAGE_SENT, A.CONCERN_RAISED], events=["message.new"]):
        message, _ = actions.send_message(klass, acting=world.pupil, body=SELF_HARM)
    (concern,) = Concern.objects.all()
    assert concern.message == message
    assert concern.about == world.pupil
    assert concern.school == world.school and concern.conversation == klass
    assert concern.organisation == world.org
    assert (concern.source, concern.category, concern.severity, concern.status) == (
        "detector", "self_harm", "high", "open"
    )  # fmt: skip
    assert concern.findings and all("text" not in f for f in concern.findings)
    assert "kill" not in str(concern.findings)
    assert heard == [concern]


def test_the_signal_waits_for_the_commit(world, heard, django_capture_on_commit_callbacks):
    klass = world.class_channel(world.pupil)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.send_message(klass, acting=world.pupil, body=SELF_HARM)
    assert heard == []
    for callback in callbacks:
        callback()
    assert len(heard) == 1


def test_the_api_posts_a_raised_message_with_201(world, as_person):
    klass = world.class_channel(world.pupil)
    response = as_person(world.pupil).post(_path(klass), {"body": "he said send him pics and not tell anyone"})
    assert response.status_code == 201
    assert Concern.objects.get().category == "grooming"


# --- warn the DPO -----------------------------------------------------------------------------------------


def test_warn_dpo_posts_and_leaves_an_audit_entry_for_the_dpo(world, client):
    sg_actions.change_policy(
        world.school, acting=world.dsl,
        rules=[{"detector": "nhs_number", "conversation_kind": "channel", "sender": "staff", "outcome": "warn_dpo"}],
    )  # fmt: skip
    staff = world.channel(world.teacher2)
    with verify_action(audit=[A.MESSAGE_SENT, A.SAFEGUARDING_DPO_WARNED], events=["message.new"]) as captured:
        actions.send_message(staff, acting=world.teacher, body=NHS)
    assert captured.audit[1].data == {"kinds": ["nhs_number"]}
    assert not Concern.objects.exists()
    # The DPO sees the count on the policy page, with the way to the entries.
    client.force_login(world.dpo)
    page = client.get("/safeguarding/policy").content.decode()
    assert "In the last 7 days, 1 message was posted with findings the policy tells the DPO about." in page
    assert "?action=safeguarding.dpo_warned" in page


def test_allow_posts_without_asking(world):
    sg_actions.change_policy(
        world.school, acting=world.dpo,
        rules=[{"detector": "nhs_number", "conversation_kind": "channel", "sender": "staff", "outcome": "allow"}],
    )  # fmt: skip
    staff = world.channel(world.teacher2)
    _message, created = actions.send_message(staff, acting=world.teacher, body=NHS)
    assert created


# --- a detector that fails --------------------------------------------------------------------------------


def _broken(monkeypatch):
    def boom(text, roster=None):
        raise RuntimeError(f"bug while reading {text}")

    monkeypatch.setattr(detectors, "scan", boom)


def test_a_failing_scan_posts_the_message_and_raises_a_concern_for_the_dsl(world, monkeypatch, caplog, heard):
    _broken(monkeypatch)
    klass = world.class_channel(world.pupil)
    with verify_action(audit=[A.MESSAGE_SENT, A.CONCERN_RAISED], events=["message.new"]):
        message, created = actions.send_message(klass, acting=world.pupil, body=SELF_HARM)
    assert created
    concern = Concern.objects.get()
    assert (concern.message, concern.category, concern.severity) == (message, "other", "medium")
    assert concern.findings[0]["kind"] == "scan_failed"
    assert heard == [concern]
    assert "RuntimeError" in caplog.text and "kill" not in caplog.text  # logged, without the content


def test_a_failing_scan_never_lets_a_blockable_message_through(world, monkeypatch):
    """Staff in a class channel: the policy could block there, so nothing is sent and the text stays with the
    sender (503, try again) rather than risk posting what would have been blocked."""
    _broken(monkeypatch)
    klass = world.class_channel(world.pupil)
    with verify_refused(ChecksUnavailable):
        actions.send_message(klass, acting=world.teacher, body=CP)


def test_a_failing_scan_answers_503_with_retry_after_through_the_api(world, monkeypatch, as_person):
    _broken(monkeypatch)
    klass = world.class_channel(world.pupil)
    response = as_person(world.teacher).post(_path(klass), {"body": CP})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "checks_unavailable"
    assert response["Retry-After"] == "5"


def test_a_resend_with_the_same_client_id_is_not_scanned_twice(world):
    klass = world.class_channel(world.pupil)
    first, created = actions.send_message(klass, acting=world.pupil, body=SELF_HARM, client_id="abc")
    again, created_again = actions.send_message(klass, acting=world.pupil, body=SELF_HARM, client_id="abc")
    assert created and not created_again and first.pk == again.pk
    assert Concern.objects.count() == 1


# --- the web composer -------------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_the_composer_shows_the_nudge_keeps_the_text_and_sends_anyway(world, client, htmx):
    from tests.web.conftest import HTMX, assert_no_inline_code

    staff = world.channel(world.teacher2)
    client.force_login(world.teacher)
    extra = HTMX if htmx else {}
    page = client.post(f"/c/{staff.pk}/send", {"body": NHS, "client_id": "n1"}, **extra)
    assert page.status_code == 422
    html = page.content.decode()
    assert_no_inline_code(html)
    assert 'role="alert"' in html and 'id="composer-nudge"' in html and "autofocus" in html
    assert "Please check before sending" in html
    assert "An NHS number (high), characters 19 to 30 of your message" in html
    assert '<button type="submit" name="confirmed" value="1">Send anyway</button>' in html
    assert NHS in html  # kept in the textarea for editing
    assert not Message.objects.filter(conversation=staff).exists()

    sent = client.post(f"/c/{staff.pk}/send", {"body": NHS, "client_id": "n1", "confirmed": "1"}, **extra)
    assert sent.status_code in (200, 302)
    assert Message.objects.filter(conversation=staff).count() == 1


def test_the_composer_shows_a_block_beside_the_text(world, client):
    klass = world.class_channel(world.pupil)
    client.force_login(world.teacher)
    page = client.post(f"/c/{klass.pk}/send", {"body": CP, "client_id": "b1", "confirmed": "1"})
    assert page.status_code == 422
    assert "the school&#x27;s policy does not allow child protection status" in page.content.decode()
    assert not Message.objects.filter(conversation=klass).exists()


# --- edits ------------------------------------------------------------------------------------------------


def test_an_edit_cannot_bring_in_what_a_send_would_block(world):
    klass = world.class_channel(world.pupil)
    message, _ = actions.send_message(klass, acting=world.teacher, body="Homework is on page 42")
    with verify_refused(Blocked, field="body"):
        actions.edit_message(message, acting=world.teacher, body=CP)


def test_an_edit_raises_a_concern_where_a_send_would(world, no_alerts):
    klass = world.class_channel(world.pupil)
    message, _ = actions.send_message(klass, acting=world.pupil, body="ok")
    with verify_action(audit=[A.MESSAGE_EDITED, A.CONCERN_RAISED], events=["message.edited"]):
        actions.edit_message(message, acting=world.pupil, body=SELF_HARM)
    assert Concern.objects.get().message == message


def test_an_edit_is_not_held_by_a_nudge(world):
    staff = world.channel(world.teacher2)
    message, _ = actions.send_message(staff, acting=world.teacher, body="The trip form is ready")
    edited = actions.edit_message(message, acting=world.teacher, body=NHS)
    assert edited.body == NHS
