"""Writing in a conversation through the page: send, retry, edit, delete, react, reply, read."""

import json
import uuid

from django.core.cache import cache

from staffroom.messaging import actions, queries
from staffroom.messaging.models import Membership, Message
from staffroom.realtime.models import Event
from tests.factories import stream_of
from tests.web.conftest import HTMX, assert_no_inline_code


def test_posting_a_message_creates_it_and_returns_to_the_conversation(world, as_person):
    conversation = world.group(world.teacher2)
    client = as_person(world.teacher)
    response = client.post(f"/c/{conversation.pk}/send", {"body": "Staff briefing at 8:30", "client_id": "abc"})
    message = Message.objects.get(conversation=conversation)
    assert message.body == "Staff briefing at 8:30"
    assert response.status_code == 302
    assert response["Location"] == f"/c/{conversation.pk}/#message-{message.pk}"
    assert f'id="message-{message.pk}"' in client.get(f"/c/{conversation.pk}/").content.decode()


def test_a_second_post_with_the_same_client_id_does_not_duplicate(world, as_person):
    conversation = world.group(world.teacher2)
    client = as_person(world.teacher)
    client_id = uuid.uuid4().hex
    for _ in range(2):
        client.post(f"/c/{conversation.pk}/send", {"body": "Only once", "client_id": client_id})
    assert Message.objects.filter(conversation=conversation).count() == 1


def test_each_composer_gets_a_fresh_client_id(world, as_person):
    conversation = world.group(world.teacher2)
    client = as_person(world.teacher)
    first = client.get(f"/c/{conversation.pk}/").content.decode()
    second = client.get(f"/c/{conversation.pk}/composer", **HTMX).content.decode()

    def client_id(html):
        return html.split('name="client_id" value="')[1].split('"')[0]

    assert client_id(first) != client_id(second)
    assert len(client_id(first)) == 32


def test_htmx_send_returns_a_fresh_composer_and_names_the_new_message(world, as_person):
    conversation = world.group(world.teacher2)
    response = as_person(world.teacher).post(f"/c/{conversation.pk}/send", {"body": "Hello", "client_id": "c1"}, **HTMX)
    message = Message.objects.get(conversation=conversation)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith('<section id="composer"')
    assert 'name="client_id" value="c1"' not in html
    trigger = json.loads(response["HX-Trigger"])
    assert trigger == {"staffroom:message-sent": {"conversationId": conversation.pk, "messageId": message.pk}}


