"""Messaging actions: the allowed path, each denied role, and bad input."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from staffroom.compliance.models import AuditEntry
from staffroom.errors import Invalid, NotFound, PermissionDenied, RateLimited
from staffroom.messaging import actions, queries
from staffroom.messaging.models import Conversation, Membership, Message, MessageRevision, Reaction
from tests.factories import stream_of

pytestmark = pytest.mark.django_db


def events_for(person, type_=None):
    return stream_of(person, type_)


# --- creating conversations ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["channel", "group", "direct"])
def test_staff_create_everyday_conversations(world, kind):
    conv = actions.create_conversation(acting=world.teacher, kind=kind, title="Maths", member_ids=[world.ta.pk])
    assert conv.kind == kind
    assert set(conv.memberships.values_list("person_id", flat=True)) == {world.teacher.pk, world.ta.pk}
    expected = "member" if kind == "direct" else "owner"  # in a direct message everyone is equal
    assert Membership.objects.get(conversation=conv, person=world.teacher).role == expected
    assert AuditEntry.objects.filter(action="conversation.created", conversation_id=conv.pk).exists()
    assert events_for(world.ta, "membership.added")


@pytest.mark.parametrize("starter", ["teacher", "admin", "head"])
def test_nobody_in_a_direct_message_removes_the_other_or_hides_their_messages(world, starter):
    starter = getattr(world, starter)
    direct = actions.create_conversation(acting=starter, kind="direct", member_ids=[world.teacher2.pk])
    assert set(direct.memberships.values_list("role", flat=True)) == {"member"}
    theirs, _ = actions.send_message(direct, acting=world.teacher2, body="Between us")
    mine, _ = actions.send_message(direct, acting=starter, body="Mine")
    for acting, other, their_message in [(starter, world.teacher2, theirs), (world.teacher2, starter, mine)]:
        with pytest.raises(PermissionDenied):
            actions.remove_member(direct, other.pk, acting=acting)
        with pytest.raises(PermissionDenied):
            actions.delete_message(their_message, acting=acting)
    assert Membership.objects.filter(conversation=direct).count() == 2
    actions.delete_message(mine, acting=starter)  # one's own, as anywhere
    actions.remove_member(direct, world.teacher2.pk, acting=world.teacher2)  # leaving is fine
    assert list(direct.memberships.values_list("person_id", flat=True)) == [starter.pk]


def test_direct_message_owners_from_before_become_plain_members(world):
    import importlib

    from django.apps import apps

    direct = actions.create_conversation(acting=world.teacher, kind="direct", member_ids=[world.teacher2.pk])
    group = world.group(world.teacher2)
    Membership.objects.filter(conversation=direct, person=world.teacher).update(role="owner")  # as created before
    migration = importlib.import_module("staffroom.messaging.migrations.0004_direct_messages_have_no_owner")
    migration.direct_message_owners_become_members(apps, None)
    assert set(direct.memberships.values_list("role", flat=True)) == {"member"}
    assert Membership.objects.get(conversation=group, person=world.teacher).role == "owner"


def test_direct_message_with_the_same_people_is_reused(world):
    first = actions.create_conversation(acting=world.teacher, kind="direct", member_ids=[world.teacher2.pk])
    again = actions.create_conversation(acting=world.teacher2, kind="direct", member_ids=[world.teacher.pk])
    assert first.pk == again.pk


@pytest.mark.parametrize("role", ["teacher", "ta", "office", "pupil", "external", "governor"])
def test_only_leaders_create_announcements(world, role):
    with pytest.raises(PermissionDenied):
        actions.create_conversation(acting=getattr(world, role), kind="announcement", title="Notices")


@pytest.mark.parametrize("role", ["head", "admin", "dpo", "dsl"])
def test_leaders_create_announcements(world, role):
    conv = actions.create_conversation(acting=getattr(world, role), kind="announcement", title="Notices")
    assert conv.kind == Conversation.Kind.ANNOUNCEMENT


@pytest.mark.parametrize("role", ["pupil", "external"])
def test_pupils_and_externals_cannot_start_conversations(world, role):
    for kind in ("channel", "group", "direct"):
        with pytest.raises(PermissionDenied):
            actions.create_conversation(
                acting=getattr(world, role), kind=kind, title="x", member_ids=[world.teacher.pk]
            )


def test_pupil_can_never_be_in_a_direct_message_with_an_adult(world):
    with pytest.raises(Invalid) as error:
        actions.create_conversation(acting=world.teacher, kind="direct", member_ids=[world.pupil.pk])
    assert error.value.field == "member_ids"
    assert "cannot be added" in error.value.message and world.pupil.name not in error.value.message
    assert not Conversation.objects.filter(kind="direct").exists()


def test_pupil_cannot_be_added_to_a_group(world):
    conv = world.group(world.teacher2)
    with pytest.raises(Invalid):
        actions.add_member(conv, world.pupil.pk, acting=world.teacher)
    assert not Membership.objects.filter(conversation=conv, person=world.pupil).exists()


def test_class_channel_holds_teacher_and_enrolled_pupils_and_the_dsl_can_see_it(world):
    conv = world.class_channel(world.ta)
    members = set(conv.memberships.values_list("person_id", flat=True))
    assert members == {world.teacher.pk, world.ta.pk, world.pupil.pk, world.pupil2.pk}
    assert world.dsl.pk not in members
    assert queries.get_conversation(world.dsl, conv.pk) == conv  # oversight without membership
    with pytest.raises(NotFound):
        queries.get_conversation(world.teacher2, conv.pk)


def test_class_channel_needs_a_class_and_a_permitted_role(world):
    with pytest.raises(Invalid):
        actions.create_conversation(acting=world.teacher, kind="class", title="9X")
    with pytest.raises(PermissionDenied):
        actions.create_conversation(acting=world.ta, kind="class", title="9X", school_class=world.klass)


def test_people_of_another_organisation_cannot_be_added(world):
    with pytest.raises(Invalid):
        actions.create_conversation(acting=world.teacher, kind="group", title="x", member_ids=[world.outsider.pk])
    conv = world.group()
    with pytest.raises(Invalid):
        actions.add_member(conv, world.outsider.pk, acting=world.teacher)


@pytest.mark.parametrize("title", ["", "   ", "x" * 121])
def test_titles_are_checked(world, title):
    with pytest.raises(Invalid) as error:
        actions.create_conversation(acting=world.teacher, kind="group", title=title)
    assert error.value.field == "title"


# --- typed text (see staffroom/text.py) ----------------------------------------------------------------------


@pytest.mark.parametrize("body", ["\u200b", "\u200b\u200c\u200d\u2060\ufeff", "\u202e\u2066 \u2069"])
def test_a_message_of_only_invisible_characters_is_refused_and_says_so(world, body):
    conv = world.group(world.teacher2)
    with pytest.raises(Invalid) as refused:
        actions.send_message(conv, acting=world.teacher, body=body)
    assert refused.value.field == "body"
    assert "invisible" in refused.value.message
    assert not Message.objects.exists()
    message, _ = actions.send_message(conv, acting=world.teacher, body="Visible")
    with pytest.raises(Invalid, match="invisible"):
        actions.edit_message(message, acting=world.teacher, body=body)


def test_message_text_is_stored_clean_and_emoji_keep_their_joiners(world):
    conv = world.group(world.teacher2)
    family, professional = "👨\u200d👩\u200d👧", "👩🏽\u200d💻"
    body = f"Pay \u202eKCOLB\u202c now, ki\u200bll {family} {professional} cafe\u0301"
    message, _ = actions.send_message(conv, acting=world.teacher, body=body)
    assert message.body == f"Pay KCOLB now, kill {family} {professional} caf\u00e9"
    edited = actions.edit_message(message, acting=world.teacher, body="Fixed \u2066typo\u2069")
    assert edited.body == "Fixed typo"


@pytest.mark.parametrize("title", ["\u200b\u200b", "\u202e", "\ufeff \u3164"])
def test_a_title_of_only_invisible_characters_is_refused_and_says_so(world, title):
    with pytest.raises(Invalid) as refused:
        actions.create_conversation(acting=world.teacher, kind="group", title=title)
    assert refused.value.field == "title"
    assert "invisible" in refused.value.message
    group = world.group(world.teacher2)
    with pytest.raises(Invalid, match="invisible"):
        actions.update_conversation(group, acting=world.teacher, title=title)


def test_titles_and_descriptions_are_stored_clean(world):
    conv = actions.create_conversation(
        acting=world.teacher,
        kind="group",
        title=" Year\u200b 9\u202e\tteam ",
        description="Planning\n\u2066trips\u2069",
    )
    assert (conv.title, conv.description) == ("Year 9 team", "Planning trips")
    actions.update_conversation(conv, acting=world.teacher, title="Cyfarfod\u00a0staff", description="\ufeffNotes")
    conv.refresh_from_db()
    assert (conv.title, conv.description) == ("Cyfarfod staff", "Notes")


def test_reactions_are_cleaned_but_keep_emoji_joiners(world):
    conv = world.group(world.teacher2)
    message, _ = actions.send_message(conv, acting=world.teacher, body="Well done")
    actions.react(message, "👍\u200b", acting=world.teacher2)
    actions.react(message, "👨\u200d👩\u200d👧", acting=world.teacher2)
    assert set(Reaction.objects.values_list("emoji", flat=True)) == {"👍", "👨\u200d👩\u200d👧"}
    with pytest.raises(Invalid):
        actions.react(message, "\u200d", acting=world.teacher2)


def test_unknown_kind_is_refused(world):
    with pytest.raises(Invalid):
        actions.create_conversation(acting=world.teacher, kind="broadcast", title="x")


def test_channels_of_ones_school_can_be_joined_but_not_private_groups(world):
    channel = world.channel(by=world.teacher2)
    group = world.group(by=world.teacher2)
    assert channel in queries.joinable_channels(world.teacher)
    actions.join_channel(channel, acting=world.teacher)
    assert Membership.objects.filter(conversation=channel, person=world.teacher).exists()
    with pytest.raises(NotFound):
        actions.join_channel(group, acting=world.teacher)
    with pytest.raises(NotFound):
        actions.join_channel(channel, acting=world.pupil)
    with pytest.raises(NotFound):
        actions.join_channel(channel, acting=world.outsider)


def test_only_managers_add_and_remove_members(world):
    conv = world.group(world.teacher2)
    with pytest.raises(PermissionDenied):
        actions.add_member(conv, world.ta.pk, acting=world.teacher2)
    actions.add_member(conv, world.ta.pk, acting=world.teacher)
    with pytest.raises(PermissionDenied):
        actions.remove_member(conv, world.ta.pk, acting=world.teacher2)
    actions.remove_member(conv, world.ta.pk, acting=world.teacher, reason="moved year group")
    assert events_for(world.ta, "membership.removed")
    entry = AuditEntry.objects.get(action="membership.removed")
    assert entry.reason == "moved year group"


def test_anyone_may_leave_except_pupils_from_class_channels(world):
    conv = world.group(world.teacher2)
    actions.remove_member(conv, world.teacher2.pk, acting=world.teacher2)
    klass = world.class_channel()
    with pytest.raises(PermissionDenied):
        actions.remove_member(klass, world.pupil.pk, acting=world.pupil)


# --- messages -----------------------------------------------------------------------------------------------


def test_send_notifies_members_renders_markdown_and_records_mentions(world):
    conv = world.group(world.teacher2, world.ta)
    message, created = actions.send_message(conv, acting=world.teacher, body=f"**Hi** @{world.teacher2.handle}")
    assert created
    assert "<strong>Hi</strong>" in message.html
    assert list(message.mentions.all()) == [world.teacher2]
    for member in (world.teacher, world.teacher2, world.ta):
        (event,) = events_for(member, "message.new")
        assert event.payload["message"]["id"] == message.pk
    summary = queries.conversation_summary(world.teacher2, conv)
    assert (summary.unread, summary.mentions) == (1, 1)
    assert queries.conversation_summary(world.teacher, conv).unread == 0  # own messages are read


def test_script_in_a_message_is_never_rendered(world):
    conv = world.group(world.teacher2)
    message, _ = actions.send_message(
        conv, acting=world.teacher, body="<img src=x onerror=alert(1)> [x](javascript:alert(1)) <script>1</script>"
    )
    assert "<script" not in message.html
    assert "onerror" not in message.html.replace("onerror=alert(1)&gt;", "")
    assert 'href="javascript' not in message.html


def test_same_client_id_posts_once(world):
    conv = world.group(world.teacher2)
    first, created = actions.send_message(conv, acting=world.teacher, body="once", client_id="abc-1")
    again, created_again = actions.send_message(conv, acting=world.teacher, body="once", client_id="abc-1")
    assert created and not created_again
    assert first.pk == again.pk
    assert Message.objects.filter(conversation=conv).count() == 1
    assert len(events_for(world.teacher2, "message.new")) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [("", "body"), ("   \n ", "body"), ("x" * 10_001, "body")],
)
def test_bad_bodies_are_refused_and_nothing_is_written(world, body, field):
    conv = world.group(world.teacher2)
    before = AuditEntry.objects.count()
    with pytest.raises(Invalid) as error:
        actions.send_message(conv, acting=world.teacher, body=body)
    assert error.value.field == field
    assert not Message.objects.exists()
    assert AuditEntry.objects.count() == before


def test_ten_thousand_characters_is_allowed(world):
    conv = world.group(world.teacher2)
    message, _ = actions.send_message(conv, acting=world.teacher, body="x" * 10_000)
    assert len(message.body) == 10_000


def test_only_announcement_senders_post_in_announcements(world):
    conv = world.announcement(world.teacher, world.ta)
    with pytest.raises(PermissionDenied):
        actions.send_message(conv, acting=world.teacher, body="Can I post here?")
    message, _ = actions.send_message(conv, acting=world.head, body="Inset day on Monday")
    assert message.pk


def test_non_members_cannot_post(world):
    conv = world.group(world.teacher2)
    with pytest.raises(PermissionDenied):
        actions.send_message(conv, acting=world.ta, body="hello")
    with pytest.raises(PermissionDenied):
        actions.send_message(conv, acting=world.outsider, body="hello")


def test_reply_must_be_in_the_same_conversation(world):
    a = world.group(world.teacher2, title="A")
    b = world.group(world.teacher2, title="B")
    original, _ = actions.send_message(a, acting=world.teacher, body="question")
    reply, _ = actions.send_message(a, acting=world.teacher2, body="answer", reply_to_id=original.pk)
    assert reply.reply_to_id == original.pk
    with pytest.raises(Invalid):
        actions.send_message(b, acting=world.teacher2, body="answer", reply_to_id=original.pk)


def test_edit_keeps_history_and_only_the_author_edits(world):
    conv = world.group(world.teacher2)
    message, _ = actions.send_message(conv, acting=world.teacher, body="Meeting at 3")
    with pytest.raises(PermissionDenied):
        actions.edit_message(message, acting=world.teacher2, body="Meeting cancelled")
    edited = actions.edit_message(message, acting=world.teacher, body="Meeting at 4")
    assert edited.body == "Meeting at 4" and edited.edited_at is not None
    (revision,) = MessageRevision.objects.filter(message=message)
    assert revision.body == "Meeting at 3"
    assert events_for(world.teacher2, "message.edited")


def test_delete_hides_but_keeps_the_record(world):
    conv = world.group(world.teacher2)
    message, _ = actions.send_message(conv, acting=world.teacher, body="Oops, wrong group")
    with pytest.raises(PermissionDenied):
        actions.delete_message(message, acting=world.teacher2)
    actions.delete_message(message, acting=world.teacher, reason="wrong group")
    stored = Message.objects.get(pk=message.pk)
    assert stored.deleted_at is not None and stored.body == "Oops, wrong group"
    page = queries.message_page(world.teacher2, conv)
    assert page.items[0].is_deleted
    (event,) = events_for(world.teacher2, "message.deleted")
    assert event.payload["message"]["body"] == "" and event.payload["message"]["deleted"] is True


def test_conversation_owner_can_hide_others_messages(world):
    conv = world.group(world.teacher2)
    message, _ = actions.send_message(conv, acting=world.teacher2, body="off-topic")
    actions.delete_message(message, acting=world.teacher)
    assert Message.objects.get(pk=message.pk).deleted_at is not None


def test_reactions_add_and_remove(world):
    conv = world.group(world.teacher2)
    message, _ = actions.send_message(conv, acting=world.teacher, body="Well done all")
    actions.react(message, "👍", acting=world.teacher2)
    actions.react(message, "👍", acting=world.teacher2)  # twice is once
    assert Reaction.objects.filter(message=message).count() == 1
    actions.react(message, "👍", acting=world.teacher2, add=False)
    assert not Reaction.objects.filter(message=message).exists()
    with pytest.raises(Invalid):
        actions.react(message, "two words", acting=world.teacher2)
    with pytest.raises(PermissionDenied):
        actions.react(message, "👍", acting=world.ta)


def test_mark_read_moves_forward_only_and_sends_receipts(world):
    conv = world.group(world.teacher2)
    first, _ = actions.send_message(conv, acting=world.teacher, body="one")
    second, _ = actions.send_message(conv, acting=world.teacher, body="two")
    assert actions.mark_read(conv, acting=world.teacher2, up_to_message_id=second.pk) == second.pk
    assert actions.mark_read(conv, acting=world.teacher2, up_to_message_id=first.pk) == second.pk
    assert queries.conversation_summary(world.teacher2, conv).unread == 0
    assert [p.pk for p in queries.read_by(world.teacher, second)] == [world.teacher2.pk]
    assert events_for(world.teacher, "receipt.updated")


def test_sending_is_rate_limited(world, ratelimit_clock):
    conv = world.group(world.teacher2)
    for i in range(30):
        actions.send_message(conv, acting=world.teacher, body=f"message {i}")
        ratelimit_clock.advance(0.3)  # however slowly the machine sends them, they fall in one 10-second window
    with pytest.raises(RateLimited):
        actions.send_message(conv, acting=world.teacher, body="one too many")


# --- announcements ------------------------------------------------------------------------------------------


def test_acknowledge_and_status_and_remind(world):
    conv = world.announcement(world.teacher, world.teacher2, world.ta)
    notice, _ = actions.send_message(conv, acting=world.head, body="Read the new policy")
    actions.acknowledge(notice, acting=world.teacher)
    actions.acknowledge(notice, acting=world.teacher)  # twice is once
    status = queries.acknowledgement_status(world.head, notice)
    assert [p.pk for p, _ in status.acknowledged] == [world.teacher.pk]
    assert {p.pk for p in status.pending} == {world.teacher2.pk, world.ta.pk}
    assert events_for(world.head, "acknowledgement.updated")[-1].payload["acknowledgements"] == 1
    assert actions.remind_unacknowledged(notice, acting=world.head) == 2
    assert events_for(world.ta, "announcement.reminder")
    assert not events_for(world.teacher, "announcement.reminder")


def test_acknowledgement_denials(world):
    conv = world.announcement(world.teacher, world.teacher2)
    notice, _ = actions.send_message(conv, acting=world.head, body="Read the new policy")
    with pytest.raises(PermissionDenied):
        actions.acknowledge(notice, acting=world.ta)  # not a member
    with pytest.raises(PermissionDenied):
        queries.acknowledgement_status(world.teacher, notice)
    with pytest.raises(PermissionDenied):
        actions.remind_unacknowledged(notice, acting=world.teacher)
    chat = world.group(world.teacher2)
    message, _ = actions.send_message(chat, acting=world.teacher, body="not an announcement")
    with pytest.raises(Invalid):
        actions.acknowledge(message, acting=world.teacher2)


def test_a_withdrawn_announcement_cannot_be_chased(world):
    conv = world.announcement(world.teacher, world.teacher2)
    notice, _ = actions.send_message(conv, acting=world.head, body="Read the new policy")
    actions.delete_message(notice, acting=world.head)
    with pytest.raises(Invalid):
        actions.remind_unacknowledged(notice, acting=world.head)
    assert not events_for(world.teacher, "announcement.reminder")


# --- reads --------------------------------------------------------------------------------------------------


def test_other_organisations_and_non_members_get_not_found(world):
    conv = world.group(world.teacher2)
    message, _ = actions.send_message(conv, acting=world.teacher, body="private")
    for viewer in (world.outsider, world.ta, world.head, world.dsl):
        with pytest.raises(NotFound):
            queries.get_conversation(viewer, conv.pk)
        with pytest.raises(NotFound):
            queries.get_message(viewer, message.pk)


def test_message_pages_walk_back_without_gaps(world):
    conv = world.group(world.teacher2)
    sent = []
    for i in range(25):
        sent.append(actions.send_message(conv, acting=world.teacher if i % 2 else world.teacher2, body=f"m{i}")[0])
        if i % 20 == 19:
            from django.core.cache import cache

            cache.clear()
    seen, before = [], None
    while True:
        page = queries.message_page(world.teacher2, conv, before=before, limit=7)
        seen = [m.pk for m in page.items] + seen
        if page.next is None:
            break
        before = int(page.next)
    assert seen == [m.pk for m in sent]


def test_conversation_list_uses_a_fixed_number_of_queries(world):
    for i in range(5):
        conv = world.group(world.teacher2, title=f"Group {i}")
        actions.send_message(conv, acting=world.teacher, body="hello")
    with CaptureQueriesContext(connection) as few:
        queries.conversation_summaries(world.teacher2)
    for i in range(5, 15):
        world.group(world.teacher2, title=f"Group {i}")
    with CaptureQueriesContext(connection) as many:
        queries.conversation_summaries(world.teacher2)
    assert len(many) == len(few)


def test_class_channel_permission_is_checked_in_the_class_school(world):
    from tests import factories

    primary_class = factories.school_class(world.other_school, "Year 2 Robins")
    with pytest.raises(PermissionDenied):
        actions.create_conversation(acting=world.teacher, kind="class", title="Robins", school_class=primary_class)
    conv = actions.create_conversation(
        acting=world.other_teacher, kind="class", title="Robins", school_class=primary_class
    )
    assert conv.school == world.other_school


@pytest.mark.parametrize("role", ["teacher2", "ta", "office", "head"])
def test_staff_may_delete_their_own_messages_without_running_the_conversation(world, role):
    person = getattr(world, role)
    conv = world.group(person)
    message, _ = actions.send_message(conv, acting=person, body="sent in error")
    actions.delete_message(message, acting=person)
    assert Message.objects.get(pk=message.pk).deleted_at is not None


def test_reading_moves_forward_once_and_is_recorded(world):
    conv = world.group(world.teacher2)
    message, _ = actions.send_message(conv, acting=world.teacher, body="Read me")
    assert actions.mark_read(conv, acting=world.teacher2) == message.pk
    assert actions.mark_read(conv, acting=world.teacher2) == message.pk  # again: nothing new
    (entry,) = AuditEntry.objects.filter(action="conversation.read")
    assert (entry.actor, entry.conversation_id, entry.data) == (
        world.teacher2,
        conv.pk,
        {"up_to_message_id": message.pk},
    )
