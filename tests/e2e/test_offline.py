"""Offline in Chromium: a conversation read before stays readable without a connection, a message written
offline waits and is sent once on reconnecting, and signing out leaves no copy behind."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

KEPT_PAGES = """caches.keys().then(function (names) {
  var pages = names.filter(function (n) { return n.indexOf('staffroom-pages-') === 0; });
  return Promise.all(pages.map(function (n) {
    return caches.open(n).then(function (c) { return c.keys(); })
      .then(function (rs) { return rs.map(function (r) { return new URL(r.url).pathname; }); });
  })).then(function (lists) { return [].concat.apply([], lists); });
})"""


def count_messages(server, body: str) -> int:
    code = f"from staffroom.messaging.models import Message; print(Message.objects.filter(body={body!r}).count())"
    return int(server.command("shell", "-c", code).strip().splitlines()[-1])


def go_offline(context, offline: bool) -> None:
    # Chromium's offline emulation covers the service worker's own fetches too.
    context.set_offline(offline)


def test_a_conversation_stays_readable_offline_and_a_message_written_offline_is_sent_once(people):
    page = people.signed_in("teacher1", width=390, height=844)
    context = page.context
    page.goto("/")
    page.wait_for_function("() => !!navigator.serviceWorker.controller")
    page.goto("/")  # now through the worker: the list is kept
    page.get_by_role("link", name=re.compile("Year 9 team")).first.click()
    expect(page.get_by_label("Message")).to_be_visible()
    conversation_path = re.search(r"/c/\d+/", page.url).group(0)
    page.wait_for_function(
        f"() => ({KEPT_PAGES}).then(function (p) {{ return p.indexOf({conversation_path!r}) !== -1; }})", polling=200
    )
    kept = page.evaluate(KEPT_PAGES)
    assert conversation_path in kept and "/" in kept

    go_offline(context, True)
    try:
        page.reload()
        expect(page.locator("#conversation-title")).to_contain_text("Year 9 team")
        expect(page.get_by_text("You're offline. Messages will send when you reconnect.")).to_be_visible()

        text = f"Written on the bus {uuid.uuid4().hex[:8]}"
        page.get_by_label("Message").fill(text)
        page.get_by_role("button", name="Send").click()
        waiting = page.locator("#outbox .message.pending", has_text=text)
        expect(waiting).to_be_visible()
        expect(waiting).to_contain_text("Waiting to send")
        expect(page.get_by_label("Message")).to_have_value("")
        assert count_messages(people.server, text) == 0

        # A page the worker never kept: the offline page, listing what can be read.
        page.goto("/profile")
        expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
        expect(page.get_by_role("link", name=re.compile("Year 9 team"))).to_be_visible()
        page.get_by_role("link", name=re.compile("Year 9 team")).click()
        expect(page.locator("#outbox .message.pending", has_text=text)).to_be_visible()
    finally:
        go_offline(context, False)

    # Back online: it is sent, shown once as an ordinary message, and posted once.
    expect(page.locator("#outbox .message.pending")).to_have_count(0, timeout=20_000)
    expect(page.locator("#messages .message", has_text=text)).to_have_count(1)
    expect(page.get_by_text("You're offline. Messages will send when you reconnect.")).to_be_hidden()
    page.reload()
    expect(page.locator("#messages .message", has_text=text)).to_have_count(1)
    assert count_messages(people.server, text) == 1

    # Signing out leaves nothing to read: no kept pages, and offline the conversation is not shown.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.wait_for_function(f"() => ({KEPT_PAGES}).then(function (p) {{ return p.length === 0; }})", polling=200)
    # Clear-Site-Data also removed the worker; the sign-in page registers it again. With it back in control,
    # the conversation read earlier is still not shown offline: the offline page is, listing nothing.
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=15_000)
    go_offline(context, True)
    try:
        page.goto(conversation_path)
        expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
        expect(page.locator("#conversation-title")).to_have_count(0)
        expect(page.locator("#offline-conversations li")).to_have_count(0)
    finally:
        go_offline(context, False)


def test_a_message_written_offline_can_be_cancelled(people):
    page = people.signed_in("teacher2")
    page.goto("/")
    page.get_by_role("link", name=re.compile("Year 9 team")).first.click()
    expect(page.get_by_label("Message")).to_be_visible()
    page.context.set_offline(True)
    text = f"Never mind {uuid.uuid4().hex[:8]}"
    try:
        page.wait_for_function("() => !navigator.onLine")
        page.get_by_label("Message").fill(text)
        page.get_by_label("Message").press("Enter")
        waiting = page.locator("#outbox .message.pending", has_text=text)
        expect(waiting).to_be_visible()
        waiting.get_by_role("button", name="Cancel sending").click()
        expect(waiting).to_have_count(0)
    finally:
        page.context.set_offline(False)
    page.wait_for_function("() => navigator.onLine")
    page.wait_for_timeout(1000)
    assert count_messages(people.server, text) == 0


def test_kept_pages_are_dropped_at_sign_out_even_where_clear_site_data_is_not_supported(people):
    page = people.signed_in("teacher2")
    context = page.context
    page.goto("/")
    page.wait_for_function("() => !!navigator.serviceWorker.controller")
    page.goto("/")
    page.get_by_role("link", name=re.compile("Year 9 team")).first.click()
    expect(page.get_by_label("Message")).to_be_visible()
    conversation_path = re.search(r"/c/\d+/", page.url).group(0)
    page.wait_for_function(
        f"() => ({KEPT_PAGES}).then(function (p) {{ return p.indexOf({conversation_path!r}) !== -1; }})", polling=200
    )

    # A browser that ignores Clear-Site-Data: the header never reaches it, so the worker stays registered.
    stripped = []

    def without_clear_site_data(route):
        stripped.append(route.request.method)
        response = route.fetch(max_redirects=0)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "clear-site-data"}
        route.fulfill(response=response, headers=headers)

    context.route("**/accounts/logout/", without_clear_site_data)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert stripped == ["POST"]
    page.wait_for_function(f"() => ({KEPT_PAGES}).then(function (p) {{ return p.length === 0; }})", polling=200)
    context.set_offline(True)
    try:
        page.goto(conversation_path)
        expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
        expect(page.locator("#conversation-title")).to_have_count(0)
    finally:
        context.set_offline(False)


def test_a_send_whose_answer_was_lost_is_retried_with_its_client_id_and_posted_once(people):
    page = people.signed_in("teacher1")
    page.goto("/")
    page.get_by_role("link", name=re.compile("Year 9 team")).first.click()
    expect(page.get_by_label("Message")).to_be_visible()
    client_id = page.locator("form[data-composer] input[name=client_id]").input_value()

    # The send reaches the server, which posts it, but the answer never comes back (a train going into a tunnel).
    def lost_answer(route):
        route.fetch()
        route.abort("connectionreset")

    page.route("**/c/*/send", lost_answer)
    text = f"Did this arrive {uuid.uuid4().hex[:8]}"
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send").click()
    waiting = page.locator("#outbox .message.pending", has_text=text)
    expect(waiting).to_be_visible()
    assert waiting.get_attribute("data-client-id") == client_id
    assert count_messages(people.server, text) == 1
    page.unroute("**/c/*/send")

    # Sent again with the same client_id (within 15 s): the server answers with the message it already has.
    expect(waiting).to_have_count(0, timeout=25_000)
    expect(page.locator("#messages .message", has_text=text)).to_have_count(1)
    assert count_messages(people.server, text) == 1


def test_a_lost_device_reported_from_elsewhere_drops_the_kept_pages(people):
    page = people.signed_in("ta1", width=390, height=844)
    page.goto("/")
    page.wait_for_function("() => !!navigator.serviceWorker.controller")
    page.goto("/")
    page.get_by_role("link", name=re.compile("Year 9 team")).first.click()
    expect(page.get_by_label("Message")).to_be_visible()
    conversation_path = re.search(r"/c/\d+/", page.url).group(0)
    page.wait_for_function(
        f"() => ({KEPT_PAGES}).then(function (p) {{ return p.indexOf({conversation_path!r}) !== -1; }})", polling=200
    )

    # From another device: "I lost my phone". Every session ends; the phone's open page is told over its socket.
    token = people.server.login("ta1")
    answer = httpx.post(
        people.server.url("/api/v1/me/lost-device"),
        json={"note": "Left on the bus"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200
    expect(page).to_have_url(re.compile(r"/accounts/login/"), timeout=15_000)
    page.wait_for_function(f"() => ({KEPT_PAGES}).then(function (p) {{ return p.length === 0; }})", polling=200)
