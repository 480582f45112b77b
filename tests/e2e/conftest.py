"""Browser tests: the demo school served by a real `staffroom serve`, driven in Debian's Chromium."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import StaffroomServer, demo_email, skip_or_fail, staffroom_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.e2e


def _chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        skip_or_fail("Chromium is not installed; `make test` installs it (apt package chromium).")
    return path


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaffroomServer]:
    with staffroom_server(tmp_path_factory, name="e2e") as running:
        yield running


# Module scope, not session: Playwright's sync API keeps an event loop running in this thread while it is open,
# and Django refuses database calls from a thread with a running loop, which would break the next test files.
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Pages:
    """Opens one browser context per person, signed in, and screenshots every page if the test fails."""

    def __init__(self, browser, server: StaffroomServer, request: pytest.FixtureRequest) -> None:
        self.browser, self.server, self.request = browser, server, request
        self.contexts: list = []
        self.pages: dict[str, object] = {}

    def signed_in(self, login: str, *, width: int = 1280, height: int = 900):
        context = self.browser.new_context(
            base_url=self.server.base_url, viewport={"width": width, "height": height}, locale="en-GB"
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(demo_email(login))
        page.locator("input[name=password]").fill(self.server.password)
        page.locator("input[name=password]").press("Enter")
        # Signing in checks an argon2 hash (deliberately slow): on a loaded two-core machine it has taken over 10 s.
        page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"), timeout=30_000)
        self.pages[login] = page
        return page

    def close(self, failed: bool) -> None:
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            for login, page in self.pages.items():
                name = re.sub(r"[^\w.-]", "_", f"{self.request.node.name}-{login}.png")
                try:
                    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
                except Exception as exc:  # a screenshot must not hide the real failure
                    print(f"could not screenshot {login}: {exc}")
        for context in self.contexts:
            context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.test_failed = report.failed
    return report


@pytest.fixture
def people(browser, server, request) -> Iterator[Pages]:
    pages = Pages(browser, server, request)
    yield pages
    pages.close(getattr(request.node, "test_failed", False))
