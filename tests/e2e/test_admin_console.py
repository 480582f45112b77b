"""The admin console's people pages in real Chromium: an IT admin's day-one tasks, by mouse and by keyboard, on a
desk and on a phone, with no serious accessibility problems; a headteacher sees their own school; a teacher
finds no console at all.

Screenshots of each page, at phone and desk width, go to $STAFFROOM_SHOTS (default /tmp/admin-shots) to be
looked at."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import serious_violations

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("STAFFROOM_SHOTS", "/tmp/admin-shots"))
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
STARTER_EMAIL = "new.starter@oakfield.example"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"{page.url} scrolls sideways at {width}px ({scroll}px wide)"


def tab_to(page, selector: str, *, presses: int = 40) -> None:
    """Press Tab until the element matching `selector` has focus, as a keyboard user would."""
    for _ in range(presses):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached {selector}")


def open_person(page, name: str) -> None:
    page.get_by_label("Name, email or mention name").fill(name)
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


def test_an_it_admin_finds_someone_and_sets_their_leave_date(people):
    page = people.signed_in("admin", **DESK)
    page.goto("/")
    page.get_by_role("link", name="Admin console").click()
    expect(page.get_by_role("heading", level=1, name="People")).to_be_visible()
    expect(page.get_by_role("table", name="Everyone you manage")).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_label("Name, email or mention name").fill("teacher two")
    page.get_by_role("button", name="Find").click()
    table = page.get_by_role("table", name="People matching your search")
    expect(table.get_by_role("link", name="Teacher Two")).to_be_visible()
    expect(table.get_by_role("link", name="Teacher One")).to_have_count(0)
    table.get_by_role("link", name="Teacher Two").click()

    last_day = (date.today() + timedelta(days=45)).isoformat()
    page.locator("#id_change-leaves_on").fill(last_day)
    page.get_by_label("Reason for the change (optional)").fill("Leaving at the end of the year")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Teacher Two's details are saved.")
    expect(page.locator(".details-list")).to_contain_text("Leaving")
    shoot(page, "person-desk")
    assert serious_violations(page) == []

    # Plans change: clearing the date leaves them as they were.
    page.locator("#id_change-leaves_on").fill("")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".details-list")).to_contain_text("None set")


def test_an_it_admin_adds_a_starter_with_the_keyboard_then_ends_their_access(people, server):
    page = people.signed_in("admin", **DESK)
    page.goto("/admin/")
    tab_to(page, "a[href='/admin/people/new']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Add a person")).to_be_visible()

    # First a slip: no role ticked. The problems are listed first, and each leads to its field.
    tab_to(page, "#id_email")
    page.keyboard.type(STARTER_EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type("New Starter")
    tab_to(page, "button[type=submit].primary")
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose at least one role.")
    expect(page.locator("#id_roles")).to_have_attribute("aria-describedby", re.compile("id_roles_error"))
    shoot(page, "new-with-problem-desk")
    assert serious_violations(page) == []

    tab_to(page, "#id_roles-teaching_assistant")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit].primary")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("New Starter")
    notices = page.get_by_role("status")
    expect(notices).to_contain_text("New Starter was added.")
    expect(notices).to_contain_text(f"A sign-in link is on its way to {STARTER_EMAIL}.")
    mail = "\n".join(p.read_text(errors="replace") for p in (server.data_dir / "mail").glob("*"))
    assert STARTER_EMAIL in mail and "/accounts/password/reset/key/" in mail

    # A change of plan: they are not starting after all. Deactivate, after a confirmation.
    page.locator("#id_deactivate-reason").fill("Did not take up the post")
    page.get_by_label("Who takes over their groups").select_option(label="Teacher One (Teacher, Oakfield High)")
    page.get_by_role("button", name="Deactivate New Starter…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate New Starter now?")
    expect(page.get_by_text("pass to Teacher One")).to_be_visible()
    shoot(page, "deactivate-confirm-desk")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Yes, deactivate now").click()
    expect(page.get_by_role("status")).to_contain_text("New Starter can no longer use Staffroom")
    expect(page.locator(".details-list")).to_contain_text("Inactive")
    expect(page.get_by_role("heading", name="Restore access")).to_be_visible()


def test_an_it_admin_restores_the_demo_leaver_and_ends_their_access_again(people):
    page = people.signed_in("admin", **DESK)
    page.goto("/admin/")
    page.get_by_label("Status").select_option("inactive")
    page.get_by_role("button", name="Find").click()
    row = page.get_by_role("row", name=re.compile("Former Teacher"))
    expect(row).to_contain_text("Inactive")
    row.get_by_role("link", name="Former Teacher").click()
    page.get_by_label("Reason for restoring access").fill("Deactivated in error")
    page.get_by_role("button", name="Restore access").click()
    expect(page.get_by_role("status")).to_contain_text("Former Teacher can use Staffroom again.")
    expect(page.locator(".details-list")).to_contain_text("Active")

    page.locator("#id_sessions-reason").fill("Phone reported lost")
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_role("status")).to_contain_text("Former Teacher is signed out everywhere")

    page.locator("#id_deactivate-reason").fill("Left the school at the end of term.")
    page.get_by_role("button", name="Deactivate Former Teacher…").click()
    page.get_by_role("button", name="Yes, deactivate now").click()
    expect(page.locator(".details-list")).to_contain_text("Inactive")


def test_a_headteacher_manages_only_their_own_school(people):
    page = people.signed_in("head", **DESK)
    page.goto("/")
    page.get_by_role("link", name="Admin console").click()
    table = page.get_by_role("table")
    expect(table.get_by_role("link", name="Teacher One")).to_be_visible()
    expect(table.get_by_role("link", name="Office Staff One")).to_have_count(0)  # Oakfield Primary
    expect(page.get_by_label("School")).to_have_text(re.compile(r"^\s*All schools\s*Oakfield High\s*$"))
    page.get_by_role("link", name="Add a person").click()
    expect(page.get_by_label("IT admin")).to_have_count(0)
    shoot(page, "new-head-desk")


def test_a_teacher_finds_no_console(people):
    page = people.signed_in("teacher1", **DESK)
    page.goto("/")
    expect(page.get_by_role("link", name="Admin console")).to_have_count(0)
    assert page.goto("/admin/").status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_the_console_is_tidy_and_accessible_on_a_phone_and_a_desk(people, size):
    viewport = PHONE if size == "phone" else DESK
    page = people.signed_in("admin", **viewport)
    page.goto("/admin/")
    fits(page, viewport["width"])
    assert serious_violations(page) == []
    shoot(page, f"people-{size}")

    page.goto("/admin/?status=inactive")
    shoot(page, f"people-inactive-{size}")

    page.goto("/admin/people/new")
    fits(page, viewport["width"])
    assert serious_violations(page) == []
    shoot(page, f"new-{size}")

    page.goto("/admin/")
    open_person(page, "Teaching Assistant One")
    fits(page, viewport["width"])
    assert serious_violations(page) == []
    shoot(page, f"person-{size}")
    if size == "phone":
        # Primary actions are reachable without hunting: the page's own contents lead to each section.
        page.get_by_role("navigation", name="On this page").get_by_role("link", name="Sign out everywhere").click()
        expect(page.get_by_role("heading", name="Sign out everywhere")).to_be_in_viewport()

    # The console's other sections are one step away, with the same navigation.
    console_nav = page.get_by_role("navigation", name="Admin console")
    console_nav.get_by_role("link", name="Groups").click()
    expect(console_nav.get_by_role("link", name="Groups")).to_have_attribute("aria-current", "page")
    shoot(page, f"groups-{size}")
    console_nav.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1, name="People")).to_be_visible()


def test_the_dpo_is_taken_to_the_sections_of_the_console_they_have(people):
    page = people.signed_in("dpo", **DESK)
    page.goto("/")
    page.get_by_role("link", name="Admin console").click()
    console_nav = page.get_by_role("navigation", name="Admin console")
    expect(console_nav.get_by_role("link", name="Groups")).to_have_attribute("aria-current", "page")
    expect(console_nav.get_by_role("link", name="People")).to_have_count(0)
    assert page.goto("/admin/people/new").status == 404
