"""A deleted message's words stay in the school's records only: no page or fragment shows them to anyone,
its author included (the compliance roles read them through their own audited views)."""

import pytest

from staffroom.messaging import actions
from tests.web.conftest import HTMX

SECRET = "Kestrel-secret-words"


@pytest.fixture
def deleted(world):
    conversation = world.group(world.teacher2, world.ta)
    message, _ = actions.send_message(conversation, acting=world.teacher, body=f"{SECRET} about the trip")
    actions.delete_message(message, acting=world.teacher)
    return conversation, message


def _shows(response) -> bool:
    return SECRET in response.content.decode()


@pytest.mark.parametrize("who", ["teacher", "teacher2", "ta"])
@pytest.mark.parametrize("htmx", [True, False])
def test_the_edit_form_of_a_deleted_message_is_not_found_for_anyone(world, as_person, deleted, who, htmx):
    conversation, message = deleted
    response = as_person(getattr(world, who)).get(f"/c/{conversation.pk}/m/{message.pk}/edit", **(HTMX if htmx else {}))
    assert response.status_code == 404
    assert not _shows(response)


def test_saving_an_edit_to_a_deleted_message_is_not_found_and_changes_nothing(world, as_person, deleted):
    conversation, message = deleted
    response = as_person(world.teacher).post(f"/c/{conversation.pk}/m/{message.pk}/edit", {"body": "Back"}, **HTMX)
    assert response.status_code == 404
    message.refresh_from_db()
    assert message.body.startswith(SECRET)


def test_only_the_author_gets_the_edit_form(world, as_person):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher, body=f"{SECRET} still here")
    assert as_person(world.teacher).get(f"/c/{conversation.pk}/m/{message.pk}/edit", **HTMX).status_code == 200
    refused = as_person(world.teacher2).get(f"/c/{conversation.pk}/m/{message.pk}/edit", **HTMX)
    assert refused.status_code == 404
    assert not _shows(refused)


def test_the_overseeing_dsl_gets_no_edit_form_in_a_class_channel(world, as_person):
    channel = world.class_channel()
    message, _ = actions.send_message(channel, acting=world.pupil, body=f"{SECRET} from a pupil")
    actions.delete_message(message, acting=world.pupil)
    response = as_person(world.dsl).get(f"/c/{channel.pk}/m/{message.pk}/edit")
    assert response.status_code == 404
    assert not _shows(response)


@pytest.mark.parametrize("who", ["teacher", "teacher2"])
def test_pages_and_fragments_show_a_tombstone_not_the_words(world, as_person, deleted, who):
    conversation, message = deleted
    client = as_person(getattr(world, who))
    base = f"/c/{conversation.pk}"
    for url in [
        f"{base}/",
        f"{base}/?before={message.pk + 1}",
        f"{base}/older?before={message.pk + 1}",
        f"{base}/m/{message.pk}/",
        f"{base}/m/{message.pk}/?receipt=1",
        f"{base}/m/{message.pk}/receipt",
        f"{base}/composer?reply_to={message.pk}",
        f"{base}/?reply_to={message.pk}",
        f"/search?q={SECRET.split('-')[0]}",
    ]:
        response = client.get(url, **HTMX)
        assert response.status_code in (200, 404), url
        assert not _shows(response), url


def test_a_reply_to_a_deleted_message_quotes_nothing_of_it(world, as_person):
    conversation = world.group(world.teacher2)
    original, _ = actions.send_message(conversation, acting=world.teacher, body=f"{SECRET} first")
    reply, _ = actions.send_message(conversation, acting=world.teacher2, body="Answer", reply_to_id=original.pk)
    actions.delete_message(original, acting=world.teacher)
    client = as_person(world.teacher2)
    for url in [f"/c/{conversation.pk}/", f"/c/{conversation.pk}/m/{reply.pk}/"]:
        html = client.get(url, **HTMX).content.decode()
        assert "This message was deleted" in html.split('<blockquote class="reply-quote">')[1]
        assert SECRET not in html


def test_a_withdrawn_announcement_shows_no_words_in_its_acknowledgement_views(world, as_person):
    channel = world.announcement(world.teacher, world.teacher2)
    notice, _ = actions.send_message(channel, acting=world.head, body=f"{SECRET} in a notice")
    actions.acknowledge(notice, acting=world.teacher)
    actions.delete_message(notice, acting=world.head)
    base = f"/c/{channel.pk}/m/{notice.pk}"
    head, reader = as_person(world.head), None
    for response in [
        head.get(f"{base}/acknowledgements", **HTMX),
        head.post(f"{base}/remind", **HTMX),
    ]:
        assert not _shows(response)
    reader = as_person(world.teacher2)
    response = reader.post(f"{base}/acknowledge", **HTMX)
    assert not _shows(response)
