"""An IT admin imports a roster in the console, in real Chromium: upload, check, confirm; each page passes axe.

The import adds people, so these run against a server of their own rather than the shared demo one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Pages
from tests.e2e.test_accessibility import serious_violations
from tests.rosters.conftest import sample, zipped
from tests.servers import StaffroomServer, staffroom_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def roster_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaffroomServer]:
    with staffroom_server(tmp_path_factory, name="e2e-roster") as running:
        yield running


@pytest.fixture
def admin_page(browser, roster_server, request) -> Iterator:
    pages = Pages(browser, roster_server, request)
    yield pages.signed_in("admin")
    pages.close(getattr(request.node, "test_failed", False))


def test_an_it_admin_checks_and_imports_the_moodle_sample(admin_page, tmp_path):
    folder = sample("moodle-full")
    archive = tmp_path / "moodle-full.zip"
    archive.write_bytes(zipped({p.name: p.read_bytes() for p in folder.iterdir() if p.suffix == ".csv"}))
    page = admin_page
    page.goto("/admin/roster/")
    expect(page.get_by_role("heading", name="Import a roster")).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_label("Roster ZIP file").set_input_files(str(archive))
    page.get_by_role("button", name="Check the roster").click()
    expect(page.get_by_role("heading", name="What the roster would change")).to_be_visible()
    expect(page.get_by_role("table", name="People to add")).to_contain_text("John Doe")
    assert serious_violations(page) == []

    page.get_by_role("button", name="Make these changes").click()
    expect(page.get_by_role("status")).to_contain_text("The roster was imported: 5 people added")
    assert serious_violations(page) == []


def test_the_roster_pages_work_at_phone_width(browser, roster_server, request, tmp_path):
    pages = Pages(browser, roster_server, request)
    try:
        page = pages.signed_in("admin", width=375, height=740)
        page.goto("/admin/roster/")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 376, f"the page scrolls sideways at phone width ({width}px)"
    finally:
        pages.close(getattr(request.node, "test_failed", False))
