"""The composer's files: the limits the browser checks before uploading, the progress and preview it fills,
image space reserved in the conversation, and the consent box a photo with faces asks for."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from staffroom.messaging import actions
from staffroom.messaging.models import Attachment, Message
from staffroom.safeguarding.models import Concern
from tests.safeguarding.faces import drawn_face, encoded
from tests.web.conftest import HTMX, assert_no_inline_code


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_composer_gives_the_browser_the_server_s_limits(world, as_person, settings):
    settings.STAFFROOM_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
    group = world.group(world.teacher2)
    html = as_person(world.teacher).get(f"/c/{group.pk}/").content.decode()
    assert 'data-max-bytes="5242880"' in html
    assert "image/heic" in html and ".docx" in html and 'accept="' in html
    assert '<label for="composer-progress">' in html and '<progress id="composer-progress"' in html
    assert "staffroom/uploads.js" in html
    assert "Files up to 5.0\xa0MB each." in html
    assert_no_inline_code(html)


def test_a_picture_keeps_its_space_before_it_loads(world, as_person):
    group = world.group(world.teacher2)
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), "white").save(buffer, "PNG")
    picture = actions.store_upload(acting=world.teacher, data=buffer.getvalue(), filename="board.png")
    actions.send_message(group, acting=world.teacher, body="", attachment_ids=[str(picture.pk)])
    html = as_person(world.teacher2).get(f"/c/{group.pk}/").content.decode()
    assert 'width="384" height="256"' in html  # 1200 x 800 shown 256 tall


def test_small_pictures_are_shown_at_their_own_size():
    assert (Attachment(width=40, height=30).shown_width, Attachment(width=40, height=30).shown_height) == (40, 30)


def test_a_photo_with_faces_asks_for_consent_in_the_composer_then_sends(world, as_person):
    group = world.group(world.teacher2)
    client = as_person(world.teacher)
    photo = SimpleUploadedFile("trip.jpg", encoded(drawn_face(300)), content_type="image/jpeg")
    asked = client.post(f"/c/{group.pk}/send", {"body": "Sports day", "client_id": "p1", "file": photo}, **HTMX)
    assert asked.status_code == 422
    html = asked.content.decode()
    assert "consent" in html
    assert 'name="confirmed"' in html
    kept = Attachment.objects.get(uploaded_by=world.teacher)
    assert kept.message_id is None and f'value="{kept.pk}"' in html

    sent = client.post(
        f"/c/{group.pk}/send",
        {"body": "Sports day", "client_id": "p1", "attachment_ids": [str(kept.pk)], "confirmed": "on"},
        **HTMX,
    )
    assert sent.status_code == 200
    assert Message.objects.get(conversation=group).attachments.get() == kept
    assert not Concern.objects.exists()
