"""A pupil's photo with faces is held for review (the school's policy "hold", the default for pupils): posted and
kept, shown only to its sender and to those who may check it until one of them releases or removes it."""

from __future__ import annotations

import pytest
from django.test import Client

from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.messaging import actions as messaging
from staffroom.messaging import queries as messaging_queries
from staffroom.messaging.models import Attachment, Message
from staffroom.messaging.payloads import message_payload
from staffroom.safeguarding import actions
from staffroom.safeguarding.models import Concern
from staffroom.safeguarding.policy import HOLD, PHOTO_FACES, Policy, default_outcome
from staffroom.web import sidebar
from tests.api.conftest import ApiClient, error_of
from tests.safeguarding.faces import photo_from
from tests.verify import verify_action, verify_refused, verify_unchanged

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_picture_has_a_face")]
A = AuditAction


def held(world) -> tuple[Message, Attachment]:
    """A pupil's photo sent in the class channel (Tara Teacher runs it; Pupil Two is in it too)."""
    channel = world.class_channel(world.pupil, world.pupil2, world.ta)
    photo = photo_from(world.pupil)
    message, _ = messaging.send_message(channel, acting=world.pupil, body="", attachment_ids=[str(photo.pk)])
    photo.refresh_from_db()
    return message, photo


def fetch(person, photo: Attachment) -> int:
    client = Client()
    client.force_login(person)
    return client.get(f"/files/{photo.pk}/").status_code


# --- the policy -------------------------------------------------------------------------------------------


def test_hold_is_the_default_for_a_pupil_s_photo_and_staff_keep_consent_and_flagging():
    assert default_outcome(PHOTO_FACES, "class", "pupil") == HOLD
    assert default_outcome(PHOTO_FACES, "group", "pupil") == "block"  # only class channels hold: HOLD_KINDS
    assert default_outcome(PHOTO_FACES, "class", "staff") == "raise"
    assert default_outcome(PHOTO_FACES, "channel", "staff") == "nudge"
    rows = [r for r in Policy().table() if r["detector"] == PHOTO_FACES]
    assert len(rows) == 10 and {r["group"] for r in rows} == {"photo"}


def test_hold_can_be_chosen_only_for_photos(world):
    with verify_refused(Invalid, field="rules.0.outcome"):
        actions.change_policy(
            world.school, acting=world.dsl,
            rules=[{"detector": "postcode", "conversation_kind": "class", "sender": "pupil", "outcome": "hold"}],
        )  # fmt: skip
    policy = actions.change_policy(
        world.school, acting=world.dsl,
        rules=[{"detector": PHOTO_FACES, "conversation_kind": "class", "sender": "pupil", "outcome": "raise"}],
    )  # fmt: skip
    assert policy.outcome(PHOTO_FACES, "class", "pupil") == "raise"


def test_a_school_that_only_flags_posts_the_photo_unheld(world, no_alerts):
    actions.change_policy(
        world.school, acting=world.dsl,
        rules=[{"detector": PHOTO_FACES, "conversation_kind": "class", "sender": "pupil", "outcome": "raise"}],
    )  # fmt: skip
    message, photo = held(world)
    assert not photo.held and Concern.objects.get().message == message
    assert fetch(world.pupil2, photo) == 200


def test_the_policy_page_offers_hold_on_the_photo_row_only(world):
    client = Client()
    client.force_login(world.dsl)
    html = client.get("/safeguarding/policy").content.decode()
    photo_row = html.split(f'id="cell-{PHOTO_FACES}-class-pupil"')[1].split("</select>")[0]
    assert 'value="hold" selected' in photo_row
    text_row = html.split('id="cell-postcode-class-pupil"')[1].split("</select>")[0]
    assert 'value="hold"' not in text_row


# --- sending ----------------------------------------------------------------------------------------------


