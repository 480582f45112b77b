"""The conversation list as a phone chat app shows it: newest activity first, each row with a one-line preview of
the last message (plain text, never a deleted message's words), its time and the unread count; built in a fixed
number of queries however many conversations a person is in."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from staffroom.messaging import actions, queries
from staffroom.messaging.models import Message
from staffroom.web import sidebar
from tests.web.test_uploads import _files_in_tmp, png, send_with, text_file  # noqa: F401 (the fixture is used)

SECRET = "Kestrel-secret-words"


def rows(html: str) -> str:
    """The list part of a page."""
    return html[html.index('id="conversation-list"') : html.index("</ul>", html.index('id="conversation-list"'))]


def entry_for(person, conversation) -> sidebar.Entry:
    return next(e for e in sidebar.build(person).entries if e.conversation.pk == conversation.pk)


def test_the_list_is_newest_activity_first(world, as_person):
    older = world.group(world.teacher2, title="Older group")
    newer = world.channel(world.teacher2, title="Newer channel")
    actions.send_message(older, acting=world.teacher, body="Back again")
    html = rows(as_person(world.teacher2).get("/").content.decode())
    assert html.index("Older group") < html.index("Newer channel")
    actions.send_message(newer, acting=world.teacher, body="Now me")
    html = rows(as_person(world.teacher2).get("/").content.decode())
    assert html.index("Newer channel") < html.index("Older group")


def test_a_row_has_a_kind_label_a_plain_preview_a_time_and_the_unread_count(world, as_person):
    group = world.group(world.teacher2, title="Year 9 team")
    actions.send_message(group, acting=world.teacher, body="Trip on **Friday**, see [the letter](https://example.org)")
    actions.send_message(group, acting=world.teacher, body="Bring *coats*")
    html = rows(as_person(world.teacher2).get("/").content.decode())
    assert f'data-testid="preview-{group.pk}">Bring coats</span>' in html
    assert f'data-testid="unread-{group.pk}" aria-hidden="true">2</span>' in html
    assert 'class="kind-tag"' in html and "Group" in html
    assert 'class="row-time" datetime="' in html


def test_ones_own_last_message_reads_you(world):
    group = world.group(world.teacher2)
    actions.send_message(group, acting=world.teacher, body="Hello")
    assert entry_for(world.teacher, group).preview == "You: Hello"
    assert entry_for(world.teacher2, group).preview == "Hello"


def test_a_photo_or_a_file_alone_reads_photo_or_file(world, as_person):
    photos = world.group(world.teacher2, title="Photos")
    files = world.group(world.teacher2, title="Files")
    client = as_person(world.teacher)
    assert send_with(client, photos, [png()], client_id="p").status_code in (200, 302)
    assert send_with(client, files, [text_file()], client_id="f").status_code in (200, 302)
    assert entry_for(world.teacher2, photos).preview == "Photo"
    assert entry_for(world.teacher2, files).preview == "File"
    assert entry_for(world.teacher, photos).preview == "You: Photo"


def test_a_deleted_last_message_never_shows_its_words(world, as_person):
    group = world.group(world.teacher2)
    actions.send_message(group, acting=world.teacher, body="Earlier words")
    message, _ = actions.send_message(group, acting=world.teacher, body=f"{SECRET} about the trip")
    actions.delete_message(message, acting=world.teacher)
    for person in (world.teacher, world.teacher2):
        html = as_person(person).get("/").content.decode()
        assert SECRET not in html
        assert entry_for(person, group).preview.endswith("Message deleted")
    assert SECRET not in as_person(world.teacher2).get("/sidebar").content.decode()


def test_an_erased_last_message_never_shows_its_words(world):
    group = world.group(world.teacher2)
    message, _ = actions.send_message(group, acting=world.teacher, body=SECRET)
    Message.objects.filter(pk=message.pk).update(deleted_at=timezone.now(), erased_at=timezone.now())
    assert entry_for(world.teacher2, group).preview == "Message deleted"


def test_a_long_message_is_cut_to_one_short_line(world):
    group = world.group(world.teacher2)
    actions.send_message(group, acting=world.teacher, body="word " * 60)
    text = entry_for(world.teacher2, group).preview
    assert len(text) <= sidebar.PREVIEW_LENGTH and text.endswith("…") and "\n" not in text


def test_a_conversation_without_messages_has_no_preview(world):
    group = world.group(world.teacher2)
    assert entry_for(world.teacher2, group).preview == ""


def test_last_messages_are_only_those_of_the_viewers_conversations(world):
    mine = world.group(world.teacher2)
    theirs = world.group(world.ta)
    a, _ = actions.send_message(mine, acting=world.teacher, body="Ours")
    b, _ = actions.send_message(theirs, acting=world.teacher, body=SECRET)
    assert set(queries.last_messages(world.teacher2, [a.pk, b.pk])) == {mine.pk}


NOW = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)  # a Saturday


@pytest.mark.parametrize(
    ("when", "shown"),
    [
        (datetime(2026, 12, 5, 8, 7, tzinfo=UTC), "08:07"),
        (datetime(2026, 12, 4, 23, 30, tzinfo=UTC), "Friday"),
        (datetime(2026, 11, 29, 9, 0, tzinfo=UTC), "Sunday"),
        (datetime(2026, 11, 28, 9, 0, tzinfo=UTC), "28 Nov"),
        (datetime(2025, 12, 5, 9, 0, tzinfo=UTC), "5 Dec 2025"),
    ],
)
def test_times_read_as_in_a_chat_list(settings, when, shown):
    settings.TIME_ZONE = "UTC"
    assert sidebar.list_time(when, NOW) == shown


def test_times_are_in_the_schools_time_zone(settings):
    settings.TIME_ZONE = "Europe/London"
    # 23:30 UTC on 30 June is 00:30 on 1 July in London: "today" there.
    assert sidebar.list_time(datetime(2026, 6, 30, 23, 30, tzinfo=UTC), datetime(2026, 7, 1, 9, 0, tzinfo=UTC)) == (
        "00:30"
    )


def _fill(world, n: int) -> None:
    for i in range(n):
        group = world.group(world.teacher2, title=f"Group {i}")
        actions.send_message(group, acting=world.teacher, body=f"Message {i}")
    for other in (world.ta, world.office, world.head)[: max(1, n // 3)]:
        direct = actions.create_conversation(acting=world.teacher, kind="direct", member_ids=[other.pk])
        actions.send_message(direct, acting=other, body="A direct word")


def count_queries(person) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        sidebar.build(person)
    return len(captured.captured_queries)


def test_the_list_costs_the_same_few_queries_for_few_or_many_conversations(world, django_assert_max_num_queries):
    # Measured before this change (no previews): 5 queries for 3 conversations and a direct message, 11 for 12
    # and four direct messages (two for each direct message's members, to name it). Now 4 either way: the
    # summaries (with each one's last message id), the last messages, the direct messages' names, and the
    # class channels a safeguarding lead oversees.
    _fill(world, 3)
    few = count_queries(world.teacher)
    _fill(world, 9)
    with django_assert_max_num_queries(few):
        built = sidebar.build(world.teacher)
    assert len(built.entries) >= 12
    assert all(e.preview for e in built.entries)
    assert few <= 4
