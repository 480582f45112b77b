"""Files held by the composer after a refused send, in real Chromium: sending them by keyboard, removing them."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_live_chat import open_conversation

pytestmark = pytest.mark.e2e


def refused_send_keeping(page, file: Path) -> None:
    page.locator("#composer-file").set_input_files(str(file))
    page.get_by_label("Message").fill("x" * 10_001)  # one character too long: refused, the file is kept
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Still attached:")).to_be_visible()


def test_ctrl_enter_sends_the_kept_files_rather_than_removing_one(people, tmp_path: Path):
    page = people.signed_in("teacher2")
    open_conversation(page, "Year 9 team")
    plan = tmp_path / "seating-plan.txt"
    plan.write_text("Front row: ...")
    refused_send_keeping(page, plan)
    page.get_by_label("Message").fill("Seating plan for Thursday")
    page.get_by_label("Message").press("Control+Enter")
    sent = page.locator("li.message", has_text="Seating plan for Thursday")
    expect(sent).to_be_visible()
    expect(sent.get_by_role("link", name="seating-plan.txt")).to_be_visible()


def test_a_kept_file_can_be_removed_keeping_what_was_written(people, tmp_path: Path):
    page = people.signed_in("teacher2")
    open_conversation(page, "Year 9 team")
    draft = tmp_path / "wrong-file.txt"
    draft.write_text("Not this one")
    refused_send_keeping(page, draft)
    page.get_by_role("button", name="Remove wrong-file.txt").click()
    expect(page.get_by_text("Still attached:")).to_have_count(0)
    expect(page.get_by_label("Message")).to_have_value("x" * 10_001)
