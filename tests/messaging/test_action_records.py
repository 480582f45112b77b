"""Every messaging action leaves exactly its audit entries and schema-valid events, and a refused one leaves
nothing at all (tests/verify.py)."""

import io

import pytest
from PIL import Image

from staffroom.compliance.audit import AuditAction
from staffroom.errors import ConfirmRequired, Invalid, NotFound, PermissionDenied, UnsupportedMedia
from staffroom.messaging import actions, queries
from staffroom.messaging.models import Attachment
from staffroom.messaging.payloads import message_payload
from tests.verify import public_functions, verified_in, verify_action, verify_refused, verify_unchanged

pytestmark = pytest.mark.django_db

A = AuditAction


def png(width: int = 4, height: int = 3) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_every_public_action_is_run_through_verify_action_and_refused_or_left_unchanged():
    runs = verified_in(__file__, "actions")
    for name in sorted(public_functions(actions)):
        assert name in runs["verify_action"], f"actions.{name} has no test run through verify_action"
        assert name in runs["verify_refused"] | runs["verify_unchanged"], (
            f"actions.{name} has no test showing that a refusal (verify_refused) or a repeat (verify_unchanged) "
            "leaves nothing behind"
        )


# --- conversations ----------------------------------------------------------------------------------------


def test_creating_a_group_records_it_and_tells_its_members(world):
    with verify_action(audit=[A.CONVERSATION_CREATED], events=["membership.added"]) as captured:
        group = actions.create_conversation(
            acting=world.teacher, kind="group", title="Year 9 team", member_ids=[world.teacher2.pk]
        )
    added = captured.event("membership.added")
    assert added.people == {world.teacher.pk, world.teacher2.pk}
    assert added.payload["person_ids"] == sorted([world.teacher.pk, world.teacher2.pk])
    assert added.payload["conversation"]["id"] == group.pk
    assert captured.audit[0].actor == world.teacher


def test_creating_a_class_channel_tells_the_safeguarding_lead_overseeing_it(world):
    with verify_action(audit=[A.CONVERSATION_CREATED], events=["membership.added"]) as captured:
        world.class_channel()
    assert world.dsl.pk in captured.event("membership.added").people


def test_a_pupil_starting_a_group_is_refused_and_nothing_is_recorded(world):
    with verify_refused(PermissionDenied):
        actions.create_conversation(acting=world.pupil, kind="group", title="Ours", member_ids=[world.pupil2.pk])


def test_starting_a_direct_message_that_exists_changes_nothing(world):
    actions.create_conversation(acting=world.teacher, kind="direct", member_ids=[world.teacher2.pk])
    with verify_unchanged():
        actions.create_conversation(acting=world.teacher2, kind="direct", member_ids=[world.teacher.pk])


def test_renaming_a_conversation_records_it_and_shows_the_new_title(world):
    group = world.group(world.teacher2)
    with verify_action(audit=[A.CONVERSATION_UPDATED], events=["conversation.updated"]) as captured:
        actions.update_conversation(group, acting=world.teacher, title="Year 9 pastoral")
    assert captured.frame("conversation.updated")["conversation"]["title"] == "Year 9 pastoral"
    assert captured.audit[0].details == {"before": {"title": "Year 9 team"}, "after": {"title": "Year 9 pastoral"}}


def test_a_member_who_does_not_run_a_conversation_cannot_rename_it(world):
    group = world.group(world.teacher2)
    with verify_refused(PermissionDenied):
        actions.update_conversation(group, acting=world.teacher2, title="Mine now")


def test_an_empty_title_is_refused_before_anything_is_written(world):
    group = world.group(world.teacher2)
    with verify_refused(Invalid, field="title"):
        actions.update_conversation(group, acting=world.teacher, title="   ")


def test_renaming_to_the_same_title_changes_nothing(world):
    group = world.group(world.teacher2)
    with verify_unchanged():
        actions.update_conversation(group, acting=world.teacher, title=group.title)


def test_adding_a_member_records_it_and_tells_the_conversation(world):
    group = world.group(world.teacher2)
    with verify_action(audit=[A.MEMBERSHIP_ADDED], events=["membership.added"]) as captured:
        actions.add_member(group, world.ta.pk, acting=world.teacher)
    assert captured.frame("membership.added")["person_ids"] == [world.ta.pk]
    assert captured.event("membership.added").people == {world.ta.pk}


