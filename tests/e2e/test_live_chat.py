"""The foundation as a teacher sees it, in real Chromium against a real server."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def open_conversation(page, title: str) -> None:
    page.goto("/")
    page.get_by_role("link", name=re.compile(re.escape(title))).first.click()
    expect(page.get_by_label("Message")).to_be_visible()


def test_message_sent_by_one_teacher_appears_live_for_the_other(people):
    sender = people.signed_in("teacher1")
    receiver = people.signed_in("teacher2")
    open_conversation(receiver, "Year 9 team")
    open_conversation(sender, "Year 9 team")
    text = f"Live check {uuid.uuid4().hex[:8]}"
    sender.get_by_label("Message").fill(text)
    sender.get_by_role("button", name="Send").click()
    expect(sender.get_by_text(text, exact=True)).to_be_visible()
    expect(receiver.get_by_text(text, exact=True)).to_be_visible(timeout=5_000)


def test_unread_badge_updates_without_reload(people):
    sender = people.signed_in("teacher1")
    receiver = people.signed_in("teacher2")
    receiver.goto("/")
    open_conversation(sender, "Oakfield High staff")
    conversation_id = re.search(r"/c/(\d+)/", sender.url).group(1)
    badge = receiver.get_by_test_id(f"unread-{conversation_id}")
    sender.get_by_label("Message").fill("Badge check")
    sender.get_by_role("button", name="Send").click()
    expect(badge).to_have_text(re.compile(r"[1-9]"), timeout=5_000)


def test_the_page_marks_what_it_shows_as_read_and_opening_a_link_does_not(people):
    sender = people.signed_in("teacher1")
    open_conversation(sender, "Year 9 team")
    conversation_id = re.search(r"/c/(\d+)/", sender.url).group(1)
    sender.get_by_label("Message").fill(f"Read check {uuid.uuid4().hex[:8]}")
    sender.get_by_role("button", name="Send").click()
    receipt = sender.locator(".receipt")
    expect(receipt).to_have_text(re.compile("Not seen yet"))

    reader = people.signed_in("teacher2")
    # What a link from another site does: a GET that carries the cookies but runs none of the page's script.
    assert reader.request.get(f"/c/{conversation_id}/").ok
    reader.goto("/")
    expect(reader.get_by_test_id(f"unread-{conversation_id}")).to_be_visible()
    expect(receipt).to_have_text(re.compile("Not seen yet"))

    with reader.expect_request(lambda r: r.method == "POST" and r.url.endswith(f"/c/{conversation_id}/read")):
        open_conversation(reader, "Year 9 team")
    expect(receipt).to_contain_text("Teacher Two", timeout=5_000)

    # A message arriving while the reader has the conversation on screen is read as it appears.
    text = f"Second read check {uuid.uuid4().hex[:8]}"
    sender.get_by_label("Message").fill(text)
    sender.get_by_role("button", name="Send").click()
    expect(reader.get_by_text(text, exact=True)).to_be_visible(timeout=5_000)
    expect(sender.locator(".receipt")).to_contain_text("Teacher Two", timeout=5_000)
    reader.goto("/")
    expect(reader.get_by_test_id(f"unread-{conversation_id}")).to_have_count(0)


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (51.0, 30.0, 0.0), "W", (0.0, 7.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825), "the test image must carry GPS"
    return data


def test_uploaded_photo_is_stored_without_gps(people, tmp_path: Path):
    page = people.signed_in("teacher1")
    open_conversation(page, "Year 9 team")
    photo = tmp_path / "trip-photo.jpg"
    photo.write_bytes(_jpeg_with_gps())
    page.locator("#composer-file").set_input_files(str(photo))
    page.get_by_label("Message").fill("Photo from the trip")
    page.get_by_role("button", name="Send").click()
    image = page.locator("img[alt*='trip-photo']").last
    expect(image).to_be_visible()
    response = page.request.get(image.get_attribute("src"))
    assert response.ok
    stored = response.body()
    assert b"Exif" not in stored and b"PhoneMaker" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_acknowledging_an_announcement_changes_the_senders_count(people):
    head = people.signed_in("head")
    open_conversation(head, "Headteacher's notices")
    count = head.get_by_test_id("ack-count").last
    before = int(re.match(r"\s*(\d+)", count.inner_text()).group(1))

    reader = people.signed_in("teacher2")
    open_conversation(reader, "Headteacher's notices")
    reader.get_by_role("button", name="Acknowledge").last.click()
    expect(reader.get_by_text(re.compile("Acknowledged"))).to_be_visible()
    expect(count).to_contain_text(f"{before + 1} of", timeout=5_000)


def test_signing_out_closes_the_session(people):
    page = people.signed_in("ta1")
    page.goto("/accounts/logout/")
    page.get_by_role("button", name=re.compile("Sign out", re.I)).click()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