def test_a_message_over_the_length_limit_shows_a_form_error(world, as_person):
    conversation = world.group(world.teacher2)
    client = as_person(world.teacher)
    body = "x" * 10_001
    response = client.post(f"/c/{conversation.pk}/send", {"body": body, "client_id": "long"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Messages can be at most 10,000 characters; this one has 10,001." in html
    assert 'aria-invalid="true"' in html
    assert body in html  # what they wrote is kept for them to shorten
    assert 'name="client_id" value="long"' in html  # the retry is the same message
    assert not Message.objects.filter(conversation=conversation).exists()
    # Without JavaScript the whole page comes back with the error beside the field.
    page = client.post(f"/c/{conversation.pk}/send", {"body": body, "client_id": "long"})
    assert page.status_code == 422
    assert "Messages can be at most 10,000 characters" in page.content.decode()
    assert_no_inline_code(page.content.decode())


def test_an_empty_message_shows_a_form_error(world, as_person):
    conversation = world.group(world.teacher2)
    response = as_person(world.teacher).post(f"/c/{conversation.pk}/send", {"body": "  "}, **HTMX)
    assert response.status_code == 422
    assert "Write a message or attach a file." in response.content.decode()


def test_non_member_cannot_post(world, as_person):
    conversation = world.group(world.teacher2)
    response = as_person(world.ta).post(f"/c/{conversation.pk}/send", {"body": "Hi"})
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_message_shows_author_role_external_badge_and_time(world, as_person):
    conversation = world.group(world.external, world.teacher2)
    actions.send_message(conversation, acting=world.external, body="Visiting on Tuesday")
    html = as_person(world.teacher).get(f"/c/{conversation.pk}/").content.decode()
    assert "Eve External" in html
    assert '<span class="tag tag-external">External</span>' in html
    assert "<time datetime=" in html


def test_message_html_is_sanitised_and_everything_else_escaped(world, as_person):
    conversation = world.group(world.teacher2, title="<b>Bold</b> title")
    actions.send_message(conversation, acting=world.teacher, body="<script>alert(1)</script> **ok**")
    html = as_person(world.teacher2).get(f"/c/{conversation.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<strong>ok</strong>" in html
    assert "&lt;b&gt;Bold&lt;/b&gt; title" in html
    assert_no_inline_code(html)


def test_a_message_of_zero_width_spaces_is_refused_beside_the_box(world, as_person):
    conversation = world.group(world.teacher2)
    response = as_person(world.teacher).post(
        f"/c/{conversation.pk}/send", {"body": "\u200b\u200b\u200b", "client_id": "z1"}, **HTMX
    )
    assert response.status_code == 422
    assert "This message has only invisible characters." in response.content.decode()
    assert not Message.objects.exists()


def test_editing_own_message_marks_it_edited(world, as_person):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher, body="Meeting at 3")
    client = as_person(world.teacher)
    form = client.get(f"/c/{conversation.pk}/m/{message.pk}/edit", **HTMX).content.decode()
    assert 'data-editing="true"' in form and "Meeting at 3" in form
    response = client.post(f"/c/{conversation.pk}/m/{message.pk}/edit", {"body": "Meeting at 4"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Meeting at 4" in html and "(edited)" in html
    assert html.strip().startswith(f'<li id="message-{message.pk}"')


def test_edit_without_javascript_has_its_own_page_and_redirects_back(world, as_person):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher, body="Draft")
    client = as_person(world.teacher)
    page = client.get(f"/c/{conversation.pk}/m/{message.pk}/edit")
    assert page.status_code == 200 and "Edit message" in page.content.decode()
    response = client.post(f"/c/{conversation.pk}/m/{message.pk}/edit", {"body": "Final"})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.body == "Final"


def test_editing_to_an_invalid_body_shows_the_error(world, as_person):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher, body="Draft")
    response = as_person(world.teacher).post(
        f"/c/{conversation.pk}/m/{message.pk}/edit", {"body": "y" * 10_001}, **HTMX
    )
    assert response.status_code == 422
    assert "Messages can be at most 10,000 characters" in response.content.decode()


def test_nobody_can_edit_someone_elses_message(world, as_person):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher, body="Mine")
    client = as_person(world.teacher2)
    response = client.post(f"/c/{conversation.pk}/m/{message.pk}/edit", {"body": "Theirs"}, **HTMX)
    assert response.status_code == 404  # as for anything one may not see: the edit form shows the text
    message.refresh_from_db()
    assert message.body == "Mine"
    html = client.get(f"/c/{conversation.pk}/").content.decode()
    assert f"/m/{message.pk}/edit" not in html


def test_deleting_own_message_leaves_a_tombstone(world, as_person):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher, body="Oops, wrong group")
    response = as_person(world.teacher).post(f"/c/{conversation.pk}/m/{message.pk}/delete", **HTMX)
    assert "This message was deleted" in response.content.decode()
    html = as_person(world.teacher2).get(f"/c/{conversation.pk}/").content.decode()
    assert "This message was deleted" in html
    assert "Oops, wrong group" not in html


def test_reactions_can_be_added_and_taken_back(world, as_person):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher, body="Cake in the staffroom")
    client = as_person(world.teacher2)
    added = client.post(f"/c/{conversation.pk}/m/{message.pk}/react", {"emoji": "👍"}, **HTMX).content.decode()
    assert 'aria-pressed="true"' in added and "thumbs up</span> 1" in added
    removed = client.post(
        f"/c/{conversation.pk}/m/{message.pk}/react", {"emoji": "👍", "remove": "on"}, **HTMX
    ).content.decode()
    assert 'aria-pressed="true"' not in removed
    assert not queries.get_message(world.teacher2, message.pk).reactions.exists()


