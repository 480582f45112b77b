"""Supervised class channels hide nothing from the safeguarding lead (issue 8): deleted and edited text readable
to the DSL after a reason (audited), hiding a harmful message, unread counts on overseen channels, pupils kept
in their class channel, posting hours, teacher-only mode and the school's link and file policy for pupils."""

from datetime import UTC, datetime, time

import pytest

from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound, PermissionDenied, PostingRefused
from staffroom.messaging import actions, queries, supervision
from staffroom.messaging.models import Attachment, Membership, PupilPostingPolicy
from staffroom.messaging.payloads import message_payload
from tests import factories
from tests.verify import verify_action, verify_refused, verify_unchanged

pytestmark = pytest.mark.django_db

A = AuditAction
# Wednesday 4 March 2026, 10:00 and 18:00 in London (GMT, so UTC too); Saturday 7 March, 10:00.
SCHOOL_MORNING = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
EVENING = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)


@pytest.fixture
def channel(world):
    return world.class_channel(world.pupil, world.pupil2)


@pytest.fixture
def at(monkeypatch):
    """Set the moment posting hours are judged at: at(SCHOOL_MORNING)."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(supervision, "now", lambda: moment)

    set_to(SCHOOL_MORNING)
    return set_to


def _deputy(world):
    return factories.person(world.school, factories.Role.DEPUTY_DSL, name="Dee Deputy")


def _other_school_dsl(world):
    """A DSL of the trust's other school, set up as a DSL must be (a second sign-in step), so a refusal is
    about the school, not the sign-in."""
    other = factories.person(world.other_school, factories.Role.DSL, name="Omar Other DSL")
    factories.authenticator_app(other)
    return other


# --- the DSL reads what was deleted or edited, after giving a reason ---------------------------------------


def test_the_dsl_reads_a_deleted_and_edited_message_only_after_giving_a_reason(world, channel):
    message, _ = actions.send_message(channel, acting=world.pupil, body="first words")
    actions.edit_message(message, acting=world.pupil, body="second words")
    actions.delete_message(message, acting=world.pupil)
    seen = queries.get_message(world.dsl, message.pk)
    assert message_payload(seen)["body"] == "" and message_payload(seen)["deleted"] is True
    with verify_refused(Invalid, field="reason"):
        actions.view_message_history(seen, acting=world.dsl, reason="  ")
    with verify_action(audit=[A.MESSAGE_HISTORY_VIEWED], events=[]) as captured:
        history = actions.view_message_history(seen, acting=world.dsl, reason="Pupil reported upset")
    assert history.message.body == "second words"
    assert [r.body for r in history.revisions] == ["first words"]
    entry = captured.audit[0]
    assert entry.reason == "Pupil reported upset" and entry.actor == world.dsl
    assert entry.data == {"revisions": 1, "deleted": True}


def test_a_deputy_dsl_may_read_the_history_too(world, channel):
    message, _ = actions.send_message(channel, acting=world.pupil, body="gone soon")
    actions.delete_message(message, acting=world.pupil)
    with verify_action(audit=[A.MESSAGE_HISTORY_VIEWED], events=[]):
        actions.view_message_history(message, acting=_deputy(world), reason="Checking a report")


@pytest.mark.parametrize("who", ["teacher", "head", "dpo", "pupil", "pupil2", "other_school_dsl"])
def test_nobody_else_reads_a_class_channel_s_deleted_text(world, channel, who):
    message, _ = actions.send_message(channel, acting=world.pupil, body="gone soon")
    actions.delete_message(message, acting=world.pupil)
    person = _other_school_dsl(world) if who == "other_school_dsl" else getattr(world, who)
    with verify_refused(PermissionDenied):
        actions.view_message_history(message, acting=person, reason="curious")


def test_the_dsl_has_no_history_to_read_outside_class_channels(world):
    group = world.group(world.teacher2, world.dsl)
    message, _ = actions.send_message(group, acting=world.teacher2, body="staff talk")
    with verify_refused(PermissionDenied):
        actions.view_message_history(message, acting=world.dsl, reason="curious")


# --- hiding a harmful message ------------------------------------------------------------------------------


def test_the_dsl_hides_a_harmful_message_from_everyone_else(world, channel):
    message, _ = actions.send_message(channel, acting=world.pupil, body="something harmful")
    with verify_refused(Invalid, field="reason"):
        actions.hide_message(message, acting=world.dsl, reason="")
    with verify_action(audit=[A.MESSAGE_HIDDEN], events=["message.deleted"]) as captured:
        hidden = actions.hide_message(message, acting=world.dsl, reason="Harmful to another pupil")
    frame = captured.frame("message.deleted")["message"]
    assert frame["hidden"] is True and frame["deleted"] is True and frame["body"] == ""
    assert captured.audit[0].reason == "Harmful to another pupil"
    assert hidden.hidden_by == world.dsl
    # Pupils and the teacher see it hidden; search no longer finds it; the DSL still reads it, with a reason.
    for person in (world.pupil2, world.teacher):
        assert message_payload(queries.get_message(person, message.pk))["body"] == ""
    history = actions.view_message_history(hidden, acting=world.dsl, reason="Record for the referral")
    assert history.message.body == "something harmful"
    with verify_unchanged():
        actions.hide_message(hidden, acting=world.dsl, reason="again")
    # Its author can no longer change it, nor anyone react to it.
    with verify_refused(Invalid, field="body"):
        actions.edit_message(hidden, acting=world.pupil, body="something else")
    with verify_refused(Invalid, field="emoji"):
        actions.react(hidden, "👍", acting=world.pupil2)


@pytest.mark.parametrize("who", ["teacher", "head", "pupil2", "other_school_dsl"])
def test_only_the_overseeing_dsl_hides_messages(world, channel, who):
    message, _ = actions.send_message(channel, acting=world.pupil, body="hello")
    person = _other_school_dsl(world) if who == "other_school_dsl" else getattr(world, who)
    with verify_refused(PermissionDenied):
        actions.hide_message(message, acting=person, reason="no")


def test_a_hidden_message_does_not_count_as_unread(world, channel):
    message, _ = actions.send_message(channel, acting=world.pupil, body="harmful")
    actions.hide_message(message, acting=world.dsl, reason="harmful")
    assert queries.conversation_summary(world.pupil2, channel).unread == 0


# --- the DSL posts, and sees unread counts on overseen channels --------------------------------------------


def test_the_overseeing_dsl_may_post_in_a_class_channel_without_being_in_it(world, channel):
    message, created = actions.send_message(channel, acting=world.dsl, body="Please be kind to each other.")
    assert created and message.author == world.dsl
    assert not Membership.objects.filter(conversation=channel, person=world.dsl).exists()
    other = _other_school_dsl(world)
    with verify_refused(PermissionDenied):
        actions.send_message(channel, acting=other, body="Hello")


def test_unread_counts_on_overseen_channels_follow_what_the_dsl_has_read(world, channel):
    first, _ = actions.send_message(channel, acting=world.pupil, body="one")
    actions.send_message(channel, acting=world.teacher, body="two")
    assert {c.pk: n for c, n in queries.overseen_unread(world.dsl)} == {channel.pk: 2}
    with verify_action(audit=[A.CONVERSATION_READ], events=[]) as captured:
        assert actions.mark_read(channel, acting=world.dsl, up_to_message_id=first.pk) == first.pk
    assert captured.audit[0].data == {"up_to_message_id": first.pk, "overseen": True}
    assert {c.pk: n for c, n in queries.overseen_unread(world.dsl)} == {channel.pk: 1}
    assert queries.conversation_summary(world.dsl, channel).unread == 1
    actions.mark_read(channel, acting=world.dsl)
    with verify_unchanged():
        actions.mark_read(channel, acting=world.dsl)
    assert queries.overseen_unread(world.dsl)[0][1] == 0
    assert queries.overseen_unread(world.teacher) == []  # a member: counted on the Membership as ever
    assert queries.overseen_unread(_other_school_dsl(world)) == []


# --- pupils stay in their class channel --------------------------------------------------------------------


def test_a_pupil_cannot_leave_their_class_channel_but_a_teacher_can_take_them_out(world, channel):
    with verify_refused(PermissionDenied):
        actions.remove_member(channel, world.pupil.pk, acting=world.pupil)
    with verify_action(audit=[A.MEMBERSHIP_REMOVED], events=["membership.removed"]):
        actions.remove_member(channel, world.pupil.pk, acting=world.teacher)


# --- posting hours and teacher-only mode -------------------------------------------------------------------


def test_teachers_set_posting_hours_and_teacher_only_mode(world, channel):
    with verify_action(audit=[A.POSTING_RULES_CHANGED], events=["conversation.updated"]) as captured:
        actions.set_posting_rules(
            channel, acting=world.teacher, pupil_hours_start=time(8), pupil_hours_end=time(16), staff_only=False
        )
    assert captured.audit[0].data["after"] == {
        "pupil_hours_start": "08:00",
        "pupil_hours_end": "16:00",
        "staff_only": False,
    }
    with verify_unchanged():
        actions.set_posting_rules(
            channel, acting=world.teacher, pupil_hours_start=time(8), pupil_hours_end=time(16), staff_only=False
        )


@pytest.mark.parametrize("who", ["pupil", "teacher2", "office", "dsl"])
def test_only_those_who_run_a_class_channel_set_its_posting_rules(world, channel, who):
    with verify_refused(PermissionDenied):
        actions.set_posting_rules(
            channel, acting=getattr(world, who), pupil_hours_start=None, pupil_hours_end=None, staff_only=True
        )


def test_posting_hours_need_both_times_in_order_and_a_class_channel(world, channel):
    with verify_refused(Invalid, field="pupil_hours_end"):
        actions.set_posting_rules(
            channel, acting=world.teacher, pupil_hours_start=time(16), pupil_hours_end=time(8), staff_only=False
        )
    with verify_refused(Invalid, field="pupil_hours_end"):
        actions.set_posting_rules(
            channel, acting=world.teacher, pupil_hours_start=time(8), pupil_hours_end=None, staff_only=False
        )
    group = world.group(world.teacher2)
    with verify_refused(Invalid):
        actions.set_posting_rules(
            group, acting=world.teacher, pupil_hours_start=None, pupil_hours_end=None, staff_only=True
        )


def test_pupils_post_only_within_posting_hours_on_school_days(world, channel, at):
    actions.set_posting_rules(
        channel, acting=world.teacher, pupil_hours_start=time(8), pupil_hours_end=time(16), staff_only=False
    )
    channel.refresh_from_db()
    actions.send_message(channel, acting=world.pupil, body="morning")
    for moment in (EVENING, SATURDAY):
        at(moment)
        with verify_refused(PostingRefused) as refused:
            actions.send_message(channel, acting=world.pupil, body="late")
        assert refused.value.code == "outside_posting_hours" and refused.value.status == 422
        assert "08:00 to 16:00" in refused.value.message
        assert queries.posting_refusal(world.pupil, channel) == refused.value.message
        assert not queries.may_post(world.pupil, channel)
        actions.send_message(channel, acting=world.teacher, body="staff always may")
        assert queries.posting_refusal(world.teacher, channel) == ""


def test_in_teacher_only_mode_only_staff_post(world, channel, at):
    actions.set_posting_rules(
        channel, acting=world.teacher, pupil_hours_start=None, pupil_hours_end=None, staff_only=True
    )
    channel.refresh_from_db()
    with verify_refused(PostingRefused) as refused:
        actions.send_message(channel, acting=world.pupil, body="can I?")
    assert refused.value.code == "staff_only"
    with verify_refused(PostingRefused):
        actions.check_may_post(channel, acting=world.pupil)  # before any upload is stored
    actions.send_message(channel, acting=world.teacher, body="Quiet reading now.")
    actions.send_message(channel, acting=world.dsl, body="The DSL too.")


# --- links and files from pupils ---------------------------------------------------------------------------


def _upload(person, *, image: bool) -> Attachment:
    import io

    from PIL import Image

    if image:
        buffer = io.BytesIO()
        Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, "PNG")
        return actions.store_upload(acting=person, data=buffer.getvalue(), filename="photo.png")
    return actions.store_upload(acting=person, data=b"%PDF-1.4\n%%EOF\n", filename="notes.pdf")


def test_by_default_pupils_may_post_links_and_pictures_but_no_other_files(world, channel, at):
    assert supervision.pupil_policy(world.school.pk) == (True, PupilPostingPolicy.Files.IMAGES)
    actions.send_message(channel, acting=world.pupil, body="see https://example.org/homework")
    picture = _upload(world.pupil, image=True)
    actions.send_message(channel, acting=world.pupil, body="my drawing", attachment_ids=[str(picture.pk)])
    notes = _upload(world.pupil, image=False)
    with verify_refused(PostingRefused) as refused:
        actions.send_message(channel, acting=world.pupil, body="notes", attachment_ids=[str(notes.pk)])
    assert refused.value.code == "files_blocked"
    teachers = _upload(world.teacher, image=False)
    actions.send_message(channel, acting=world.teacher, body="worksheet", attachment_ids=[str(teachers.pk)])


def test_a_school_can_block_links_and_files_from_pupils(world, channel, at):
    with verify_action(audit=[A.PUPIL_POSTING_POLICY_CHANGED], events=[]) as captured:
        actions.set_pupil_posting_policy(world.school, acting=world.dsl, links_allowed=False, files="none")
    assert captured.audit[0].data["after"] == {"links_allowed": False, "files": "none"}
    with verify_unchanged():
        actions.set_pupil_posting_policy(world.school, acting=world.dsl, links_allowed=False, files="none")
    for body in (
        "look at www.example.com",
        "go to bit.ly/abc",
        "http://example.org",
        "example dot com",
        "www . site . co . uk",
        "bit ly/abc",
        "insta: someone",
    ):
        with verify_refused(PostingRefused) as refused:
            actions.send_message(channel, acting=world.pupil, body=body)
        assert refused.value.code == "links_blocked"
    actions.send_message(channel, acting=world.pupil, body="I finished it. Thanks Miss.")
    actions.send_message(channel, acting=world.pupil, body="I'll come. Com... dot the i's, it's 3.5 cm")
    picture = _upload(world.pupil, image=True)
    with verify_refused(PostingRefused) as refused:
        actions.send_message(channel, acting=world.pupil, body="drawing", attachment_ids=[str(picture.pk)])
    assert refused.value.code == "files_blocked"
    actions.send_message(channel, acting=world.teacher, body="Read https://example.org")


@pytest.mark.parametrize("who", ["teacher", "pupil", "office", "other_teacher"])
def test_only_leaders_and_safeguarding_leads_set_the_pupil_posting_policy(world, who):
    with verify_refused(PermissionDenied):
        actions.set_pupil_posting_policy(world.school, acting=getattr(world, who), links_allowed=False, files="all")


def test_the_head_sets_the_policy_and_an_unknown_file_choice_is_refused(world):
    with verify_refused(Invalid, field="files"):
        actions.set_pupil_posting_policy(world.school, acting=world.head, links_allowed=True, files="videos")
    with verify_action(audit=[A.PUPIL_POSTING_POLICY_CHANGED], events=[]):
        actions.set_pupil_posting_policy(world.school, acting=world.head, links_allowed=True, files="all")


def test_another_school_s_dsl_cannot_set_this_school_s_policy(world):
    other = _other_school_dsl(world)
    with verify_refused(PermissionDenied):
        actions.set_pupil_posting_policy(world.school, acting=other, links_allowed=False, files="none")


def test_an_unknown_message_stays_not_found_for_the_dsl_of_another_school(world, channel):
    message, _ = actions.send_message(channel, acting=world.pupil, body="hello")
    with pytest.raises(NotFound):
        queries.get_message(_other_school_dsl(world), message.pk)


def test_the_reason_for_changing_the_pupil_posting_policy_is_kept(world):
    with verify_action(audit=[A.PUPIL_POSTING_POLICY_CHANGED], events=[]) as captured:
        actions.set_pupil_posting_policy(
            world.school, acting=world.dsl, links_allowed=False, files="images", reason=" Phishing links "
        )
    assert captured.audit[0].reason == "Phishing links"
    with verify_refused(Invalid, field="reason"):
        actions.set_pupil_posting_policy(
            world.school, acting=world.dsl, links_allowed=True, files="all", reason="x" * 501
        )