def test_adding_a_pupil_to_a_staff_group_is_refused(world):
    group = world.group(world.teacher2)
    with verify_refused(Invalid, field="person_id"):
        actions.add_member(group, world.pupil.pk, acting=world.teacher)


def test_adding_someone_already_there_changes_nothing(world):
    group = world.group(world.teacher2)
    with verify_unchanged():
        actions.add_member(group, world.teacher2.pk, acting=world.teacher)


def test_joining_an_open_channel_records_it(world):
    channel = world.channel()
    with verify_action(audit=[A.MEMBERSHIP_JOINED], events=["membership.added"]) as captured:
        actions.join_channel(channel, acting=world.teacher2)
    assert captured.frame("membership.added")["person_ids"] == [world.teacher2.pk]


def test_a_group_cannot_be_joined_uninvited(world):
    group = world.group(world.teacher2)
    with verify_refused(NotFound):
        actions.join_channel(group, acting=world.ta)


def test_joining_twice_changes_nothing(world):
    channel = world.channel(world.teacher2)
    with verify_unchanged():
        actions.join_channel(channel, acting=world.teacher2)


def test_removing_a_member_records_it_and_tells_them_too(world):
    group = world.group(world.teacher2)
    with verify_action(audit=[A.MEMBERSHIP_REMOVED], events=["membership.removed"]) as captured:
        actions.remove_member(group, world.teacher2.pk, acting=world.teacher, reason="Moved to Year 10")
    removed = captured.event("membership.removed")
    assert (removed.conversation_id, removed.people) == (group.pk, {world.teacher2.pk})
    assert captured.audit[0].reason == "Moved to Year 10"


def test_leaving_is_recorded_as_leaving(world):
    group = world.group(world.teacher2)
    with verify_action(audit=[A.MEMBERSHIP_LEFT], events=["membership.removed"]):
        actions.remove_member(group, world.teacher2.pk, acting=world.teacher2)


def test_a_pupil_cannot_leave_their_class_channel(world):
    klass = world.class_channel()
    with verify_refused(PermissionDenied):
        actions.remove_member(klass, world.pupil.pk, acting=world.pupil)


def test_the_last_member_of_staff_cannot_be_removed_from_a_class_channel(world):
    klass = world.class_channel()
    with verify_refused(Invalid, field="person_id"):
        actions.remove_member(klass, world.teacher.pk, acting=world.teacher)


# --- membership from the group register --------------------------------------------------------------------
# IT admins and headteachers change who is in a conversation they are not in, saying why; the invariants are
# the same as for the people who run it.


def test_an_it_admin_adds_someone_from_the_register_and_the_reason_is_recorded(world):
    group = world.group(world.teacher2)
    with verify_action(audit=[A.MEMBERSHIP_ADDED], events=["membership.added"]) as captured:
        actions.add_member(group, world.ta.pk, acting=world.admin, reason="  Covering Year 9 this term ")
    assert captured.frame("membership.added")["person_ids"] == [world.ta.pk]
    entry = captured.audit[0]
    assert (entry.actor, entry.target_id, entry.reason) == (world.admin, str(world.ta.pk), "Covering Year 9 this term")


def test_a_headteacher_removes_someone_from_the_register_and_the_reason_is_recorded(world):
    group = world.group(world.teacher2)
    with verify_action(audit=[A.MEMBERSHIP_REMOVED], events=["membership.removed"]) as captured:
        actions.remove_member(group, world.teacher2.pk, acting=world.head, reason="Left the Year 9 team")
    assert captured.event("membership.removed").people == {world.teacher2.pk}
    assert (captured.audit[0].actor, captured.audit[0].reason) == (world.head, "Left the Year 9 team")


@pytest.mark.parametrize("reason", ["", "   ", "\u200b"])
def test_changing_members_from_the_register_without_a_reason_is_refused(world, reason):
    group = world.group(world.teacher2)
    with verify_refused(Invalid, field="reason"):
        actions.add_member(group, world.ta.pk, acting=world.admin, reason=reason)
    with verify_refused(Invalid, field="reason"):
        actions.remove_member(group, world.teacher2.pk, acting=world.head, reason=reason)


def test_a_reason_longer_than_the_limit_is_refused(world):
    group = world.group(world.teacher2)
    with verify_refused(Invalid, field="reason"):
        actions.add_member(group, world.ta.pk, acting=world.admin, reason="x" * 501)


