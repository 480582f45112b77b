"""Fast paths in a conversation, counted in taps on a 390 px phone and in keys at a 1280 px desk: @mentioning
someone by name, pinning a message, searching this conversation only."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


def open_conversation(page, title: str) -> None:
    page.goto("/")
    page.get_by_role("link", name=re.compile(re.escape(title))).first.click()
    page.wait_for_url(re.compile(r"/c/\d+/"))
    expect(page.locator("#composer-body")).to_be_visible()


def test_a_mention_by_first_name_takes_two_taps_on_a_phone(people):
    page = people.signed_in("teacher1", **PHONE)
    open_conversation(page, "Year 9 team")
    box = page.get_by_label("Message")
    taps = 0

    box.click()
    taps += 1
    box.type("Can you cover, @tw")  # typing, not a tap: the list narrows to the name as it is typed
    expect(box).to_have_attribute("aria-expanded", "true")
    options = page.get_by_role("listbox", name="People to mention").get_by_role("option")
    expect(options).to_have_count(1)
    options.first.click()
    taps += 1

    expect(box).to_have_value("Can you cover, @teacher-two ")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("aria-expanded", "false")
    assert taps == 2
    page.get_by_role("button", name="Send").click()
    mention = page.locator("#messages .message").last.locator(".mention, a, span").filter(has_text="Teacher Two")
    expect(mention.first).to_be_visible()


def test_a_mention_needs_no_mouse_at_a_desk(people):
    page = people.signed_in("teacher1", **DESK)
    open_conversation(page, "Year 9 team")
    box = page.get_by_label("Message")
    box.focus()
    box.type("Thanks @TEACH")  # any case; "Teacher Two" and "Teaching Assistant One" both match
    listbox = page.get_by_role("listbox", name="People to mention")
    expect(listbox.get_by_role("option")).to_have_count(2)
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id") or "")

    box.press("ArrowDown")
    second = listbox.get_by_role("option").nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    box.press("Enter")  # picks the name; does not send the message
    expect(box).to_have_value(re.compile(r"^Thanks @teach\w*-\w+(-one)? $"))
    expect(page.locator("#messages")).not_to_contain_text("Thanks @")

    box.type("and @he")
    expect(listbox.get_by_role("option")).to_have_count(1)
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(listbox).to_be_hidden()


def pin_the_latest(page) -> int:
    """Pin the latest message of the open conversation from its Actions menu; returns the taps it took."""
    taps = 0
    last = page.locator("#messages > li.message").last
    last.locator("summary").click()
    taps += 1
    last.get_by_role("button", name="Pin to top").click()
    taps += 1
    return taps


@pytest.mark.parametrize("size", [PHONE, DESK], ids=["phone", "desk"])
def test_pinning_takes_two_taps_and_the_others_see_it_at_once(people, size):
    reader = people.signed_in("teacher2", **DESK)
    open_conversation(reader, "Year 9 team")
    page = people.signed_in("teacher1", **size)
    open_conversation(page, "Year 9 team")
    text = f"Pinned note {size['width']}"
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#messages > li.message").last).to_contain_text(text)

    taps = pin_the_latest(page)
    assert taps == 2
    expect(page.locator("#pinned-latest")).to_contain_text(text)
    expect(reader.locator("#pinned-latest")).to_contain_text(text)  # live, without reloading

    page.locator("#pinned-all").click()
    page.wait_for_url(re.compile(r"/c/\d+/pins/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pinned in Year 9 team")
    page.get_by_role("button", name=re.compile("^Unpin")).first.click()
    page.wait_for_url(re.compile(r"/c/\d+/"))


@pytest.mark.parametrize("size", [PHONE, DESK], ids=["phone", "desk"])
def test_searching_this_conversation_takes_three_taps_to_the_message(people, size):
    page = people.signed_in("teacher1", **size)
    open_conversation(page, "Year 9 team")
    taps = 0

    page.get_by_text("Search here").click()
    taps += 1
    field = page.get_by_label("Search this conversation")
    expect(field).to_be_focused()
    field.type("parents")  # typing, not a tap
    field.press("Enter")  # the keyboard's Search key on a phone
    taps += 1
    page.wait_for_url(re.compile(r"/search\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Search in Year 9 team")
    results = page.locator(".search-results li")
    expect(results).to_have_count(1)
    results.first.get_by_role("link").click()
    taps += 1

    page.wait_for_url(re.compile(r"/c/\d+/\?before=\d+#message-\d+"))
    target = page.locator(".message:target")
    expect(target).to_contain_text("Parents' evening slots are open")
    assert taps == 3


@pytest.mark.parametrize("size", [PHONE, DESK], ids=["phone", "desk"])
def test_an_announcement_to_all_staff_of_a_school_takes_three_taps(people, size):
    page = people.signed_in("head", **size)
    page.goto("/")
    taps = 0
    title = f"Staff notices {size['width']}"

    page.get_by_label("Announcements", exact=True).check()
    taps += 1
    page.get_by_label("Title").fill(title)  # typing, not a tap
    page.get_by_label("All staff at Oakfield High").check()
    taps += 1
    page.get_by_role("button", name="Start conversation").click()
    taps += 1

    page.wait_for_url(re.compile(r"/c/\d+/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    # Oakfield High's active staff: head, dsl, teacher1, teacher2, ta1, and the trust-wide IT admin and DPO
    # whose school it is; not the governor, the pupils or the leaver.
    expect(page.get_by_role("link", name="7 members")).to_be_visible()
    assert taps == 3


def test_the_fast_path_screens_pass_axe_and_reflow_at_320_and_1280_pixels(people):
    from tests.e2e.test_accessibility import serious_violations

    page = people.signed_in("teacher1", width=320, height=700)
    open_conversation(page, "Year 9 team")
    conversation_id = re.search(r"/c/(\d+)/", page.url).group(1)
    page.locator("#messages > li.message").last.locator("summary").click()
    page.locator("#messages > li.message").last.get_by_role("button", name="Pin to top").click()
    expect(page.locator("#pinned-latest")).to_be_visible()
    problems = []
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 700})
        for url in [f"/c/{conversation_id}/", f"/c/{conversation_id}/pins/", f"/search?q=parents&in={conversation_id}"]:
            page.goto(url)
            if url.endswith(f"/c/{conversation_id}/"):
                page.get_by_text("Search here").click()
                box = page.get_by_label("Message")
                box.click()
                box.type("@te")  # the mention list open, as it is checked
                expect(page.get_by_role("listbox", name="People to mention")).to_be_visible()
            problems += [f"{url} at {width}px: {v}" for v in serious_violations(page)]
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if width == 320 and scroll_width > 320:
                problems.append(f"{url} scrolls sideways at 320px ({scroll_width}px wide)")
    assert problems == []


def test_the_all_staff_choice_passes_axe(people):
    from tests.e2e.test_accessibility import serious_violations

    page = people.signed_in("head", width=390, height=844)
    page.goto("/")
    expect(page.get_by_label("All staff at Oakfield High")).to_be_visible()
    assert serious_violations(page) == []
