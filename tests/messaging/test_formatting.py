"""Markdown rendering: safe HTML only, mentions only of people who may be mentioned."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffroom.messaging.formatting import Mentionable, render


def test_markdown_is_rendered_and_raw_html_is_not():
    html = render("**bold** _it_ `code` <b onclick=x>raw</b>").html
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html and "<code>code</code>" in html
    assert "<b" not in html and "onclick" not in html.replace("onclick=x&gt;", "")


@pytest.mark.parametrize(
    "body", ["[x](javascript:alert(1))", "[x](data:text/html,hi)", "[x](//evil.example/login)", "[x](vbscript:1)"]
)
def test_dangerous_or_off_site_looking_links_lose_their_target(body):
    html = render(body).html
    assert "href" not in html


def test_images_are_never_loaded_from_elsewhere():
    html = render("![pixel](https://tracker.example/p.png)").html
    assert "<img" not in html and "pixel" in html


def test_mentions_only_of_known_people_and_not_in_code_or_email_addresses():
    people = {"ann": Mentionable(1, "Ann <Lee>")}
    rendered = render("@ann `@ann` ann@ann.example @bob", people)
    assert rendered.mentioned_ids == {1}
    assert rendered.html.count('class="mention"') == 1
    assert "Ann &lt;Lee&gt;" in rendered.html


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_no_input_produces_script_or_event_handlers(text):
    html = render(text, {"ann": Mentionable(1, "Ann")}).html.lower()
    assert "<script" not in html
    assert not re.search(r"<[^>]*\son\w+\s*=", html)
    assert 'href="javascript:' not in html


def test_only_words_after_an_at_sign_are_looked_up_as_handles():
    from staffroom.messaging.formatting import candidate_handles

    assert candidate_handles("Thanks @Jo-Bloggs and @sam.") == {"jo-bloggs", "sam"}
    assert candidate_handles("no mentions here, just mail@example.com") == {"example.com"}
    assert candidate_handles("") == set()
