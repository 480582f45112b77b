"""The one normaliser for typed text: properties over any input, and the emoji and scripts it must keep."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from staffroom import text

EMOJI = [
    "👍",
    "❤️",
    "👍🏽",
    "👨‍👩‍👧",
    "👩🏽‍💻",
    "🏳️‍🌈",
    "❤️‍🔥",
    "🏃‍♂️",
    "🐻‍❄️",
    "🇬🇧",
    "1️⃣",
    "🏴\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f",  # Wales: tag characters, kept
]
WRITING = [
    "Staff briefing at 8:15",
    "Cyfarfod staff yfory",
    "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian "I want": the non-joiner keeps two letters apart
    "क्\u200dष",  # Devanagari: the joiner asks for a half form
    "שלום לכולם",
    "مرحبا بالجميع",
    "Ελληνικά και кириллица",
]
HIDDEN = sorted(text.REMOVED | text.JOINERS)

# Words of ordinary visible characters (letters, digits, punctuation, symbols), already in NFC.
words = st.text(
    alphabet=st.characters(categories=["L", "N", "P", "S"], exclude_characters="".join(HIDDEN)),
    min_size=1,
    max_size=12,
).map(lambda w: unicodedata.normalize("NFC", w))
sentences = st.lists(words, min_size=1, max_size=6).map(" ".join)
# The same in Latin script without emoji-like symbols, where no joiner has a meaning.
latin_words = st.text(
    alphabet=st.characters(categories=["L", "N", "P", "Sm", "Sc"], max_codepoint=0x024F),
    min_size=1,
    max_size=12,
).map(lambda w: unicodedata.normalize("NFC", w))
latin_sentences = st.lists(latin_words, min_size=1, max_size=6).map(" ".join)


def _joiners_are_meaningful(cleaned: str) -> bool:
    for i, char in enumerate(cleaned):
        if char in text.JOINERS:
            if i == 0 or i == len(cleaned) - 1:
                return False
            if not text._joiner_means_something(char, cleaned[i - 1], cleaned[i + 1]):
                return False
    return True


@given(st.text(), st.booleans())
def test_cleaning_clean_text_changes_nothing(raw, multiline):
    once = text.clean(raw, multiline=multiline)
    assert text.clean(once, multiline=multiline) == once


@given(st.text(), st.booleans())
def test_no_controls_or_invisibles_survive_and_the_result_is_nfc(raw, multiline):
    cleaned = text.clean(raw, multiline=multiline)
    assert not set(cleaned) & text.REMOVED
    assert unicodedata.is_normalized("NFC", cleaned)
    assert _joiners_are_meaningful(cleaned)
    assert cleaned == cleaned.strip()
    allowed_controls = {"\n", "\t"} if multiline else set()
    assert all(unicodedata.category(c) != "Cc" or c in allowed_controls for c in cleaned)


@given(st.text())
def test_one_line_text_has_no_line_breaks_or_double_spaces(raw):
    cleaned = text.clean(raw)
    assert "\n" not in cleaned and "\t" not in cleaned and "  " not in cleaned


@given(sentences)
def test_ordinary_text_is_left_as_it_is(sentence):
    assert text.clean(sentence) == sentence
    assert text.clean(sentence, multiline=True) == sentence


@given(latin_sentences, st.data())
def test_hidden_characters_slipped_into_words_are_dropped(sentence, data):
    """Words with zero-width or bidirectional characters slipped in read as the plain words, so a message
    cannot hide a word from the detectors or show one thing while saying another."""
    chars = list(sentence)
    for _ in range(data.draw(st.integers(1, 5))):
        where = data.draw(st.integers(0, len(chars)))
        chars.insert(where, data.draw(st.sampled_from(HIDDEN)))
    assert text.clean("".join(chars)) == sentence


@given(
    st.sampled_from(EMOJI + WRITING), st.sampled_from(["", "Well done ", "🎉 "]), st.sampled_from(["", " !", " team"])
)
def test_emoji_sequences_and_joining_scripts_keep_their_joiners(kept, before, after):
    assert kept in text.clean(before + kept + after)
    assert kept in text.clean(before + kept + after, multiline=True)


@pytest.mark.parametrize(
    ("raw", "multiline", "expected"),
    [
        ("\u200b\u200b\u200b", True, ""),
        ("\ufeffHello", False, "Hello"),
        ("Pay \u202eKCOLB\u202c now", False, "Pay KCOLB now"),
        ("a\u2066b\u2069c", False, "abc"),
        ("ki\u200bll", True, "kill"),  # split words reach the detectors whole
        ("  Year\t9\n\nteam ", False, "Year 9 team"),
        ("Line one\r\nLine two\u2028three", True, "Line one\nLine two\nthree"),
        ("e\u200b\u0301", False, "\u00e9"),  # dropping the space lets the accent compose
        ("\u3164", False, ""),  # a Hangul filler: a blank that looks like a letter
        ("👍\u200d", False, "👍"),  # a joiner with nothing to join
        ("a\u200db", False, "ab"),
    ],
)
def test_examples(raw, multiline, expected):
    assert text.clean(raw, multiline=multiline) == expected


def test_only_invisible_input_is_told_apart_from_empty_input():
    assert text.was_only_invisible("\u200b\u200b", text.clean("\u200b\u200b"))
    assert not text.was_only_invisible("   ", "")
    assert not text.was_only_invisible("", "")
    assert not text.was_only_invisible("Hi", "Hi")
