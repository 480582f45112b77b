"""axe-core finds no serious or critical WCAG 2.2 AA problems, and the app works at phone width and by keyboard."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def serious_violations(page) -> list[str]:
    # Evaluated through the DevTools protocol, so our CSP (no inline scripts) does not get in its way.
    page.evaluate(AXE)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']})"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_sign_in_page_is_accessible(browser, server):
    context = browser.new_context(base_url=server.base_url)
    page = context.new_page()
    page.goto("/accounts/login/")
    assert serious_violations(page) == []
    context.close()


@pytest.mark.parametrize("title", [None, "Year 9 team", "Headteacher's notices", "9X Science"])
def test_app_pages_are_accessible(people, title):
    page = people.signed_in("teacher1")
    page.goto("/")
    if title:
        page.get_by_role("link", name=re.compile(re.escape(title))).first.click()
        expect(page.get_by_role("main")).to_be_visible()
    assert serious_violations(page) == []


def test_phone_width_conversation_is_usable(people):
    page = people.signed_in("teacher1", width=375, height=740)
    page.goto("/")
    page.get_by_role("link", name=re.compile("Year 9 team")).first.click()
    box = page.get_by_label("Message").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 376, f"the page scrolls sideways at phone width ({width}px)"


def test_sign_in_and_send_with_the_keyboard_alone(browser, server):
    context = browser.new_context(base_url=server.base_url)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("input[name=login]").focus()
    page.keyboard.type("teacher2@oakfield.example")
    page.keyboard.press("Tab")
    page.keyboard.type(server.password)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
    page.get_by_role("link", name=re.compile("Year 9 team")).first.focus()
    page.keyboard.press("Enter")
    page.get_by_label("Message").focus()
    page.keyboard.type("Sent with the keyboard")
    for _ in range(15):
        page.keyboard.press("Tab")
        label = page.evaluate("(document.activeElement.innerText || document.activeElement.value || '').trim()")
        if label == "Send":
            break
    else:
        pytest.fail("the Send button cannot be reached with Tab from the message box")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Sent with the keyboard")).to_be_visible()
    context.close()