@pytest.mark.parametrize("role", ["dpo", "dsl", "teacher2", "office", "governor", "pupil", "external"])
def test_only_it_admins_and_headteachers_change_members_of_a_conversation_they_are_not_in(world, role):
    """The DPO sees the register but changes nothing in it; others have no register."""
    group = world.group(world.ta, by=world.teacher)
    with verify_refused(PermissionDenied):
        actions.add_member(group, world.office.pk, acting=getattr(world, role), reason="Because")
    with verify_refused(PermissionDenied):
        actions.remove_member(group, world.ta.pk, acting=getattr(world, role), reason="Because")


def test_a_headteacher_changes_only_their_own_school_s_conversations_not_the_trust_s(world):
    trust_wide = actions.create_conversation(
        acting=world.admin, kind="channel", title="All staff", member_ids=[world.teacher.pk], trust_wide=True
    )
    other_school = world.group(world.other_teacher, by=world.admin, title="Primary leads")
    other_school.school = world.other_school
    other_school.save(update_fields=["school"])
    for conversation in (trust_wide, other_school):
        with verify_refused(PermissionDenied):
            actions.add_member(conversation, world.ta.pk, acting=world.head, reason="Because")
    actions.add_member(trust_wide, world.ta.pk, acting=world.admin, reason="Joined the trust's staff")


def test_the_register_cannot_add_a_pupil_to_a_staff_group_any_more_than_its_owner_can(world):
    group = world.group(world.teacher2)
    with pytest.raises(Invalid) as as_owner:
        actions.add_member(group, world.pupil.pk, acting=world.teacher)
    with verify_refused(Invalid, field="person_id") as from_register:
        actions.add_member(group, world.pupil.pk, acting=world.admin, reason="Asked to")
    assert from_register.value.message == as_owner.value.message


def test_the_register_cannot_remove_the_last_member_of_staff_from_a_class_channel(world):
    klass = world.class_channel()
    with verify_refused(Invalid, field="person_id"):
        actions.remove_member(klass, world.teacher.pk, acting=world.admin, reason="Left the school")


def test_the_register_cannot_remove_anyone_from_a_direct_message(world):
    direct = actions.create_conversation(acting=world.teacher, kind="direct", member_ids=[world.teacher2.pk])
    with verify_refused(PermissionDenied):
        actions.remove_member(direct, world.teacher2.pk, acting=world.admin, reason="Left the school")


# --- messages ---------------------------------------------------------------------------------------------


def test_checking_who_may_post_writes_nothing(world):
    group = world.group(world.teacher2)
    with verify_action(audit=[], events=[]):
        actions.check_may_post(group, acting=world.teacher2)
    with verify_unchanged():
        actions.check_may_post(group, acting=world.teacher2)


def test_a_member_who_does_not_run_an_announcement_channel_may_not_post_in_it(world):
    notices = world.announcement(world.teacher)
    with verify_refused(PermissionDenied):
        actions.check_may_post(notices, acting=world.teacher)


def test_sending_a_message_with_a_mention_a_reply_and_a_picture_records_it(world):
    group = world.group(world.teacher2)
    first, _ = actions.send_message(group, acting=world.teacher2, body="Who has the projector?")
    picture = actions.store_upload(acting=world.teacher, data=png(), filename="projector.png")
    with verify_action(audit=[A.MESSAGE_SENT], events=["message.new"]) as captured:
        message, created = actions.send_message(
            group,
            acting=world.teacher,
            body=f"@{world.teacher2.handle} it is in room 4",
            client_id="phone-1",
            reply_to_id=first.pk,
            attachment_ids=[str(picture.pk)],
        )
    assert created
    sent = captured.frame("message.new")["message"]
    assert (sent["id"], sent["reply_to"], sent["mentions"]) == (message.pk, first.pk, [world.teacher2.pk])
    assert [a["id"] for a in sent["attachments"]] == [str(picture.pk)]
    # The send builds this from the rows in hand rather than reading the message back: it must say exactly
    # what a fresh read says.
    assert sent == message_payload(queries.get_message(world.teacher, message.pk))


def test_an_announcement_carries_its_acknowledgement_count(world):
    notices = world.announcement(world.teacher)
    with verify_action(audit=[A.MESSAGE_SENT], events=["message.new"]) as captured:
        actions.send_message(notices, acting=world.head, body="Staff meeting moved to Thursday")
    assert captured.frame("message.new")["message"]["acknowledgements"] == 0


