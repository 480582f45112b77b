"""Photos through the API: iPhone HEIC converted, faces found on upload, consent asked in staff conversations
(409 confirm_required, DESIGN.md), and a photo concern raised in class channels."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from staffroom.messaging.models import Attachment
from staffroom.safeguarding import photos
from staffroom.safeguarding.models import Concern
from staffroom.safeguarding.signals import concern_raised
from tests.api.conftest import ApiClient, error_of
from tests.safeguarding.faces import drawn_face, encoded


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client: ApiClient, name: str, data: bytes, content_type: str):
    return client.client.post(
        "/api/v1/uploads",
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
        headers=client.headers,
    )


def heic(img: Image.Image) -> bytes:
    import pillow_heif

    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)})
    buffer = io.BytesIO()
    pillow_heif.from_pillow(img).save(buffer, format="HEIF", exif=exif.tobytes())
    return buffer.getvalue()


def test_an_iphone_heic_photo_is_stored_as_a_jpeg_without_its_location(world):
    response = upload(ApiClient(world.teacher), "IMG_4032.HEIC", heic(drawn_face(240)), "image/heic")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["content_type"], body["filename"]) == ("image/jpeg", "IMG_4032.jpg")
    assert (body["width"], body["height"]) == (240, 240)
    stored = Attachment.objects.get(pk=body["id"])
    assert stored.faces == 1
    with stored.file.open("rb") as f:
        out = Image.open(io.BytesIO(f.read()))
    assert out.format == "JPEG" and not out.getexif().get_ifd(0x8825)


def test_a_picture_without_faces_is_sent_without_asking(world):
    client = ApiClient(world.teacher)
    attachment = upload(client, "plan.png", encoded(Image.new("RGB", (300, 200), "white"), "PNG"), "image/png").json()
    assert Attachment.objects.get(pk=attachment["id"]).faces == 0
    group = world.group(world.teacher2)
    sent = client.post(f"/conversations/{group.pk}/messages", {"body": "", "attachment_ids": [attachment["id"]]})
    assert sent.status_code == 201, sent.content


def test_a_document_is_not_looked_at_for_faces(world):
    attachment = upload(ApiClient(world.teacher), "notes.txt", b"hello", "text/plain").json()
    assert Attachment.objects.get(pk=attachment["id"]).faces is None


def test_a_photo_with_faces_in_a_staff_conversation_asks_for_consent_then_goes_through(world):
    client = ApiClient(world.teacher)
    attachment = upload(client, "trip.jpg", encoded(drawn_face(300)), "image/jpeg").json()
    group = world.group(world.teacher2)
    path = f"/conversations/{group.pk}/messages"
    payload = {"body": "Sports day", "attachment_ids": [attachment["id"]], "client_id": "c1"}

    asked = client.post(path, payload)
    assert asked.status_code == 409
    error = error_of(asked)
    assert error["code"] == "confirm_required"
    assert "consent" in error["message"]
    assert error["findings"] == [
        {"kind": "photo_faces", "attachment_id": attachment["id"], "filename": "trip.jpg", "faces": 1}
    ]
    assert not group.messages.exists()

    sent = client.post(path, {**payload, "confirmed": True})
    assert sent.status_code == 201, sent.content
    assert not Concern.objects.exists()


def test_a_photo_with_faces_in_a_class_channel_is_posted_and_raises_a_photo_concern(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    # The detector's plumbing, not its accuracy: every picture "has" two faces here.
    monkeypatch.setattr(photos, "count_faces", lambda image: 2)
    heard: list[Concern] = []

    def listen(sender, concern, **kwargs):
        heard.append(concern)

    concern_raised.connect(listen)
    try:
        channel = world.class_channel(world.pupil)
        pupil = ApiClient(world.pupil)
        attachment = upload(pupil, "me.png", encoded(Image.new("RGB", (64, 64)), "PNG"), "image/png").json()
        with django_capture_on_commit_callbacks(execute=True):
            sent = pupil.post(
                f"/conversations/{channel.pk}/messages", {"body": "", "attachment_ids": [attachment["id"]]}
            )
    finally:
        concern_raised.disconnect(listen)
    assert sent.status_code == 201, sent.content
    concern = Concern.objects.get()
    assert concern.message_id == sent.json()["id"]
    assert (concern.category, concern.source, concern.status) == ("photo", "photo", "open")
    assert concern.about == world.pupil and concern.school == world.school
    assert concern.findings == [
        {"kind": "photo_faces", "attachment_id": attachment["id"], "filename": "me.png", "faces": 2}
    ]
    assert heard == [concern]


def test_confirming_does_not_skip_the_concern_in_a_class_channel(world, monkeypatch):
    monkeypatch.setattr(photos, "count_faces", lambda image: 1)
    channel = world.class_channel(world.pupil)
    client = ApiClient(world.teacher)
    attachment = upload(client, "lab.png", encoded(Image.new("RGB", (64, 64)), "PNG"), "image/png").json()
    sent = client.post(
        f"/conversations/{channel.pk}/messages", {"body": "", "attachment_ids": [attachment["id"]], "confirmed": True}
    )
    assert sent.status_code == 201, sent.content
    assert Concern.objects.filter(category="photo", about=world.teacher).count() == 1
