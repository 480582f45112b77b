"""Conversation interactions on a 390 px phone: the full emoji picker (for the composer and for reactions, by
touch and by keyboard), swipe or tap to reply, and the typing indicator seen from a second browser."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import serious_violations
from tests.e2e.test_phone_screens import PHONE, open_conversation

pytestmark = pytest.mark.e2e


def send(page, words: str):
    page.get_by_label("Message").fill(words)
    page.get_by_role("button", name="Send").click()
    sent = page.locator("#messages > li.message", has_text=words)
    expect(sent).to_be_visible()
    return sent


def test_the_picker_inserts_an_emoji_in_the_composer_by_keyboard(people):
    page = people.signed_in("teacher2", **PHONE)
    open_conversation(page, "Year 9 team")
    box = page.get_by_label("Message")
    box.fill("Well done ")
    opener = page.get_by_role("button", name="Insert an emoji")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Choose an emoji")
    expect(dialog).to_be_visible()
    search = dialog.get_by_label("Search by name (in English)")
    expect(search).to_be_focused()
    listbox = dialog.get_by_role("listbox")
    expect(listbox.get_by_role("option", name="grinning face", exact=True)).to_be_attached()
    assert serious_violations(page) == []
    # Fits the phone: nothing wider than the screen.
    assert dialog.bounding_box()["width"] <= PHONE["width"]
    search.fill("hedgehog")
    expect(dialog.locator("#emoji-status")).to_have_text("1 emoji found")
    page.keyboard.press("ArrowDown")
    expect(listbox.get_by_role("option", name="hedgehog")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(box).to_have_value("Well done 🦔")
    expect(box).to_be_focused()

    # Escape closes it and focus goes back to the button that opened it.
    opener.click()
    expect(dialog).to_be_visible()
    search.fill("cat")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("document.activeElement.getAttribute('role')")
    assert focused == "option"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()


def test_any_emoji_can_be_a_reaction_from_the_picker(people):
    page = people.signed_in("teacher2", **PHONE)
    open_conversation(page, "Year 9 team")
    message = send(page, f"Trip forms are in {uuid.uuid4().hex[:6]}")
    message.locator("summary", has_text="Actions").click()
    message.get_by_role("button", name="More reactions…").click()
    dialog = page.get_by_role("dialog", name="Choose an emoji")
    dialog.get_by_label("Search by name (in English)").fill("rocket")
    dialog.get_by_role("option", name="rocket", exact=True).click()
    expect(dialog).to_be_hidden()
    reactions = message.get_by_role("list", name="Reactions")
    expect(reactions.get_by_role("button", name=re.compile(r"rocket\s+1"))).to_be_visible()


def test_a_colleague_sees_who_is_typing_and_it_goes_when_they_send(people):
    reader = people.signed_in("teacher1", **PHONE)
    open_conversation(reader, "Year 9 team")
    writer = people.signed_in("teacher2")
    open_conversation(writer, "Year 9 team")
    indicator = reader.locator("#typing-indicator")
    expect(indicator).to_have_attribute("aria-live", "polite")
    expect(indicator).to_have_text("")
    box = writer.get_by_label("Message")
    # The reader's socket must be open before the frame is relayed; keep typing until it shows.
    words = f"Coming now {uuid.uuid4().hex[:6]}"
    for attempt in range(4):
        box.press_sequentially("x" if attempt else words[:3])
        try:
            expect(indicator).to_have_text("Teacher Two is typing…", timeout=4_000)
            break
        except AssertionError:
            continue
    expect(indicator).to_have_text("Teacher Two is typing…")
    expect(writer.locator("#typing-indicator")).to_have_text("")  # not told about oneself
    box.fill(words)
    writer.get_by_role("button", name="Send").click()
    expect(reader.locator("#messages > li.message", has_text=words)).to_be_visible()
    expect(indicator).to_have_text("")


TOUCH = """([selector, points]) => {
  const el = document.querySelector(selector);
  const box = el.getBoundingClientRect();
  const y = box.top + Math.min(20, box.height / 2);
  const at = (x) => new Touch({ identifier: 1, target: el, clientX: box.left + x, clientY: y });
  const fire = (type, x) => {
    const touch = at(x);
    const list = type === "touchend" ? [] : [touch];
    el.dispatchEvent(new TouchEvent(type, { touches: list, targetTouches: list, changedTouches: [touch],
                                           bubbles: true, cancelable: true }));
  };
  fire("touchstart", points[0]);
  for (const x of points.slice(1, -1)) fire("touchmove", x);
  fire("touchend", points[points.length - 1]);
}"""


def phone_with_touch(browser, server):
    from tests.servers import demo_email

    context = browser.new_context(
        base_url=server.base_url, viewport=PHONE, has_touch=True, is_mobile=True, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(demo_email("teacher1"))
    page.locator("input[name=password]").fill(server.password)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).first.click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
    return context, page


def test_swipe_right_starts_a_reply_and_a_tap_shows_the_actions(browser, server):
    context, page = phone_with_touch(browser, server)
    try:
        open_conversation(page, "Year 9 team")
        message = send(page, f"Swipe me {uuid.uuid4().hex[:6]}")
        message_id = message.get_attribute("data-message-id")
        selector = f"#message-{message_id} .message-body"

        # A tap on the message opens its actions: Reply, the reactions, More reactions.
        page.evaluate(TOUCH, [selector, [30, 30]])
        actions = message.locator("details.message-actions")
        expect(actions).to_have_attribute("open", "")
        expect(actions.get_by_role("link", name="Reply")).to_be_visible()
        expect(actions.get_by_role("button", name="More reactions…")).to_be_visible()
        page.evaluate(TOUCH, [selector, [30, 30]])
        expect(actions).not_to_have_attribute("open", "")

        # A swipe to the right quotes it above the composer, with a way to cancel.
        page.evaluate(TOUCH, [selector, [10, 40, 80, 120]])
        replying = page.locator("#composer .replying")
        expect(replying).to_contain_text("Replying to")
        expect(replying).to_contain_text("Swipe me")
        expect(page.get_by_label("Message")).to_be_focused()
        expect(page.locator("#composer input[name=reply_to]")).to_have_value(message_id)
        page.get_by_role("link", name="Cancel reply").click()
        expect(replying).to_have_count(0)

        # Without swiping: the visible Reply link under the message does the same, and the reply is sent.
        message.get_by_role("link", name=re.compile("^Reply to the message")).click()
        expect(replying).to_contain_text("Swipe me")
        answer = f"Answer {uuid.uuid4().hex[:6]}"
        sent = send(page, answer)
        expect(sent.locator(".reply-quote")).to_contain_text("Swipe me")
    finally:
        context.close()


@pytest.fixture(scope="module")
def recording_browser(browser):
    """Chromium with a fake microphone that needs no permission prompt, for recording voice notes (launched by
    the same Playwright as the module's browser: a thread may run only one)."""
    from tests.e2e.conftest import CHROMIUM_ARGS, _chromium

    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    recording = browser.browser_type.launch(executable_path=_chromium(), args=args)
    yield recording
    recording.close()


def test_a_voice_note_is_recorded_sent_and_played(recording_browser, server):
    from tests.servers import demo_email

    context = recording_browser.new_context(
        base_url=server.base_url, viewport=PHONE, locale="en-GB", permissions=["microphone"]
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(demo_email("teacher2"))
        page.locator("input[name=password]").fill(server.password)
        page.get_by_role("button", name=re.compile("Sign in", re.I)).first.click()
        page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
        open_conversation(page, "Year 9 team")
        before = page.locator("#messages audio").count()

        # Cancel discards the recording.
        record = page.get_by_role("button", name="Record a voice note")
        record.click()
        panel = page.locator("[data-voice-panel]")
        expect(panel).to_be_visible()
        expect(page.get_by_role("button", name="Stop and send the voice note")).to_have_attribute(
            "aria-pressed", "true"
        )
        panel.get_by_role("button", name="Cancel").click()
        expect(panel).to_be_hidden()
        expect(record).to_be_focused()

        # Record, watch the timer move, stop: it is sent and plays in the message, with its length.
        record.click()
        expect(panel.get_by_role("timer")).to_have_text("0:01")
        expect(panel.get_by_role("timer")).to_have_text("0:02")
        panel.get_by_role("button", name="Stop and send").click()
        players = page.locator("#messages audio[controls]")
        expect(players).to_have_count(before + 1)
        note = page.locator("#messages .voice-note").last
        expect(note.locator("[data-voice-duration]")).to_have_text(re.compile(r"^0:0[1-4]$"))
        src = note.locator("audio").get_attribute("src")
        response = page.request.get(src)
        assert response.headers["content-type"] in {"audio/webm", "audio/ogg", "audio/mp4"}
    finally:
        context.close()