def test_an_empty_message_is_refused(world):
    group = world.group(world.teacher2)
    with verify_refused(Invalid, field="body"):
        actions.send_message(group, acting=world.teacher, body="  \n ")


def test_a_file_already_sent_cannot_be_sent_again(world):
    group = world.group(world.teacher2)
    picture = actions.store_upload(acting=world.teacher, data=png(), filename="plan.png")
    actions.send_message(group, acting=world.teacher, body="The plan", attachment_ids=[str(picture.pk)])
    with verify_refused(Invalid, field="attachment_ids"):
        actions.send_message(group, acting=world.teacher, body="Again", attachment_ids=[str(picture.pk)])


def test_resending_with_the_same_client_id_changes_nothing(world):
    group = world.group(world.teacher2)
    actions.send_message(group, acting=world.teacher, body="Fire drill at 11", client_id="tab-7")
    with verify_unchanged():
        _, created = actions.send_message(group, acting=world.teacher, body="Fire drill at 11", client_id="tab-7")
    assert not created


def test_editing_a_message_records_it_and_shows_the_new_text(world):
    group = world.group(world.teacher2)
    message, _ = actions.send_message(group, acting=world.teacher, body="Meet in room 12")
    with verify_action(audit=[A.MESSAGE_EDITED], events=["message.edited"]) as captured:
        actions.edit_message(message, acting=world.teacher, body="Meet in room 14")
    edited = captured.frame("message.edited")["message"]
    assert edited["body"] == "Meet in room 14"
    assert edited["edited_at"] is not None


def test_nobody_edits_someone_else_s_message(world):
    group = world.group(world.teacher2)
    message, _ = actions.send_message(group, acting=world.teacher, body="Meet in room 12")
    with verify_refused(PermissionDenied):
        actions.edit_message(message, acting=world.teacher2, body="Meet in the pub")


def test_editing_to_the_same_text_changes_nothing(world):
    group = world.group(world.teacher2)
    message, _ = actions.send_message(group, acting=world.teacher, body="Meet in room 12")
    with verify_unchanged():
        actions.edit_message(message, acting=world.teacher, body="Meet in room 12")


def test_deleting_a_message_records_it_and_shows_nothing_of_what_it_said(world):
    group = world.group(world.teacher2)
    picture = actions.store_upload(acting=world.teacher, data=png(), filename="seating.png")
    message, _ = actions.send_message(
        group, acting=world.teacher, body=f"@{world.teacher2.handle} seating", attachment_ids=[str(picture.pk)]
    )
    actions.react(message, "👍", acting=world.teacher2)
    with verify_action(audit=[A.MESSAGE_DELETED], events=["message.deleted"]) as captured:
        actions.delete_message(message, acting=world.teacher, reason="Wrong class")
    assert captured.frame("message.deleted")["message"]["deleted"] is True
    assert captured.audit[0].reason == "Wrong class"


def test_a_member_cannot_delete_a_colleague_s_message(world):
    group = world.group(world.teacher2)
    message, _ = actions.send_message(group, acting=world.teacher, body="Mine")
    with verify_refused(PermissionDenied):
        actions.delete_message(message, acting=world.teacher2)


def test_deleting_twice_changes_nothing(world):
    group = world.group(world.teacher2)
    message, _ = actions.send_message(group, acting=world.teacher, body="Soon gone")
    actions.delete_message(message, acting=world.teacher)
    with verify_unchanged():
        actions.delete_message(message, acting=world.teacher)


def test_reacting_records_the_reaction_and_shows_it_on_the_message(world):
    group = world.group(world.teacher2)
    message, _ = actions.send_message(group, acting=world.teacher, body="Cake in the staffroom")
    with verify_action(audit=[A.REACTION_ADDED], events=["message.edited"]) as captured:
        actions.react(message, "👍", acting=world.teacher2)
    assert captured.frame("message.edited")["message"]["reactions"] == [
        {"emoji": "👍", "count": 1, "person_ids": [world.teacher2.pk]}
    ]
    assert captured.audit[0].data == {"emoji": "👍"}


