"""The emoji picker: its data is shared and long-cached under a versioned URL; reactions take any known emoji."""

import json

from staffroom.messaging import actions, emoji_set, queries
from tests.web.conftest import HTMX


def test_the_data_is_long_cached_under_its_version_even_for_a_signed_in_person(world, as_person):
    client = as_person(world.teacher)
    response = client.get(f"/emoji/{emoji_set.VERSION}.json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    data = json.loads(response.content)
    assert data["version"] == emoji_set.VERSION
    assert [g["key"] for g in data["groups"]] == list(emoji_set.GROUP_ORDER)


def test_an_old_version_is_not_found(world, as_person):
    response = as_person(world.teacher).get("/emoji/000000000000.json")
    assert response.status_code == 404
    assert response["Cache-Control"] == "private, no-store"


def test_the_conversation_page_names_the_picker_and_its_openers(world, as_person):
    conversation = world.group(world.teacher2)
    actions.send_message(conversation, acting=world.teacher2, body="Hello")
    html = as_person(world.teacher).get(f"/c/{conversation.pk}/").content.decode()
    assert f'data-url="/emoji/{emoji_set.VERSION}.json"' in html
    assert 'id="composer-emoji"' in html and "react-more-" in html
    assert 'role="listbox"' in html


def test_a_reaction_from_the_picker_is_any_known_emoji_and_shows_its_name(world, as_person):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher2, body="Hello")
    client = as_person(world.teacher)
    html = client.post(f"/c/{conversation.pk}/m/{message.pk}/react", {"emoji": "🦔"}, **HTMX).content.decode()
    assert "hedgehog" in html
    client.post(f"/c/{conversation.pk}/m/{message.pk}/react", {"emoji": "♫"}, **HTMX)
    assert [r.emoji for r in queries.get_message(world.teacher, message.pk).reactions.all()] == ["🦔"]
