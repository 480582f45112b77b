"""The sign-in pages an admin and a leader use (the console's sign-in settings, the second step, the password
change) pass axe, reflow at phone width, and the second-step rule can be saved by keyboard alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import serious_violations

pytestmark = pytest.mark.e2e

PAGES = ["/admin/sign-in/", "/accounts/2fa/", "/accounts/password/change/", "/accounts/sessions/", "/profile"]


def test_sign_in_pages_pass_axe_and_reflow_at_320_and_1280_pixels(people):
    page = people.signed_in("admin", width=320, height=700)
    problems = []
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 700})
        for url in PAGES:
            page.goto(url)
            problems += [f"{url} at {width}px: {v}" for v in serious_violations(page)]
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if width == 320 and scroll_width > 320:
                problems.append(f"{url} scrolls sideways at 320px ({scroll_width}px wide)")
    assert problems == [], "\n".join(problems)


def test_a_provider_with_a_mistake_shows_it_beside_the_field_by_keyboard(people):
    page = people.signed_in("admin")
    page.goto("/admin/sign-in/")
    page.get_by_label("Directory (tenant) id or primary domain").fill("common")
    page.get_by_label("Client id").last.fill("app-id")
    page.get_by_role("button", name="Save Microsoft Entra ID sign-in").click()
    expect(page.locator(".error-summary")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Directory (tenant) id or primary domain")).to_be_focused()
    assert serious_violations(page) == []