def test_taking_a_reaction_back_is_recorded(world):
    group = world.group(world.teacher2)
    message, _ = actions.send_message(group, acting=world.teacher, body="Cake in the staffroom")
    actions.react(message, "👍", acting=world.teacher2)
    with verify_action(audit=[A.REACTION_REMOVED], events=["message.edited"]) as captured:
        actions.react(message, "👍", acting=world.teacher2, add=False)
    assert captured.frame("message.edited")["message"]["reactions"] == []


def test_a_reaction_that_is_not_an_emoji_is_refused(world):
    group = world.group(world.teacher2)
    message, _ = actions.send_message(group, acting=world.teacher, body="Cake in the staffroom")
    with verify_refused(Invalid, field="emoji"):
        actions.react(message, "yes", acting=world.teacher2)


def test_reacting_twice_with_the_same_emoji_changes_nothing(world):
    group = world.group(world.teacher2)
    message, _ = actions.send_message(group, acting=world.teacher, body="Cake in the staffroom")
    actions.react(message, "👍", acting=world.teacher2)
    with verify_unchanged():
        actions.react(message, "👍", acting=world.teacher2)


def test_reading_tells_the_members_of_a_small_conversation(world):
    group = world.group(world.teacher2)
    message, _ = actions.send_message(group, acting=world.teacher, body="Read me")
    with verify_action(audit=[A.CONVERSATION_READ], events=["receipt.updated"]) as captured:
        actions.mark_read(group, acting=world.teacher2)
    receipt = captured.event("receipt.updated")
    assert (receipt.conversation_id, receipt.payload["last_read_message_id"]) == (group.pk, message.pk)
    assert captured.audit[0].data == {"up_to_message_id": message.pk}


def test_reading_a_large_conversation_tells_only_the_reader(world, monkeypatch):
    from staffroom.messaging.actions import messages as sending

    monkeypatch.setattr(sending, "RECEIPT_FANOUT_LIMIT", 1)
    group = world.group(world.teacher2)
    actions.send_message(group, acting=world.teacher, body="Read me")
    with verify_action(audit=[A.CONVERSATION_READ], events=["receipt.updated"]) as captured:
        actions.mark_read(group, acting=world.teacher2)
    receipt = captured.event("receipt.updated")
    assert (receipt.conversation_id, receipt.people) == (None, {world.teacher2.pk})


def test_reading_what_one_has_read_already_changes_nothing(world):
    group = world.group(world.teacher2)
    actions.send_message(group, acting=world.teacher, body="My own message is read as I send it")
    with verify_unchanged():
        actions.mark_read(group, acting=world.teacher)


# --- announcements ----------------------------------------------------------------------------------------


def test_acknowledging_tells_the_sender_and_the_acknowledger(world):
    notices = world.announcement(world.teacher, world.ta)
    message, _ = actions.send_message(notices, acting=world.head, body="Inset day on Friday")
    with verify_action(audit=[A.ANNOUNCEMENT_ACKNOWLEDGED], events=["acknowledgement.updated"]) as captured:
        actions.acknowledge(message, acting=world.teacher)
    update = captured.event("acknowledgement.updated")
    assert update.people == {world.head.pk, world.teacher.pk}
    assert update.payload["acknowledgements"] == 1


def test_only_announcements_can_be_acknowledged(world):
    group = world.group(world.teacher2)
    message, _ = actions.send_message(group, acting=world.teacher, body="Not an announcement")
    with verify_refused(Invalid, field="message"):
        actions.acknowledge(message, acting=world.teacher2)


def test_acknowledging_twice_changes_nothing(world):
    notices = world.announcement(world.teacher)
    message, _ = actions.send_message(notices, acting=world.head, body="Inset day on Friday")
    actions.acknowledge(message, acting=world.teacher)
    with verify_unchanged():
        actions.acknowledge(message, acting=world.teacher)


def test_a_reminder_goes_to_those_who_have_not_acknowledged(world):
    notices = world.announcement(world.teacher, world.ta)
    message, _ = actions.send_message(notices, acting=world.head, body="Inset day on Friday")
    actions.acknowledge(message, acting=world.teacher)
    with verify_action(audit=[A.ANNOUNCEMENT_REMINDED], events=["announcement.reminder"]) as captured:
        actions.remind_unacknowledged(message, acting=world.head)
    reminder = captured.event("announcement.reminder")
    assert reminder.people == {world.ta.pk}
    assert reminder.payload["from"] == world.head.name
    assert captured.audit[0].data == {"recipients": [world.ta.pk]}


