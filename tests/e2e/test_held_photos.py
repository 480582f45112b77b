"""A pupil's photo with a face held for a check, in real Chromium: the sender, the teacher who checks it and a
classmate each see what they should, and releasing it reaches the open pages without a reload."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_live_chat import open_conversation
from tests.safeguarding.faces import drawn_face, encoded

pytestmark = pytest.mark.e2e

CLASS_CHANNEL = "9X Science"  # the demo's class channel: teacher1 runs it, pupil1 and pupil2 are in it


def mark_page(page) -> None:
    """Something a reload would forget, to show that what follows came live."""
    page.evaluate("window.__heldPhotoTest = 'still here'")


def not_reloaded(page) -> bool:
    return page.evaluate("window.__heldPhotoTest") == "still here"


def test_releasing_a_held_photo_reaches_the_open_pages_live(people, tmp_path: Path):
    name = f"class-photo-{uuid.uuid4().hex[:8]}.jpg"
    photo = tmp_path / name
    photo.write_bytes(encoded(drawn_face(400)))  # a face the detector finds

    teacher = people.signed_in("teacher1")
    classmate = people.signed_in("pupil2")
    pupil = people.signed_in("pupil1")
    for page in (teacher, classmate, pupil):
        open_conversation(page, CLASS_CHANNEL)
        mark_page(page)

    pupil.locator("#composer-file").set_input_files(str(photo))
    pupil.get_by_role("button", name="Send").click()

    # The sender sees their own photo, with a note that nobody else does yet.
    own = pupil.locator("li.message", has=pupil.locator(f'img[alt="{name}"]'))
    expect(own).to_be_visible()
    expect(own.get_by_text("Only you can see this photo until a teacher has checked it.")).to_be_visible()

    # The teacher who runs the channel sees it waiting, with Release (and Remove), live.
    release = teacher.get_by_role("button", name=f"Show {name} to the conversation")
    expect(release).to_be_visible(timeout=5_000)
    expect(teacher.get_by_role("button", name=f"Remove {name}")).to_be_visible()
    waiting = teacher.locator("li.message", has=release)
    expect(waiting.get_by_text("Waiting for a check")).to_be_visible()

    # A classmate sees only the placeholder.
    placeholder = classmate.locator("li.message .photo-held", has_text="Photo waiting for a teacher to check")
    expect(placeholder.last).to_be_visible(timeout=5_000)
    expect(classmate.locator(f'img[alt="{name}"]')).to_have_count(0)

    release.click()
    expect(teacher.get_by_role("button", name=f"Show {name} to the conversation")).to_have_count(0)

    # The other open pages show the photo, without a reload.
    expect(classmate.locator(f'img[alt="{name}"]')).to_be_visible(timeout=5_000)
    expect(own.get_by_text("Only you can see this photo until a teacher has checked it.")).to_have_count(
        0, timeout=5_000
    )
    expect(own.locator(f'img[alt="{name}"]')).to_be_visible()
    for page in (teacher, classmate, pupil):
        assert not_reloaded(page)