def test_a_pupil_s_photo_is_stored_held_and_flagged(world, no_alerts):
    channel = world.class_channel(world.pupil, world.pupil2)
    photo = photo_from(world.pupil)
    with verify_action(audit=[A.MESSAGE_SENT], events=["message.new"]) as captured:
        message, _ = messaging.send_message(channel, acting=world.pupil, body="", attachment_ids=[str(photo.pk)])
    photo.refresh_from_db()
    assert captured.audit[0].data["photo_held"] == [str(photo.pk)]
    assert "photo_consent_confirmed" not in captured.audit[0].data
    assert photo.held and photo.held_at is not None and photo.message == message
    assert Concern.objects.get().category == "photo"
    shape = message_payload(messaging_queries.get_message(world.pupil2, message.pk))
    assert shape["attachments"][0]["held"] is True and shape["attachments"][0]["removed"] is False
    assert captured.events[0].payload["message"]["attachments"][0]["held"] is True


def test_a_held_photo_answers_only_its_sender_and_those_who_check_it(world, no_alerts):
    _, photo = held(world)
    assert fetch(world.pupil, photo) == 200  # the sender
    assert fetch(world.teacher, photo) == 200  # runs the class channel
    assert fetch(world.dsl, photo) == 200  # oversees it
    assert fetch(world.pupil2, photo) == 404  # an ordinary member
    assert fetch(world.ta, photo) == 404  # a member of staff in it who does not run it
    assert fetch(world.other_teacher, photo) == 404


# --- releasing and removing -------------------------------------------------------------------------------


def test_the_teacher_in_charge_releases_it_and_open_pages_hear(world, no_alerts):
    _, photo = held(world)
    with verify_action(audit=[A.CONCERN_STATUS_CHANGED, A.PHOTO_RELEASED], events=["message.edited"]) as captured:
        actions.release_photo(str(photo.pk), acting=world.teacher)
    assert captured.events[0].payload["message"]["attachments"][0]["held"] is False
    assert captured.audit[1].data["attachment"] == str(photo.pk)
    assert fetch(world.pupil2, photo) == 200
    with verify_unchanged():
        actions.release_photo(str(photo.pk), acting=world.dsl)  # done already: nothing changes


def test_the_dsl_removes_it_and_it_answers_only_reviewers(world, no_alerts):
    _, photo = held(world)
    with verify_action(audit=[A.CONCERN_STATUS_CHANGED, A.PHOTO_REMOVED], events=["message.edited"]):
        actions.remove_photo(str(photo.pk), acting=world.dsl)
    photo.refresh_from_db()
    assert photo.removed and not photo.held and photo.reviewed_by == world.dsl
    assert fetch(world.pupil2, photo) == 404 and fetch(world.pupil, photo) == 404
    assert fetch(world.teacher, photo) == 200
    with verify_refused(Invalid, field="attachment"):
        actions.release_photo(str(photo.pk), acting=world.teacher)


@pytest.mark.parametrize("who", ["pupil", "pupil2", "ta"])
def test_members_who_do_not_run_the_conversation_cannot_release(world, no_alerts, who):
    _, photo = held(world)
    with verify_refused(PermissionDenied):
        actions.release_photo(str(photo.pk), acting=getattr(world, who))


@pytest.mark.parametrize("who", ["other_teacher", "teacher2", "outsider", "head"])
def test_anyone_who_cannot_see_the_message_gets_not_found(world, no_alerts, who):
    _, photo = held(world)
    with verify_refused(NotFound):
        actions.remove_photo(str(photo.pk), acting=getattr(world, who))


def test_a_photo_that_was_never_held_cannot_be_released(world):
    channel = world.channel(world.teacher2)
    photo = photo_from(world.teacher)
    messaging.send_message(channel, acting=world.teacher, body="", attachment_ids=[str(photo.pk)], confirmed=True)
    with verify_refused(Invalid, field="attachment"):
        actions.release_photo(str(photo.pk), acting=world.teacher)