def test_a_reminder_when_everyone_has_acknowledged_is_recorded_but_sends_nothing(world):
    notices = world.announcement(world.teacher)
    message, _ = actions.send_message(notices, acting=world.head, body="Inset day on Friday")
    actions.acknowledge(message, acting=world.teacher)
    with verify_action(audit=[A.ANNOUNCEMENT_REMINDED], events=[]) as captured:
        reminded = actions.remind_unacknowledged(message, acting=world.head)
    assert reminded == 0
    assert captured.audit[0].data == {"recipients": []}


def test_a_member_cannot_chase_someone_else_s_announcement(world):
    notices = world.announcement(world.teacher, world.ta)
    message, _ = actions.send_message(notices, acting=world.head, body="Inset day on Friday")
    with verify_refused(PermissionDenied):
        actions.remind_unacknowledged(message, acting=world.ta)


# --- uploads ----------------------------------------------------------------------------------------------


def test_storing_an_upload_records_it(world):
    with verify_action(audit=[A.UPLOAD_STORED], events=[]) as captured:
        picture = actions.store_upload(acting=world.teacher, data=png(), filename="plan.png")
    assert captured.audit[0].data["sha256"] == picture.sha256


def test_a_refused_upload_leaves_no_row_and_no_file(world):
    with verify_refused(UnsupportedMedia):
        actions.store_upload(acting=world.teacher, data=b"MZ\x90\x00" + bytes(200), filename="setup.exe")


def test_discarding_an_unsent_upload_records_it_and_removes_the_file(world):
    picture = actions.store_upload(acting=world.teacher, data=png(), filename="plan.png")
    name = picture.file.name
    storage = picture.file.storage
    with verify_action(audit=[A.UPLOAD_DISCARDED], events=[]):
        actions.discard_upload(str(picture.pk), acting=world.teacher)
    assert not Attachment.objects.filter(pk=picture.pk).exists()
    assert not storage.exists(name)


def test_nobody_discards_someone_else_s_upload(world):
    picture = actions.store_upload(acting=world.teacher, data=png(), filename="plan.png")
    with verify_refused(NotFound):
        actions.discard_upload(str(picture.pk), acting=world.teacher2)


# --- notifications of a conversation and urgent announcements -----------------------------------------------


def test_muting_a_conversation_records_it_for_the_member_alone(world):
    group = world.group(world.teacher2)
    with verify_action(audit=[A.MEMBERSHIP_NOTIFY_CHANGED], events=[]) as captured:
        actions.set_notify(group, acting=world.teacher2, notify="none")
    assert captured.audit[0].data == {"notify": "none"}
    with verify_unchanged():
        actions.set_notify(group, acting=world.teacher2, notify="none")


def test_only_members_choose_a_conversations_notifications_and_only_known_choices(world):
    group = world.group(world.teacher2)
    with verify_refused(NotFound):
        actions.set_notify(group, acting=world.ta, notify="none")
    with verify_refused(Invalid, field="notify"):
        actions.set_notify(group, acting=world.teacher2, notify="loud")


def test_a_headteacher_marks_an_announcement_urgent(world):
    notices = world.announcement(world.teacher)
    with verify_action(audit=[A.MESSAGE_SENT], events=["message.new"]) as captured:
        message, _ = actions.send_message(notices, acting=world.head, body="Snow: school closed", urgent=True)
    assert message.urgent and captured.audit[0].data["urgent"] is True


def test_only_a_headteacher_marks_urgent_and_only_announcements(world):
    notices = world.announcement(world.teacher)
    actions.add_member(notices, world.admin.pk, acting=world.head)
    with verify_refused(PermissionDenied):
        actions.send_message(notices, acting=world.admin, body="Snow", urgent=True)
    group = world.group(world.head)
    with verify_refused(Invalid, field="urgent"):
        actions.send_message(group, acting=world.head, body="Snow", urgent=True)


# --- photos with faces (safeguarding/photos.py) ---------------------------------------------------------------


def _face_photo(world):
    from tests.safeguarding.faces import drawn_face, encoded

    picture = actions.store_upload(acting=world.teacher, data=encoded(drawn_face(300), "PNG"), filename="trip.png")
    assert picture.faces == 1
    return picture


