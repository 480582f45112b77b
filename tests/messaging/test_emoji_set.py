"""Reactions are any one emoji of the kept data set; the picker's catalogue comes from the same data."""

import pytest

from staffroom.errors import Invalid
from staffroom.messaging import actions, emoji_set
from staffroom.messaging.models import Reaction


@pytest.mark.parametrize("emoji", ["🦔", "🧑‍🏫", "🏴󠁧󠁢󠁷󠁬󠁳󠁿", "🫶🏾", "☕", "☺"])
def test_any_emoji_the_data_set_knows_is_a_reaction(world, emoji):
    conv = world.group(world.teacher2)
    message, _ = actions.send_message(conv, acting=world.teacher, body="Well done")
    actions.react(message, emoji, acting=world.teacher2)
    assert Reaction.objects.get(message=message).emoji == emoji


@pytest.mark.parametrize("text", ["♫", "⌘", "👍👍", "🦔🦔", "ab", "\U0001f3fb", "\U0001f9b0", "☃\u200d☃", "1"])
def test_symbols_the_data_set_does_not_know_are_refused(world, text):
    conv = world.group(world.teacher2)
    message, _ = actions.send_message(conv, acting=world.teacher, body="Well done")
    with pytest.raises(Invalid):
        actions.react(message, text, acting=world.teacher2)
    assert not Reaction.objects.filter(message=message).exists()


def test_the_catalogue_is_fully_qualified_without_skin_tones_and_grouped():
    data = emoji_set.catalogue()
    assert data["version"] == emoji_set.VERSION
    groups = {g["key"]: g["emoji"] for g in data["groups"]}
    assert list(groups) == list(emoji_set.GROUP_ORDER)
    every = [e for items in groups.values() for e, _ in items]
    assert len(every) == len(set(every)) > 1500
    assert "❤️" in every and "❤" not in every  # the fully-qualified heart only
    assert "👍" in every and "👍🏽" not in every
    assert ["😀", "grinning face"] in groups["faces"]
    assert ["🇬🇧", "United Kingdom"] in groups["flags"]
    assert all(emoji_set.is_known(e) for e in every)


def test_names_are_plain_english():
    assert emoji_set.name("👍") == "thumbs up"
    assert emoji_set.name("♫") == "♫"