# --- the API ----------------------------------------------------------------------------------------------


def test_the_api_releases_and_refuses_as_the_rules_say(world, no_alerts):
    message, photo = held(world)
    path = f"/attachments/{photo.pk}/release"
    assert ApiClient(world.pupil2).post(path, {}).status_code == 403
    assert ApiClient(world.pupil).post(path, {}).status_code == 403
    refused = ApiClient(world.other_teacher).post(path, {})
    assert refused.status_code == 404 and error_of(refused)["code"] == "not_found"
    listed = ApiClient(world.pupil2).get(f"/conversations/{message.conversation_id}/messages").json()
    assert listed["items"][-1]["attachments"][0]["held"] is True
    queue = ApiClient(world.dsl).get("/safeguarding/held-photos").json()
    assert [i["attachment"]["id"] for i in queue["items"]] == [str(photo.pk)] and queue["next"] is None
    assert ApiClient(world.pupil2).get("/safeguarding/held-photos").json()["items"] == []
    released = ApiClient(world.teacher).post(path, {})
    assert released.status_code == 200, released.content
    assert released.json()["attachments"][0]["held"] is False
    assert ApiClient(world.dsl).get("/safeguarding/held-photos").json()["items"] == []


def test_the_api_removes(world, no_alerts):
    _, photo = held(world)
    removed = ApiClient(world.dsl).post(f"/attachments/{photo.pk}/remove", {})
    assert removed.status_code == 200, removed.content
    assert removed.json()["attachments"][0]["removed"] is True


# --- the web pages ----------------------------------------------------------------------------------------


def page(person, message: Message) -> str:
    client = Client()
    client.force_login(person)
    return client.get(f"/c/{message.conversation_id}/").content.decode()


def test_the_conversation_shows_each_person_what_they_may_see(world, no_alerts):
    message, photo = held(world)
    url = f"/files/{photo.pk}/"
    others = page(world.pupil2, message)
    assert "Photo waiting for a teacher to check" in others and url not in others
    own = page(world.pupil, message)
    assert url in own and "Only you can see this photo until a teacher has checked it." in own
    assert f'id="release-{photo.pk}"' not in own
    teacher = page(world.teacher, message)
    assert url in teacher and f'id="release-{photo.pk}"' in teacher and f'id="remove-{photo.pk}"' in teacher


def test_the_buttons_release_the_photo(world, no_alerts):
    message, photo = held(world)
    client = Client()
    client.force_login(world.teacher)
    response = client.post(f"/files/{photo.pk}/release")
    assert response.status_code == 302 and response["Location"].endswith(f"#message-{message.pk}")
    photo.refresh_from_db()
    assert photo.review == "released"
    assert f"/files/{photo.pk}/" in page(world.pupil2, message)
    pupil = Client()
    pupil.force_login(world.pupil2)
    assert pupil.post(f"/files/{photo.pk}/remove").status_code == 403


def test_the_last_message_preview_shows_the_placeholder_to_everyone(world, no_alerts):
    message, photo = held(world)
    for person in (world.pupil, world.pupil2, world.teacher):
        last = messaging_queries.last_messages(person, [message.pk])[message.conversation_id]
        text = sidebar.preview(person, last)
        assert text.endswith("Photo waiting for a teacher to check"), (person, text)
    actions.release_photo(str(photo.pk), acting=world.teacher)
    last = messaging_queries.last_messages(world.pupil2, [message.pk])[message.conversation_id]
    assert sidebar.preview(world.pupil2, last) == "Photo"


def test_the_dsl_s_queue_lists_photos_waiting(world, no_alerts):
    _, photo = held(world)
    client = Client()
    client.force_login(world.dsl)
    html = client.get("/safeguarding/").content.decode()
    section = html.split('id="held-photos-heading"')[1].split("</section>")[0]
    assert photo.filename in section and world.pupil.name in section