def test_a_photo_with_faces_in_a_staff_conversation_waits_for_consent_and_nothing_is_recorded(world):
    group = world.group(world.teacher2)
    picture = _face_photo(world)
    with verify_refused(ConfirmRequired) as refused:
        actions.send_message(group, acting=world.teacher, body="The trip", attachment_ids=[str(picture.pk)])
    assert refused.value.findings == [
        {"kind": "photo_faces", "attachment_id": str(picture.pk), "filename": "trip.png", "faces": 1}
    ]
    assert Attachment.objects.get(pk=picture.pk).message_id is None


def test_a_photo_with_faces_sent_with_consent_confirmed_records_it(world):
    group = world.group(world.teacher2)
    picture = _face_photo(world)
    with verify_action(audit=[A.MESSAGE_SENT], events=["message.new"]) as captured:
        actions.send_message(
            group, acting=world.teacher, body="The trip", attachment_ids=[str(picture.pk)], confirmed=True
        )
    assert captured.audit[0].data["photo_consent_confirmed"] is True
    assert captured.audit[0].data["photo_faces"] == 1


def test_a_photo_with_faces_in_a_class_channel_is_posted_and_flagged_to_the_dsl(world):
    from staffroom.safeguarding.models import Concern

    channel = world.class_channel(world.pupil)
    picture = _face_photo(world)
    with verify_action(audit=[A.MESSAGE_SENT], events=["message.new"]) as captured:
        message, _ = actions.send_message(channel, acting=world.teacher, body="", attachment_ids=[str(picture.pk)])
    concern = Concern.objects.get(message=message)
    assert (concern.category, concern.source, concern.about) == ("photo", "photo", world.teacher)
    assert concern.findings[0]["kind"] == "photo_faces"
    assert captured.audit[0].data["photo_concern"] == concern.pk


# --- pins -------------------------------------------------------------------------------------------------


def test_pinning_a_message_is_recorded_and_tells_the_conversation(world):
    group = world.group(world.teacher2)
    message, _created = actions.send_message(group, acting=world.teacher, body="Trip forms by Friday")
    with verify_action(audit=[A.MESSAGE_PINNED], events=["conversation.updated"]) as captured:
        actions.pin_message(message, acting=world.teacher2)  # any member of a group may pin
    assert captured.frame("conversation.updated")["conversation"]["id"] == group.pk
    assert captured.audit[0].actor == world.teacher2


def test_pinning_a_message_already_pinned_changes_nothing(world):
    group = world.group(world.teacher2)
    message, _created = actions.send_message(group, acting=world.teacher, body="Trip forms by Friday")
    actions.pin_message(message, acting=world.teacher)
    with verify_unchanged():
        actions.pin_message(message, acting=world.teacher2)


def test_unpinning_is_recorded_and_tells_the_conversation(world):
    group = world.group(world.teacher2)
    message, _created = actions.send_message(group, acting=world.teacher, body="Trip forms by Friday")
    actions.pin_message(message, acting=world.teacher)
    with verify_action(audit=[A.MESSAGE_UNPINNED], events=["conversation.updated"]):
        assert actions.unpin_message(message, acting=world.teacher2) is True


def test_unpinning_a_message_not_pinned_changes_nothing(world):
    group = world.group(world.teacher2)
    message, _created = actions.send_message(group, acting=world.teacher, body="Trip forms by Friday")
    with verify_unchanged():
        assert actions.unpin_message(message, acting=world.teacher) is False


def test_in_a_channel_only_those_who_run_it_pin(world):
    channel = world.channel(world.teacher2, world.head)
    message, _created = actions.send_message(channel, acting=world.teacher2, body="Staff briefing moved")
    with verify_refused(PermissionDenied):
        actions.pin_message(message, acting=world.teacher2)  # a member, not an owner
    with verify_action(audit=[A.MESSAGE_PINNED], events=["conversation.updated"]):
        actions.pin_message(message, acting=world.head)  # the school's headteacher


def test_a_pupil_cannot_pin_in_a_class_channel_and_nor_unpin(world):
    channel = world.class_channel()
    message, _created = actions.send_message(channel, acting=world.teacher, body="Homework: pages 4-5")
    with verify_refused(PermissionDenied):
        actions.pin_message(message, acting=world.pupil)
    actions.pin_message(message, acting=world.teacher)
    with verify_refused(PermissionDenied):
        actions.unpin_message(message, acting=world.pupil)


def test_someone_outside_the_conversation_cannot_pin_it(world):
    group = world.group(world.teacher2)
    message, _created = actions.send_message(group, acting=world.teacher, body="Ours")
    for outsider in (world.office, world.head, world.outsider):
        with verify_refused(NotFound):
            actions.pin_message(message, acting=outsider)


