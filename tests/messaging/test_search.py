"""Search finds only what the searcher may see, and never deleted messages."""

import pytest

from staffroom.errors import Invalid
from staffroom.messaging import actions
from staffroom.messaging.search import search_messages

pytestmark = pytest.mark.django_db


def test_search_is_scoped_to_visible_conversations(world):
    mine = world.group(world.teacher2, title="Mine")
    theirs = world.group(world.ta, by=world.teacher2, title="Theirs")
    a, _ = actions.send_message(mine, acting=world.teacher, body="The geography trip is on Friday")
    actions.send_message(theirs, acting=world.teacher2, body="The geography trip budget is secret")
    assert search_messages(world.teacher, "geography") == [a]
    assert search_messages(world.outsider, "geography") == []


def test_search_matches_word_prefixes_and_ignores_query_syntax(world):
    conv = world.group(world.teacher2)
    message, _ = actions.send_message(conv, acting=world.teacher, body="Parents' evening rota")
    assert search_messages(world.teacher2, "parent") == [message]
    assert search_messages(world.teacher2, 'rota")*') == [message]
    assert search_messages(world.teacher2, "evening NEAR(") == []  # every word must match
    assert search_messages(world.teacher2, "***") == []


def test_hidden_characters_in_a_search_do_not_hide_the_words(world):
    conv = world.group(world.teacher2)
    message, _ = actions.send_message(conv, acting=world.teacher, body="Parents' evening rota")
    assert search_messages(world.teacher2, "ev\u200bening") == [message]
    with pytest.raises(Invalid):
        search_messages(world.teacher2, "\u200b\ufeff")


def test_edited_and_deleted_messages_are_searched_as_they_now_are(world):
    conv = world.group(world.teacher2)
    message, _ = actions.send_message(conv, acting=world.teacher, body="Staff meeting at three")
    actions.edit_message(message, acting=world.teacher, body="Staff meeting at four")
    assert search_messages(world.teacher2, "four") == [message]
    assert search_messages(world.teacher2, "three") == []
    actions.delete_message(message, acting=world.teacher)
    assert search_messages(world.teacher2, "four") == []


@pytest.mark.parametrize("text", ["", "   ", "x" * 201])
def test_empty_or_long_searches_are_refused(world, text):
    with pytest.raises(Invalid):
        search_messages(world.teacher, text)
