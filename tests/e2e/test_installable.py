"""Staffroom installs as an app: in Chromium the page links the manifest, the service worker registers with scope
/, and the tab's title counts unread messages."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_the_service_worker_registers_and_the_manifest_is_linked(people):
    page = people.signed_in("teacher1", width=390, height=844)
    page.goto("/")
    manifest = page.evaluate("document.querySelector('link[rel=manifest]').href")
    assert manifest.endswith("/manifest.webmanifest")
    scope = page.evaluate("navigator.serviceWorker.ready.then(function (r) { return r.scope; })")
    assert scope == people.server.base_url.rstrip("/") + "/"
    state = page.evaluate("navigator.serviceWorker.ready.then(function (r) { return r.active && r.active.state; })")
    assert state in {"activating", "activated"}
    # The app shell is cached under this release's name; pages are not.
    cached = page.evaluate(
        """caches.keys().then(function (names) {
             var shell = names.filter(function (n) { return n.indexOf('staffroom-shell-') === 0; });
             return caches.open(shell[0]).then(function (c) { return c.keys(); })
               .then(function (rs) { return rs.map(function (r) { return new URL(r.url).pathname; }); });
           })"""
    )
    assert "/offline" in cached and "/static/staffroom/app.css" in cached
    assert "/" not in cached


def test_the_tab_title_counts_unread_messages(people):
    page = people.signed_in("teacher1")
    page.goto("/")
    total = page.evaluate("Number(document.getElementById('sidebar-summary').dataset.unreadTotal)")
    title = page.title()
    if total:
        assert title.startswith(f"({total}) ")
    else:
        assert not title.startswith("(")
