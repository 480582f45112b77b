import re

import pytest

HTMX = {"HTTP_HX_REQUEST": "true"}

# Data blocks (<script type="application/json">, e.g. allauth's passkey options) are not run, so the CSP allows them.
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.IGNORECASE)
_EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def assert_no_inline_code(html: str) -> None:
    """The strict CSP would block these anyway; their presence would mean a broken feature."""
    assert not _INLINE_SCRIPT.search(html), "inline <script> found"
    assert ' style="' not in html and " style='" not in html, "inline style attribute found"
    assert " onclick=" not in html
    assert not _EVENT_HANDLER.search(html), "on*= event handler attribute found"


@pytest.fixture
def as_person(client):
    """Sign the test client in as someone: `as_person(world.teacher)`."""

    def sign_in(person):
        client.force_login(person)
        return client

    return sign_in
