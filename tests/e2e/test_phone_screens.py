"""The list and conversation screens on a 390 px phone and at a desk: the composer stays at the bottom and is
compact, one's own messages are marked, Enter sends at a desk (not on a touch screen), the "New messages" line
shows where reading starts, nothing scrolls sideways, and axe-core finds no serious problems."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import serious_violations

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
# Where to keep the screenshots for a person to look at: set STAFFROOM_SCREENSHOTS to a folder (none by default).
SHOTS = Path(os.environ["STAFFROOM_SCREENSHOTS"]) if os.environ.get("STAFFROOM_SCREENSHOTS") else None


def open_conversation(page, title: str) -> str:
    page.goto("/")
    page.get_by_role("link", name=re.compile(re.escape(title))).first.click()
    expect(page.get_by_label("Message")).to_be_visible()
    return re.search(r"/c/(\d+)/", page.url).group(1)


def shoot(page, name: str) -> None:
    """Screenshots for a person to look at, when STAFFROOM_SCREENSHOTS names a folder (not in CI)."""
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name))


def test_enter_sends_at_a_desk_and_shift_enter_is_a_new_line(people):
    page = people.signed_in("teacher2")
    open_conversation(page, "Year 9 team")
    box = page.get_by_label("Message")
    words = f"Sent with Enter {uuid.uuid4().hex[:6]}"
    box.fill("First line")
    box.press("Shift+Enter")
    box.type(words)
    expect(box).to_have_value(f"First line\n{words}")
    box.press("Enter")
    sent = page.locator("#messages > li.message", has_text=words)
    expect(sent).to_be_visible()
    expect(sent).to_have_class(re.compile(r"\bown\b"))
    expect(page.get_by_label("Message")).to_have_value("")


def test_enter_is_a_new_line_on_a_touch_screen(browser, server):
    context = browser.new_context(
        base_url=server.base_url, viewport=PHONE, has_touch=True, is_mobile=True, locale="en-GB"
    )
    try:
        from tests.servers import demo_email

        page = context.new_page()
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(demo_email("teacher1"))
        page.locator("input[name=password]").fill(server.password)
        page.get_by_role("button", name=re.compile("Sign in", re.I)).first.click()
        page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
        open_conversation(page, "Year 9 team")
        assert page.evaluate("matchMedia('(pointer: coarse)').matches")
        box = page.get_by_label("Message")
        box.fill("Not yet")
        box.press("Enter")
        expect(box).to_have_value("Not yet\n")
    finally:
        context.close()


def test_the_phone_conversation_screen(people):
    # Someone writes while teacher1 is away: teacher1 opens the conversation at a "New messages" line.
    other = people.signed_in("teacher2")
    open_conversation(other, "Year 9 team")
    news = f"Parents evening moved {uuid.uuid4().hex[:6]}"
    other.get_by_label("Message").fill(news)
    other.get_by_role("button", name="Send").click()
    expect(other.locator("#messages > li.message", has_text=news)).to_be_visible()

    page = people.signed_in("teacher1", **PHONE)
    page.goto("/")
    row = page.locator(".conversation-row", has_text="Year 9 team").first
    expect(row.locator(".row-preview")).to_have_text(news)
    shoot(page, "phone-list-390.png")
    conversation_id = open_conversation(page, "Year 9 team")
    divider = page.locator("#unread-divider")
    expect(divider).to_have_text("New messages")
    expect(divider.locator("xpath=following-sibling::li[contains(@class, 'message')][1]")).to_be_visible()

    # The composer sits at the bottom of the screen, compact, with attach and camera buttons.
    composer = page.locator("#composer")
    box = composer.bounding_box()
    assert box is not None
    assert abs(box["y"] + box["height"] - PHONE["height"]) <= 2, box
    assert box["height"] < PHONE["height"] / 4, f"the composer takes {box['height']}px of {PHONE['height']}"
    expect(page.get_by_label("Attach files")).to_have_attribute("type", "file")
    expect(page.get_by_label("Take a photo")).to_have_attribute("capture", "environment")
    expect(page.get_by_label("Take a photo")).to_have_attribute("accept", "image/*")

    # It stays there when the reader scrolls up.
    page.evaluate("window.scrollTo(0, 0)")
    box = composer.bounding_box()
    assert box and abs(box["y"] + box["height"] - PHONE["height"]) <= 2

    mine = f"On my way {uuid.uuid4().hex[:6]}"
    page.get_by_label("Message").fill(mine)
    page.get_by_role("button", name="Send").click()
    sent = page.locator("#messages > li.message", has_text=mine)
    expect(sent).to_have_class(re.compile(r"\bown\b"))
    expect(sent.locator(".author .visually-hidden")).to_have_text("(you)")
    theirs = page.locator("#messages > li.message", has_text=news)
    assert sent.bounding_box()["x"] > theirs.bounding_box()["x"], "own messages sit on the right"

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways at 390px ({width}px)"
    assert serious_violations(page) == []
    shoot(page, "phone-conversation-390.png")

    page.emulate_media(color_scheme="dark")
    assert serious_violations(page) == []
    shoot(page, "phone-conversation-390-dark.png")
    page.goto("/")
    assert serious_violations(page) == []
    shoot(page, "phone-list-390-dark.png")
    page.emulate_media(color_scheme="light")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")
    assert serious_violations(page) == []
    shoot(page, "phone-list-1280.png")
    page.goto(f"/c/{conversation_id}/")
    assert serious_violations(page) == []
    shoot(page, "phone-conversation-1280.png")


def test_jump_to_newest_appears_when_a_message_arrives_below(people):
    reader = people.signed_in("teacher1", **PHONE)
    open_conversation(reader, "Year 9 team")
    jump = reader.locator("#jump-newest")
    # Enough history to scroll away from the bottom.
    writer = people.signed_in("teacher2")
    open_conversation(writer, "Year 9 team")
    for i in range(6):
        writer.get_by_label("Message").fill(f"Line {i} " + "of a long note " * 12)
        writer.get_by_label("Message").press("Enter")
        expect(writer.locator("#messages > li.message", has_text=f"Line {i} ")).to_be_visible()
    expect(reader.locator("#messages > li.message", has_text="Line 5 ")).to_be_attached()
    reader.evaluate("window.scrollTo(0, 0)")
    expect(jump).to_be_hidden()
    writer.get_by_label("Message").fill("Are you there?")
    writer.get_by_label("Message").press("Enter")
    expect(jump).to_be_visible()
    jump.click()
    expect(jump).to_be_hidden()
    expect(reader.locator("#messages > li.message", has_text="Are you there?")).to_be_in_viewport()