def test_an_invalid_reaction_is_refused_without_error_page(world, as_person):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher, body="Hi")
    response = as_person(world.teacher2).post(
        f"/c/{conversation.pk}/m/{message.pk}/react", {"emoji": "two words"}, **HTMX
    )
    assert response.status_code == 422


def test_reacting_too_fast_answers_429_with_an_alert(world, as_person):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher, body="Cake in the staffroom")
    client = as_person(world.teacher2)
    url = f"/c/{conversation.pk}/m/{message.pk}/react"
    limit, window = actions.REACTION_LIMIT
    for i in range(limit):
        assert client.post(url, {"emoji": "👍", "remove": "on" if i % 2 else ""}, **HTMX).status_code == 200
    refused = client.post(url, {"emoji": "👍"}, **HTMX)
    assert refused.status_code == 429
    assert refused["HX-Retarget"] == "#alerts"
    assert "Please wait" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= window


def test_editing_too_fast_says_so_beside_the_text(world, as_person):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher, body="Draft")
    client = as_person(world.teacher)
    url = f"/c/{conversation.pk}/m/{message.pk}/edit"
    for i in range(actions.EDIT_LIMIT[0]):
        assert client.post(url, {"body": f"Version {i}"}, **HTMX).status_code == 200
    refused = client.post(url, {"body": "Keep this text"}, **HTMX)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "Please wait" in html and "Keep this text" in html


def test_a_reply_quotes_the_message_it_answers(world, as_person):
    conversation = world.group(world.teacher2)
    original, _ = actions.send_message(conversation, acting=world.teacher, body="Who has the hall key?")
    client = as_person(world.teacher2)
    composer = client.get(f"/c/{conversation.pk}/composer?reply_to={original.pk}", **HTMX).content.decode()
    assert "Replying to Tara Teacher" in composer and f'name="reply_to" value="{original.pk}"' in composer
    client.post(f"/c/{conversation.pk}/send", {"body": "I do", "reply_to": original.pk, "client_id": "r1"})
    html = client.get(f"/c/{conversation.pk}/").content.decode()
    assert '<blockquote class="reply-quote">' in html
    assert "Who has the hall key?" in html.split('<blockquote class="reply-quote">')[1]


def test_opening_a_conversation_does_not_mark_it_read(world, as_person):
    """Reading is a change of state, so only a POST makes it: a link from another site (cookies are Lax, so
    a top-level GET carries them) must not be able to fake "seen"."""
    conversation = world.group(world.teacher2)
    actions.send_message(conversation, acting=world.teacher, body="One")
    latest, _ = actions.send_message(conversation, acting=world.teacher, body="Two")
    client = as_person(world.teacher2)
    receipts_before = Event.objects.filter(type="receipt.updated").count()
    for url in [f"/c/{conversation.pk}/", f"/c/{conversation.pk}/?before={latest.pk + 1}"]:
        assert client.get(url).status_code == 200
    assert Membership.objects.get(conversation=conversation, person=world.teacher2).last_read_message_id == 0
    assert Event.objects.filter(type="receipt.updated").count() == receipts_before
    assert client.get(f"/c/{conversation.pk}/read").status_code == 405


def test_the_page_posts_what_it_has_shown_and_the_sidebar_shows_unread_elsewhere(world, as_person):
    conversation = world.group(world.teacher2)
    actions.send_message(conversation, acting=world.teacher, body="One")
    latest, _ = actions.send_message(conversation, acting=world.teacher, body="Two @" + world.teacher2.handle)
    client = as_person(world.teacher2)
    sidebar = client.get("/sidebar").content.decode()
    assert f'data-testid="unread-{conversation.pk}" aria-hidden="true">2</span>' in sidebar
    assert f'data-testid="mentions-{conversation.pk}"' in sidebar
    assert client.post(f"/c/{conversation.pk}/read", {"up_to": latest.pk}, **HTMX).status_code == 204
    assert f'data-testid="unread-{conversation.pk}"' not in client.get("/sidebar").content.decode()
    assert stream_of(world.teacher, "receipt.updated")


