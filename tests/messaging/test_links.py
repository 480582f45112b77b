"""Links as pupils type them, for the supervised-channel links policy: caught however they are obfuscated, and
ordinary sentences left alone."""

import pytest

from staffroom.messaging.links import contains_link


@pytest.mark.parametrize(
    "text",
    [
        "look at www.example.com",
        "see https://example.org/homework",
        "go to bit.ly/abc",
        "mail.example.co.uk/path",
        "example dot com",  # the dot spelled out
        "coolmath games dot com",
        "example d0t net",
        "example(dot)com",
        "example [dot] co [dot] uk",
        "example [.] com",
        "www . site . co . uk",  # spaced dots
        "example . com",
        "example .com",
        "example。com",  # an ideographic full stop
        "ｅｘａｍｐｌｅ．ｃｏｍ",  # full-width letters  # noqa: RUF001
        "h t t p s : / / example",  # a spaced-out scheme
        "hxxps://example",
        "bit ly/abc",  # a shortener without its dot
        "tinyurl com/abc",
        "discord gg/abcd",
        "youtu be/dQw4w9",
        "wa.me/447700900123",
        "about.me/jake",
        "insta: someone",  # handles on a platform
        "instagram: jake.w",
        "ig @jake",
        "my snap is jake_2011",
        "add me on snap: jakey",
        "@mia.b on tiktok",
        "my discord is jake#1234",
    ],
)
def test_catches_links_however_they_are_typed(text):
    assert contains_link(text)


@pytest.mark.parametrize(
    "text",
    [
        "dot the i's and cross the t's",
        "I'll come. Com...",
        "3.5",
        "Read pages 3.5 to 4.2",
        "the answer is 0.75",
        "See you at 3.30",
        "Chapter 2.1 questions",
        "e.g. the cells, i.e. tomorrow",
        "Mr. Smith is in room 4",
        "The dot com boom in the 1990s",
        "Put a dot on the map",
        "Use a full stop. Then a capital.",
        "Thanks Miss.",
        "I finished it.Me and Jake did the rest",  # a missing space, not a domain
        "Done.Live laugh love",
        "go to page 5. Co-ordinates next",
        "Oh snap! I forgot my book",
        "snap decision",
        "I'm not on insta",
        "my snap is broken",
        "my insta is private",
        "Write your name: Jake",
        "PE: bring kit",
        "Bit late, sorry",
        "The co-op is shut",
        "Net: 5 marks",
        "@Miss Smith can I go to the toilet",
        "I'm online now",
        "Is the app working for you?",
    ],
)
def test_leaves_ordinary_sentences_alone(text):
    assert not contains_link(text)


@pytest.mark.parametrize(
    "text",
    [
        "my snap is jakey",  # a plain handle: no @, digit, underscore or dot
        "My Snap is Jakey",
        "my insta is jakey!",
        "her snapchat is miab",
        "his insta name is jakey",
        "my snap username is jakey",
        "snap username is jakey",
        "my tiktok is jakey add me",
        "my ig is jakey x",
        "my snap is jakey 😀",
        "my snap = jakey",
        "my snap is mia.b.",
    ],
)
def test_catches_a_plain_handle_given_as_someone_s_account(text):
    assert contains_link(text)


@pytest.mark.parametrize(
    "text",
    [
        "my snap is broken",
        "my insta is private",
        "my tiktok is down",
        "her snap is so funny",
        "snap is a card game",
        "my insta is private.",  # the sentence's full stop, not a dot in a handle
        "my insta is rubbish.",
        "my snap is broken again",
        "my snap is blocked",
        "his insta is hacked",
        "my insta is lagging",
        "my snap is dying",
        "my snap is dead",
        "my tiktok is private lol",
        "my snap is the best",
        "my snapchat is not working",
        "my youtube is boring x",
        "their twitter is full of ads",
        "the tiktok username is weird",
        "my phone is jakey",  # not a platform
    ],
)
def test_leaves_ordinary_talk_about_an_account_alone(text):
    assert not contains_link(text)
