"""Welsh pages pass axe-core as the English ones do: the page says it is Welsh (<html lang="cy">, a valid tag),
and the longer Welsh words do not break the layout into something inaccessible."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_accessibility import serious_violations
from tests.servers import demo_email

pytestmark = pytest.mark.e2e


@pytest.fixture
def welsh(browser, server):
    """A browser that asks for Welsh (Accept-Language: cy), as a Welsh-speaking teacher's would."""
    context = browser.new_context(base_url=server.base_url, locale="cy", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context
    context.close()


def sign_in(context, server, login: str):
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(demo_email(login))
    page.locator("input[name=password]").fill(server.password)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
    return page


def test_welsh_sign_in_page_is_accessible(welsh):
    page = welsh.new_page()
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.get_by_role("heading", name="Mewngofnodi i Staffroom").is_visible()
    assert serious_violations(page) == []


@pytest.mark.parametrize(
    ("login", "path", "heading"),
    [
        ("teacher1", "/profile", "Eich proffil"),
        ("admin", "/admin/", None),
        ("dpo", "/compliance/sars/", "Ceisiadau gwrthrych am wybodaeth"),
    ],
)
def test_welsh_app_pages_are_accessible(welsh, server, login, path, heading):
    page = sign_in(welsh, server, login)
    page.goto(path)
    assert page.locator("html").get_attribute("lang") == "cy"
    if heading:
        assert page.get_by_role("heading", name=heading, exact=True).first.is_visible()
    assert serious_violations(page) == []
