"""New message on a 390 px phone: a direct message in two taps (New message, then the person), typing part of
the name in between, and the composer ready to write in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_direct_message_takes_two_taps_on_a_phone(people):
    page = people.signed_in("teacher2", width=390, height=844)
    page.goto("/")
    taps = 0

    page.get_by_role("link", name="New message").click()
    taps += 1
    search = page.get_by_label("Who to?")
    expect(search).to_be_focused()
    search.type("office")  # typing, not a tap: the list narrows as the name is typed
    expect(page.get_by_role("button", name=re.compile("Teacher One"))).to_be_hidden()

    page.get_by_role("button", name=re.compile("Office Staff One")).click()
    taps += 1
    page.wait_for_url(re.compile(r"/c/\d+/"))
    expect(page.get_by_label("Message")).to_be_focused()
    assert taps == 2