def test_a_deleted_message_cannot_be_pinned(world):
    group = world.group(world.teacher2)
    message, _created = actions.send_message(group, acting=world.teacher, body="Oops")
    actions.delete_message(message, acting=world.teacher)
    with verify_refused(Invalid, field="message_id"):
        actions.pin_message(message, acting=world.teacher2)


# --- announcements to all staff of a school ---------------------------------------------------------------


def test_an_announcement_to_all_staff_has_every_active_member_of_staff_and_no_one_else(world):
    with verify_action(audit=[A.CONVERSATION_CREATED, A.STAFF_AUDIENCE_SET], events=["membership.added"]):
        notices = actions.create_staff_announcement(acting=world.head, school=world.school, title="Staff notices")
    members = set(notices.memberships.values_list("person_id", flat=True))
    staff = {world.admin, world.head, world.dpo, world.dsl, world.teacher, world.teacher2, world.ta, world.office}
    assert members == {p.pk for p in staff}  # not pupils, the external, the governor or another school's staff
    assert notices.kind == "announcement" and notices.school_id == world.school.pk


def test_governors_are_members_only_when_ticked(world):
    notices = actions.create_staff_announcement(
        acting=world.head, school=world.school, title="Staff and governors", include_governors=True
    )
    assert notices.memberships.filter(person=world.governor).exists()
    assert not notices.memberships.filter(person=world.pupil).exists()


def test_only_leaders_of_the_school_start_an_all_staff_announcement(world):
    for person in (world.teacher, world.office, world.pupil, world.governor):
        with verify_refused(PermissionDenied):
            actions.create_staff_announcement(acting=person, school=world.school, title="Mine")
    with verify_refused(PermissionDenied):  # a headteacher of one school, for another school
        actions.create_staff_announcement(acting=world.head, school=world.other_school, title="Theirs")


def test_staff_who_join_the_school_later_are_added_and_it_is_recorded(world):
    from staffroom.accounts import actions as people

    notices = actions.create_staff_announcement(acting=world.head, school=world.school, title="Staff notices")
    with verify_action(audit=[A.MEMBERSHIP_ADDED, A.PERSON_ADDED], events=["membership.added"]):
        starter = people.add_person(
            acting=world.head, email="starter@example.org", name="New Starter", school_id=world.school.pk,
            roles=["teacher"],
        )  # fmt: skip
    assert notices.memberships.filter(person=starter).exists()
    pupil = people.add_person(
        acting=world.head, email="newpupil@example.org", name="New Pupil", school_id=world.school.pk, roles=["pupil"]
    )
    assert not notices.memberships.filter(person=pupil).exists()
    # Moving a teacher of the other school here makes them staff of this one.
    people.update_person(world.other_teacher.pk, acting=world.admin, school_id=world.school.pk)
    assert notices.memberships.filter(person=world.other_teacher).exists()


def test_a_returning_member_of_staff_joins_the_all_staff_channel_made_while_they_were_away(world):
    from staffroom.accounts import actions as people

    people.deactivate_person(world.teacher.pk, acting=world.head, reason="Left in the summer")
    notices = actions.create_staff_announcement(acting=world.head, school=world.school, title="Staff notices")
    assert not notices.memberships.filter(person=world.teacher).exists()
    with verify_action(audit=[A.MEMBERSHIP_ADDED, A.PERSON_REACTIVATED], events=["membership.added"]):
        people.reactivate_person(world.teacher.pk, acting=world.head, reason="Back from a career break")
    assert notices.memberships.filter(person=world.teacher).exists()


def test_adding_to_staff_audiences_someone_already_in_them_changes_nothing(world):
    actions.create_staff_announcement(acting=world.head, school=world.school, title="Staff notices")
    with verify_unchanged():
        assert actions.add_to_staff_audiences(world.teacher, acting=world.head) == []


def test_adding_to_staff_audiences_is_recorded(world):
    notices = actions.create_staff_announcement(acting=world.head, school=world.school, title="Staff notices")
    actions.remove_member(notices, world.teacher.pk, acting=world.head)
    with verify_action(audit=[A.MEMBERSHIP_ADDED], events=["membership.added"]):
        assert actions.add_to_staff_audiences(world.teacher, acting=world.head) == [notices.pk]
