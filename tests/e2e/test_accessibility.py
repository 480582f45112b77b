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
    expect(page.get_by_text("Sent with the keyboard", exact=True)).to_be_visible()  # not the list's "You: ..." preview
    context.close()


def open_conversation(page, title: str) -> str:
    """Open a conversation from the list; returns its id."""
    page.goto("/")
    page.get_by_role("link", name=re.compile(re.escape(title))).first.click()
    expect(page.get_by_label("Message")).to_be_visible()
    # Let the page finish what it does on arrival (marking messages read, the live connection's first
    # refresh) before a test starts pressing keys: on a busy machine that can land after the first key press.
    page.wait_for_load_state("networkidle")
    return re.search(r"/c/(\d+)/", page.url).group(1)


def focused_message(page) -> str | None:
    """The id of the message holding keyboard focus, "BODY" when focus has fallen to the page, else None."""
    return page.evaluate(
        """() => {
            const active = document.activeElement;
            if (!active || active === document.body) return "BODY";
            const message = active.closest("li.message");
            return message ? message.id : null;
        }"""
    )


def tab_until(page, wanted: str, *, presses: int = 8) -> str:
    """Press Tab until the focused element's id starts with `wanted`; returns that id."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id")
        if focused.startswith(wanted):
            return focused
    pytest.fail(f"Tab never reached #{wanted}…")


def test_reacting_by_keyboard_keeps_focus_in_the_message(people):
    page = people.signed_in("dsl")
    open_conversation(page, "Year 9 team")
    message_id = page.locator("li.message", has_text="Parents' evening slots").get_attribute("data-message-id")
    actions = page.locator(f"#actions-{message_id}")
    menu = page.locator(f"#message-{message_id} details.message-actions")

    # React from the Actions menu: focus goes to that reaction's own button, now pressed.
    actions.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    reaction = tab_until(page, f"react-menu-{message_id}-").replace("react-menu-", "react-")
    page.keyboard.press("Enter")
    expect(page.locator(f"#{reaction}")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#{reaction}")).to_be_focused()
    page.wait_for_timeout(500)  # the live update of our own reaction replaces the message once more
    assert focused_message(page) == f"message-{message_id}"

    # Escape closes the menu and goes back to its button.
    actions.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(actions).to_be_focused()

    # Taking the reaction back removes its button: focus goes to the message's Actions button.
    page.locator(f"#{reaction}").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#{reaction}")).to_have_count(0)
    expect(actions).to_be_focused()


def test_editing_and_deleting_by_keyboard_return_focus_to_the_message(people):
    page = people.signed_in("teacher1")  # runs the group, so may delete in it
    open_conversation(page, "Year 9 team")
    page.get_by_label("Message").fill("Written to be edited and deleted")
    page.keyboard.press("Control+Enter")
    mine = page.locator("li.message", has_text="Written to be edited and deleted")
    expect(mine).to_be_visible()
    mine_id = mine.get_attribute("data-message-id")
    page.locator(f"#actions-{mine_id}").focus()
    page.keyboard.press("Enter")
    tab_until(page, f"edit-{mine_id}")
    page.keyboard.press("Enter")
    expect(page.locator(f"#edit-body-{mine_id}")).to_be_focused()
    page.keyboard.type(" (edited)")
    page.keyboard.press("Control+Enter")
    expect(page.locator(f"#message-{mine_id}")).to_contain_text("(edited)")
    expect(page.locator(f"#message-{mine_id}")).to_be_focused()

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#actions-{mine_id}").focus()
    page.keyboard.press("Enter")
    tab_until(page, f"delete-{mine_id}")
    page.keyboard.press("Enter")
    expect(page.locator(f"#message-{mine_id}")).to_contain_text("This message was deleted")
    expect(page.locator(f"#message-{mine_id}")).to_be_focused()


def test_acknowledging_and_reminding_by_keyboard_keep_focus(people):
    reader = people.signed_in("ta1")  # a member of the notices who has not acknowledged, and no other test's reader
    open_conversation(reader, "Headteacher's notices")
    button = reader.get_by_role("button", name="Acknowledge").last
    ack_id = button.get_attribute("id")
    button.focus()
    reader.keyboard.press("Enter")
    confirmation = reader.locator(f"p#{ack_id}")
    expect(confirmation).to_have_text(re.compile("Acknowledged"))
    expect(confirmation).to_be_focused()
    reader.wait_for_timeout(500)  # our own acknowledgement comes back over the socket and redraws the message
    assert focused_message(reader) not in {"BODY", None}

    head = people.signed_in("head")
    open_conversation(head, "Headteacher's notices")
    remind = head.get_by_role("button", name="Remind those who have not").last
    remind_id = remind.get_attribute("id")
    message_id = remind_id.removeprefix("remind-")
    remind.focus()
    head.keyboard.press("Enter")
    expect(head.get_by_text(re.compile(r"Reminder sent to \d+"))).to_be_visible()
    expect(head.locator(f"#{remind_id}")).to_be_focused()
    assert focused_message(head) == f"message-{message_id}"


def test_a_form_error_summary_takes_focus_and_links_to_the_field(people):
    page = people.signed_in("teacher1")
    page.goto("/")
    page.locator("#kind-group").check()
    page.get_by_role("button", name="Start conversation").click()
    expect(page.locator(".error-summary")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Title")).to_be_focused()


LONG_CODE = "```\n" + "result = mark_the_homework(pupil, question_number, answer_given, expected_answer) " * 4 + "\n```"


def test_pages_pass_axe_and_reflow_at_320_and_1280_pixels(people):
    page = people.signed_in("teacher1", width=320, height=700)
    conversation_id = open_conversation(page, "Year 9 team")
    page.get_by_label("Message").fill(LONG_CODE)
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".message-body pre").last).to_contain_text("mark_the_homework")
    problems = []
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 700})
        for url in ["/", f"/c/{conversation_id}/", "/search?q=photocopier", "/profile", "/accounts/email/"]:
            page.goto(url)
            problems += [f"{url} at {width}px: {v}" for v in serious_violations(page)]
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if width == 320 and scroll_width > 320:
                problems.append(f"{url} scrolls sideways at 320px ({scroll_width}px wide)")
    assert problems == []


def test_the_group_register_passes_axe_reflows_and_works_by_keyboard(people):
    page = people.signed_in("admin", width=320, height=700)
    page.goto("/admin/groups/")
    page.get_by_role("link", name="Year 9 team").first.click()
    group_url = page.url
    page.get_by_role("link", name=re.compile("^Remove ")).first.click()
    remove_url = page.url
    problems = []
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 700})
        for url in ["/admin/groups/", "/admin/groups/?kind=group&externals=no", group_url, remove_url]:
            page.goto(url)
            problems += [f"{url} at {width}px: {v}" for v in serious_violations(page)]
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if width == 320 and scroll_width > 320:
                problems.append(f"{url} scrolls sideways at 320px ({scroll_width}px wide)")
    assert problems == []
    # A reason left out: the error summary takes focus and leads to the field.
    page.get_by_role("button", name=re.compile("^Remove ")).click()
    expect(page.locator(".error-summary")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Why are you removing them?")).to_be_focused()


def test_the_scim_token_page_passes_axe_reflows_and_issues_a_token_by_keyboard(people):
    page = people.signed_in("admin", width=320, height=700)
    page.goto("/admin/scim/")
    page.get_by_label("What it is for").focus()
    page.keyboard.type("Entra ID")
    page.keyboard.press("Enter")
    token = page.locator("code.secret-token")
    expect(token).to_have_text(re.compile(r"^srscim_"))
    problems = []
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 700})
        problems += [f"/admin/scim/ at {width}px: {v}" for v in serious_violations(page)]
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if width == 320 and scroll_width > 320:
            problems.append(f"/admin/scim/ scrolls sideways at 320px ({scroll_width}px wide)")
    assert problems == []
    page.goto("/admin/scim/")
    expect(page.get_by_role("cell", name="Never")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Revoke Entra ID")).click()
    expect(page.get_by_text("was revoked")).to_be_visible()


def test_the_retention_and_holds_pages_pass_axe_and_reflow(people):
    page = people.signed_in("dpo", width=320, height=700)
    problems = []
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 700})
        for url in ["/compliance/retention/", "/compliance/retention/?preview=1", "/compliance/holds/"]:
            page.goto(url)
            problems += [f"{url} at {width}px: {v}" for v in serious_violations(page)]
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if width == 320 and scroll_width > 320:
                problems.append(f"{url} scrolls sideways at 320px ({scroll_width}px wide)")
    assert problems == []
    # A hold that names nothing: the error summary takes focus.
    page.get_by_label("Why the records are held").fill("Employment tribunal claim")
    page.get_by_role("button", name="Place the hold").click()
    expect(page.locator(".error-summary")).to_be_focused()
    page.get_by_label("People").select_option(label="Teacher One")
    page.get_by_role("button", name="Place the hold").click()
    expect(page.get_by_text("In force", exact=True)).to_be_visible()
    assert serious_violations(page) == []


RECORDS_PAGES = {
    "dpo": ["/compliance/accountability/", "/compliance/sars/", "/compliance/erasures/",
            "/compliance/investigations/", "/compliance/policies/", "/compliance/breaches/", "/compliance/audit/"],
    "head": ["/compliance/accountability/", "/compliance/sars/", "/compliance/investigations/",
             "/compliance/policies/", "/admin/notifications/", "/admin/closures/", "/safeguarding/policy"],
    "admin": ["/admin/notifications/", "/admin/closures/"],
    "dsl": ["/safeguarding/", "/safeguarding/policy"],
}  # fmt: skip


@pytest.mark.parametrize("login", sorted(RECORDS_PAGES))
def test_the_records_and_safeguarding_pages_pass_axe_and_reflow(people, login):
    page = people.signed_in(login, width=320, height=700)
    problems = []
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 700})
        for url in RECORDS_PAGES[login]:
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            problems += [f"{url} at {width}px: {v}" for v in serious_violations(page)]
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if width == 320 and scroll_width > 320:
                problems.append(f"{url} scrolls sideways at 320px ({scroll_width}px wide)")
    assert problems == []


def test_the_dpos_first_morning_logs_a_subject_access_request_and_asks_for_an_investigation(people):
    """What a new DPO does on day one, by keyboard and labels only: log a request that came in by email, then ask
    for an investigation export that a second person must approve."""
    page = people.signed_in("dpo", width=1280, height=900)
    page.goto("/compliance/sars/")
    page.get_by_label("Whose data (their name)").fill("Teacher One")
    page.get_by_label("Received on (YYYY-MM-DD)").fill("2026-12-01")
    page.get_by_label("What was asked for, and how it came in").fill("Email asking for every message about them")
    page.get_by_label("Their identity is already checked").check()
    page.get_by_role("button", name="Log the request").click()
    expect(page.get_by_role("cell", name=re.compile("Teacher One")).first).to_be_visible()
    assert serious_violations(page) == []
    page.goto("/compliance/investigations/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Investigation"))
    assert serious_violations(page) == []