def test_marking_read_needs_the_csrf_token(world):
    from django.test import Client

    conversation = world.group(world.teacher2)
    latest, _ = actions.send_message(conversation, acting=world.teacher, body="One")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.teacher2)
    assert strict.post(f"/c/{conversation.pk}/read", {"up_to": latest.pk}).status_code == 403
    assert Membership.objects.get(conversation=conversation, person=world.teacher2).last_read_message_id == 0


def test_mark_read_moves_the_reading_position(world, as_person):
    conversation = world.group(world.teacher2)
    first, _ = actions.send_message(conversation, acting=world.teacher, body="One")
    actions.send_message(conversation, acting=world.teacher, body="Two")
    client = as_person(world.teacher2)
    response = client.post(f"/c/{conversation.pk}/read", {"up_to": first.pk}, **HTMX)
    assert response.status_code == 204
    summary = queries.conversation_summary(world.teacher2, conversation)
    assert summary.unread == 1


def test_load_older_pages_back_through_history(world, as_person):
    conversation = world.group(world.teacher2)
    messages = []
    for i in range(55):
        cache.clear()  # the sending rate limit is not what this test is about
        messages.append(actions.send_message(conversation, acting=world.teacher, body=f"Note {i}")[0])
    client = as_person(world.teacher2)
    html = client.get(f"/c/{conversation.pk}/").content.decode()
    assert "Note 54" in html and f'id="message-{messages[4].pk}"' not in html
    assert "Load older messages" in html
    cursor = html.split("/older?before=")[1].split('"')[0]
    older = client.get(f"/c/{conversation.pk}/older?before={cursor}", **HTMX).content.decode()
    assert f'id="message-{messages[0].pk}"' in older and f'id="message-{messages[4].pk}"' in older
    assert "Load older messages" not in older
    # Without JavaScript the same link opens that page of history.
    history = client.get(f"/c/{conversation.pk}/?before={cursor}").content.decode()
    assert f'id="message-{messages[0].pk}"' in history and 'data-live-append="false"' in history


def test_own_latest_message_shows_who_has_seen_it(world, as_person):
    conversation = world.group(world.teacher2, world.ta)
    message, _ = actions.send_message(conversation, acting=world.teacher, body="Seen?")
    as_person(world.teacher2).post(f"/c/{conversation.pk}/read", {"up_to": message.pk}, **HTMX)
    html = as_person(world.teacher).get(f"/c/{conversation.pk}/").content.decode()
    assert f'id="receipt-{message.pk}"' in html
    assert "Seen by Tom Teacher" in html
    fragment = as_person(world.teacher).get(f"/c/{conversation.pk}/m/{message.pk}/receipt", **HTMX)
    assert "Seen by Tom Teacher" in fragment.content.decode()


def test_message_fragment_is_the_same_markup_as_the_page(world, as_person):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher, body="Shared partial")
    client = as_person(world.teacher2)
    fragment = client.get(f"/c/{conversation.pk}/m/{message.pk}/", **HTMX).content.decode().strip()
    page = client.get(f"/c/{conversation.pk}/").content.decode()
    assert fragment.startswith(f'<li id="message-{message.pk}"')
    assert fragment.replace(" ", "")[:400] in page.replace(" ", "")


def test_a_refused_send_stores_no_file(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from staffroom.messaging.models import Attachment

    conversation = world.announcement(world.teacher)
    client.force_login(world.teacher)
    response = client.post(
        f"/c/{conversation.pk}/send",
        {"body": "Can I post?", "client_id": "x1", "file": SimpleUploadedFile("a.txt", b"hello", "text/plain")},
    )
    assert response.status_code in (403, 422)
    assert not Attachment.objects.exists()


def test_an_htmx_action_that_fails_answers_in_the_alert_area(world, client):
    from staffroom.messaging import actions as messaging_actions

    conversation = world.announcement(world.teacher)
    notice, _ = messaging_actions.send_message(conversation, acting=world.head, body="Read this")
    messaging_actions.delete_message(notice, acting=world.head)
    client.force_login(world.teacher)
    response = client.post(f"/c/{conversation.pk}/m/{notice.pk}/acknowledge", headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#alerts"
    assert b"<header" not in response.content and b"withdrawn" in response.content
