"""The phrase compiler: `~` for words in between, and alternatives indexed by their first words."""

import re

from staffroom.safeguarding.folding import fold, words
from staffroom.safeguarding.phrases import PhraseIndex, branches, compile_phrases, first_words


def matches(phrase: str, text: str) -> bool:
    return re.search(f" (?:{compile_phrases(phrase)})(?= )", words(fold(text)).text) is not None


def test_a_tilde_stands_for_up_to_that_many_words_in_between():
    assert matches("mocking ~2 stammer", "mocking stammer")
    assert matches("mocking ~2 stammer", "mocking his stammer")
    assert matches("mocking ~2 stammer", "mocking amelia hughes stammer")
    assert not matches("mocking ~2 stammer", "mocking the way he stammer")


def test_the_first_word_of_a_phrase_with_a_tilde_is_known():
    assert first_words(compile_phrases("(mocking|laughing at) ~2 stammer")) == {"mocking", "laughing"}


def test_a_group_of_alternatives_is_split_and_anything_else_is_kept_whole():
    assert branches(compile_phrases("(asthma|broken (arm|leg)|epilepsy)")) == [
        "asthma",
        "broken (?:arm|leg)",
        "epilepsy",
    ]
    assert branches(compile_phrases("(a|b) (c|d)")) == ["(?:a|b) (?:c|d)"]
    assert branches(compile_phrases("(a|b)(?! c)")) == ["(?:a|b)(?! c)"]


def test_an_index_reports_the_phrase_an_alternative_belongs_to():
    index = PhraseIndex(["(asthma|epilepsy)", "(inhaler)"])
    text = " she has epilepsy and an inhaler "
    found = [(number, match.group().strip()) for number, match in index.matches(text, frozenset(text.split()))]
    assert found == [(0, "epilepsy"), (1, "inhaler")]
