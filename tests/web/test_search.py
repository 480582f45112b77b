"""Search finds only what the person may see, and links to where it was said."""

from staffroom.messaging import actions


def test_search_shows_only_visible_results(world, as_person):
    mine = world.group(world.teacher2, title="Maths team")
    hidden = world.group(world.ta, title="Secret planning", by=world.head)
    visible, _ = actions.send_message(mine, acting=world.teacher, body="The trip to the museum is booked")
    actions.send_message(hidden, acting=world.head, body="The museum budget is confidential")
    html = as_person(world.teacher2).get("/search?q=museum").content.decode()
    assert "1 result" in html
    assert "The trip to the museum is booked" in html
    assert "confidential" not in html and "Secret planning" not in html
    assert f'href="/c/{mine.pk}/?before={visible.pk + 1}#message-{visible.pk}"' in html


def test_search_from_another_organisation_finds_nothing(world, as_person):
    conversation = world.group(world.teacher2)
    actions.send_message(conversation, acting=world.teacher, body="Parents evening rota")
    html = as_person(world.outsider).get("/search?q=rota").content.decode()
    assert "0 results" in html and "Parents evening" not in html


def test_deleted_messages_are_not_found(world, as_person):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher, body="Wrong room number")
    actions.delete_message(message, acting=world.teacher)
    assert "0 results" in as_person(world.teacher2).get("/search?q=room").content.decode()


def test_an_empty_search_asks_for_words(world, as_person):
    response = as_person(world.teacher).get("/search?q=")
    assert response.status_code == 422
    assert "Type something to search for." in response.content.decode()


def test_search_page_without_a_query_shows_the_form(world, as_person):
    response = as_person(world.teacher).get("/search")
    assert response.status_code == 200
    assert 'id="search-q"' in response.content.decode()


def test_a_search_result_opens_the_conversation_at_that_message(world, as_person):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher, body="Find me later")
    newer, _ = actions.send_message(conversation, acting=world.teacher, body="Something newer")
    page = as_person(world.teacher2).get(f"/c/{conversation.pk}/?before={message.pk + 1}").content.decode()
    assert f'id="message-{message.pk}"' in page
    assert f'id="message-{newer.pk}"' not in page  # (its text is still the list's preview of the conversation)
    assert "Show the latest messages" in page
