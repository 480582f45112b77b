"""Sending, editing, deleting and reacting to messages, and walking the history page by page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from staffroom.messaging import actions
from staffroom.messaging.models import Message, MessageRevision
from tests import factories
from tests.api.conftest import ApiClient, error_of

MESSAGE_KEYS = {
    "id",
    "conversation_id",
    "author",
    "body",
    "html",
    "created_at",
    "edited_at",
    "reply_to",
    "client_id",
    "attachments",
    "reactions",
}


@pytest.fixture
def group(world):
    return world.group(world.teacher2, world.ta)


def messages_url(conversation) -> str:
    return f"/conversations/{conversation.pk}/messages"


def test_post_a_message(world, group):
    response = ApiClient(world.teacher).post(messages_url(group), {"body": "Hello **team**"})
    assert response.status_code == 201
    message = response.json()
    assert set(message) >= MESSAGE_KEYS
    assert message["body"] == "Hello **team**"
    assert "<strong>team</strong>" in message["html"]
    assert message["author"]["id"] == world.teacher.pk
    assert "email" not in message["author"]
    assert message["conversation_id"] == group.pk
    assert message["deleted"] is False


def test_retrying_with_the_same_client_id_posts_once(world, group):
    client = ApiClient(world.teacher)
    first = client.post(messages_url(group), {"body": "Once", "client_id": "c-1"})
    again = client.post(messages_url(group), {"body": "Once", "client_id": "c-1"})
    assert first.status_code == 201
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert again.json()["client_id"] == "c-1"
    assert Message.objects.filter(conversation=group).count() == 1


def test_reply_to_a_message_in_the_same_conversation(world, group):
    original, _ = actions.send_message(group, acting=world.teacher2, body="Question?")
    response = ApiClient(world.teacher).post(messages_url(group), {"body": "Answer", "reply_to": original.pk})
    assert response.status_code == 201
    assert response.json()["reply_to"] == original.pk
    elsewhere = world.group(world.head)
    stray, _ = actions.send_message(elsewhere, acting=world.head, body="Elsewhere")
    response = ApiClient(world.teacher).post(messages_url(group), {"body": "Answer", "reply_to": stray.pk})
    assert response.status_code == 422
    assert error_of(response)["field"] == "reply_to"


def test_message_over_the_limit_is_422_and_not_stored(world, group):
    body = "x" * (settings.STAFFROOM_MAX_MESSAGE_LENGTH + 1)
    response = ApiClient(world.teacher).post(messages_url(group), {"body": body})
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "body"
    assert "10,000" in error["message"]
    assert not Message.objects.filter(conversation=group).exists()


def test_message_at_the_limit_is_accepted(world, group):
    body = "x" * settings.STAFFROOM_MAX_MESSAGE_LENGTH
    assert ApiClient(world.teacher).post(messages_url(group), {"body": body}).status_code == 201


def test_empty_message_is_422(world, group):
    response = ApiClient(world.teacher).post(messages_url(group), {"body": "   "})
    assert response.status_code == 422
    assert error_of(response)["field"] == "body"


def test_a_message_of_zero_width_spaces_is_422_and_says_why(world, group):
    response = ApiClient(world.teacher).post(messages_url(group), {"body": "\u200b" * 20})
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "body"
    assert error["message"] == "This message has only invisible characters. Write something or attach a file."
    assert not Message.objects.exists()


def test_a_title_of_only_bidi_controls_is_422(world):
    response = ApiClient(world.teacher).post("/conversations", {"kind": "group", "title": "\u202e\u2066\u2069"})
    assert response.status_code == 422
    assert error_of(response)["field"] == "title"


def test_unknown_attachment_is_422(world, group):
    response = ApiClient(world.teacher).post(
        messages_url(group), {"body": "see attached", "attachment_ids": ["not-a-uuid"]}
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "attachment_ids"


def test_get_one_message(world, group):
    message, _ = actions.send_message(group, acting=world.teacher, body="Hi")
    response = ApiClient(world.ta).get(f"/messages/{message.pk}")
    assert response.status_code == 200
    assert response.json()["body"] == "Hi"
    assert ApiClient(world.head).get(f"/messages/{message.pk}").status_code == 404
    assert ApiClient(world.outsider).get(f"/messages/{message.pk}").status_code == 404


def test_author_edits_and_the_earlier_version_is_kept(world, group):
    message, _ = actions.send_message(group, acting=world.teacher, body="First draft")
    response = ApiClient(world.teacher).patch(f"/messages/{message.pk}", {"body": "Second draft"})
    assert response.status_code == 200
    edited = response.json()
    assert edited["body"] == "Second draft"
    assert edited["edited_at"] is not None
    revision = MessageRevision.objects.get(message=message)
    assert revision.body == "First draft"
    assert revision.replaced_by == world.teacher


def test_only_the_author_may_edit(world, group):
    message, _ = actions.send_message(group, acting=world.teacher, body="Mine")
    response = ApiClient(world.teacher2).patch(f"/messages/{message.pk}", {"body": "Yours now"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert ApiClient(world.head).patch(f"/messages/{message.pk}", {"body": "x"}).status_code == 404
    message.refresh_from_db()
    assert message.body == "Mine"
    assert not MessageRevision.objects.exists()


def test_edit_over_the_limit_is_422(world, group):
    message, _ = actions.send_message(group, acting=world.teacher, body="Short")
    body = "y" * (settings.STAFFROOM_MAX_MESSAGE_LENGTH + 1)
    response = ApiClient(world.teacher).patch(f"/messages/{message.pk}", {"body": body})
    assert response.status_code == 422
    message.refresh_from_db()
    assert message.body == "Short"


def test_editing_too_fast_is_429_with_retry_after(world, group):
    message, _ = actions.send_message(group, acting=world.teacher, body="Draft")
    client = ApiClient(world.teacher)
    limit, window = actions.EDIT_LIMIT
    for i in range(limit):
        assert client.patch(f"/messages/{message.pk}", {"body": f"Version {i}"}).status_code == 200
    refused = client.patch(f"/messages/{message.pk}", {"body": "One edit too many"})
    assert refused.status_code == 429
    assert error_of(refused)["code"] == "rate_limited"
    assert 0 < int(refused["Retry-After"]) <= window
    assert MessageRevision.objects.filter(message=message).count() == limit


def test_delete_hides_the_message_but_keeps_its_place(world, group):
    message, _ = actions.send_message(group, acting=world.teacher, body="Oops, wrong chat")
    client = ApiClient(world.teacher)
    response = client.delete(f"/messages/{message.pk}")
    assert response.status_code == 204
    history = ApiClient(world.ta).get(messages_url(group)).json()["items"]
    assert [m["id"] for m in history] == [message.pk]
    assert history[0]["deleted"] is True
    assert history[0]["body"] == "" and history[0]["html"] == ""
    message.refresh_from_db()
    assert message.body == "Oops, wrong chat"  # kept for the records
    assert message.deleted_by == world.teacher


def test_a_plain_member_cannot_delete_someone_elses_message(world, group):
    message, _ = actions.send_message(group, acting=world.teacher, body="Mine")
    response = ApiClient(world.ta).delete(f"/messages/{message.pk}")
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.deleted_at is None


def test_deleted_message_cannot_be_edited(world, group):
    message, _ = actions.send_message(group, acting=world.teacher, body="Gone")
    client = ApiClient(world.teacher)
    client.delete(f"/messages/{message.pk}")
    response = client.patch(f"/messages/{message.pk}", {"body": "Back"})
    assert response.status_code == 422


def test_no_route_shows_a_deleted_messages_words(world, group):
    secret = "Kestrel-secret-words"
    message, _ = actions.send_message(group, acting=world.teacher, body=f"{secret} about the trip")
    reply, _ = actions.send_message(group, acting=world.ta, body="Noted", reply_to_id=message.pk)
    actions.delete_message(message, acting=world.teacher)
    for person in (world.teacher, world.ta):
        client = ApiClient(person)
        for response in [
            client.get(f"/messages/{message.pk}"),
            client.get(f"/messages/{reply.pk}"),
            client.get(messages_url(group)),
            client.get("/search", {"q": "Kestrel"}),
            client.get(f"/messages/{message.pk}/receipts"),
            client.patch(f"/messages/{message.pk}", {"body": "Back again"}),
            client.post(f"/messages/{message.pk}/reactions", {"emoji": "👍"}),
        ]:
            assert secret not in response.content.decode(), response.request["PATH_INFO"]


def test_no_route_shows_a_withdrawn_announcements_words(world):
    secret = "Kestrel-secret-words"
    channel = world.announcement(world.teacher, world.teacher2)
    notice, _ = actions.send_message(channel, acting=world.head, body=f"{secret} in a notice")
    actions.acknowledge(notice, acting=world.teacher)
    actions.delete_message(notice, acting=world.head)
    head, reader = ApiClient(world.head), ApiClient(world.teacher2)
    for response in [
        head.get(f"/messages/{notice.pk}/acknowledgements"),
        head.post(f"/messages/{notice.pk}/remind"),
        reader.post(f"/messages/{notice.pk}/acknowledge"),
    ]:
        assert secret not in response.content.decode(), response.request["PATH_INFO"]
        assert response.status_code in (200, 422)


def test_react_and_take_it_back(world, group):
    message, _ = actions.send_message(group, acting=world.teacher, body="Lunch?")
    client = ApiClient(world.ta)
    response = client.post(f"/messages/{message.pk}/reactions", {"emoji": "👍"})
    assert response.status_code == 200
    assert response.json()["reactions"] == [{"emoji": "👍", "count": 1, "person_ids": [world.ta.pk]}]
    response = client.delete(f"/messages/{message.pk}/reactions", {"emoji": "👍"})
    assert response.status_code == 200
    assert response.json()["reactions"] == []


def test_bad_reaction_is_422(world, group):
    message, _ = actions.send_message(group, acting=world.teacher, body="Lunch?")
    response = ApiClient(world.ta).post(f"/messages/{message.pk}/reactions", {"emoji": "two words"})
    assert response.status_code == 422
    assert error_of(response)["field"] == "emoji"


def test_non_member_cannot_react(world, group):
    message, _ = actions.send_message(group, acting=world.teacher, body="Lunch?")
    assert ApiClient(world.head).post(f"/messages/{message.pk}/reactions", {"emoji": "👍"}).status_code == 404


def test_receipts_list_who_has_read(world, group):
    message, _ = actions.send_message(group, acting=world.teacher, body="Read me")
    actions.mark_read(group, acting=world.ta)
    response = ApiClient(world.teacher).get(f"/messages/{message.pk}/receipts")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["items"]] == [world.ta.pk]


# --- history pages ----------------------------------------------------------------------------------------


def walk(client: ApiClient, conversation, limit: int) -> list[int]:
    """Every message id, following `next` from the newest page back to the oldest."""
    pages, before = [], None
    while True:
        params = {"limit": limit, **({"before": before} if before else {})}
        response = client.get(messages_url(conversation), params)
        assert response.status_code == 200, response.content
        page = response.json()
        assert len(page["items"]) <= limit
        ids = [m["id"] for m in page["items"]]
        assert ids == sorted(ids)  # oldest first within a page
        pages.append(ids)
        before = page["next"]
        if before is None:
            return [i for page_ids in reversed(pages) for i in page_ids]


def test_history_pages_walk_every_message_once(world, group):
    sent = [actions.send_message(group, acting=world.teacher, body=f"m{n}")[0].pk for n in range(7)]
    client = ApiClient(world.teacher2)
    assert walk(client, group, limit=3) == sent
    assert walk(client, group, limit=7) == sent
    assert walk(client, group, limit=50) == sent


def test_empty_history(world, group):
    response = ApiClient(world.teacher).get(messages_url(group))
    assert response.json() == {"items": [], "next": None}


def test_bad_cursor_is_422(world, group):
    for before in ["abc", "-5", "0"]:
        response = ApiClient(world.teacher).get(messages_url(group), {"before": before})
        assert response.status_code == 422
        assert error_of(response)["field"] == "before"


@pytest.mark.django_db
@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(count=st.integers(min_value=0, max_value=30), limit=st.integers(min_value=1, max_value=12))
def test_pages_have_no_gaps_or_duplicates(count, limit):
    school = factories.school()
    author = factories.person(school)
    reader = factories.person(school)
    conversation = actions.create_conversation(acting=author, kind="group", title="t", member_ids=[reader.pk])
    sent = [
        Message.objects.create(conversation=conversation, author=author, body=f"{n}", html="").pk for n in range(count)
    ]
    assert walk(ApiClient(reader), conversation, limit) == sent


def test_a_queued_retry_through_the_browser_session_posts_once_and_another_author_may_reuse_the_id(world, group):
    # The offline queue (offline.js) sends with the session cookie and retries with the same client_id after a
    # timeout, when it cannot know whether the first attempt arrived.
    browser = Client()
    browser.force_login(world.teacher)
    url = f"/api/v1{messages_url(group)}"
    sent = [
        browser.post(url, {"body": "Written offline", "client_id": "queued-1"}, content_type="application/json")
        for _ in range(3)
    ]
    assert [r.status_code for r in sent] == [201, 200, 200]
    assert len({r.json()["id"] for r in sent}) == 1
    # client_id is the author's own: someone else's message with the same id is their own message.
    other = ApiClient(world.ta).post(messages_url(group), {"body": "Mine", "client_id": "queued-1"})
    assert other.status_code == 201
    assert Message.objects.filter(conversation=group, client_id="queued-1").count() == 2
