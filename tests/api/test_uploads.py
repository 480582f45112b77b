"""Uploading files: checked by content, size-capped, then attached to a message by id."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from staffroom.messaging import uploads
from staffroom.messaging.models import Attachment
from tests.api.conftest import ApiClient, error_of


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png(size: tuple[int, int] = (8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(client: ApiClient, name: str, data: bytes, content_type: str):
    return client.client.post(
        "/api/v1/uploads",
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
        headers=client.headers,
    )


def test_upload_an_image_then_send_it(world):
    client = ApiClient(world.teacher)
    response = upload(client, "photo.png", png(), "image/png")
    assert response.status_code == 201, response.content
    attachment = response.json()
    assert attachment["content_type"] == "image/png"
    assert (attachment["width"], attachment["height"]) == (8, 6)
    assert attachment["filename"] == "photo.png"
    assert attachment["url"]
    conversation = world.group(world.teacher2)
    sent = client.post(f"/conversations/{conversation.pk}/messages", {"body": "", "attachment_ids": [attachment["id"]]})
    assert sent.status_code == 201, sent.content
    assert [a["id"] for a in sent.json()["attachments"]] == [attachment["id"]]


def test_too_large_is_413_before_it_is_read(world, settings):
    settings.STAFFROOM_MAX_UPLOAD_BYTES = 100
    response = upload(ApiClient(world.teacher), "notes.txt", b"x" * 101, "text/plain")
    assert response.status_code == 413
    error = error_of(response)
    assert error["code"] == "too_large"
    assert not Attachment.objects.exists()


def test_disallowed_type_is_415(world):
    response = upload(ApiClient(world.teacher), "run.exe", b"MZ\x90\x00" + b"\x00" * 200, "application/octet-stream")
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"
    assert not Attachment.objects.exists()


def test_image_that_is_not_what_it_claims_is_415(world):
    response = upload(ApiClient(world.teacher), "photo.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg")
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"
    assert not Attachment.objects.exists()


def test_missing_file_is_422(world):
    client = ApiClient(world.teacher)
    response = client.client.post("/api/v1/uploads", {}, headers=client.headers)
    assert response.status_code == 422
    assert error_of(response)["field"] == "file"


def test_strangers_cannot_upload(world):
    response = upload(ApiClient(), "photo.png", png(), "image/png")
    assert response.status_code == 401
    assert not Attachment.objects.exists()


def test_someone_elses_upload_cannot_be_attached(world):
    mine = upload(ApiClient(world.teacher), "photo.png", png(), "image/png").json()
    conversation = world.group(world.teacher2)
    response = ApiClient(world.teacher2).post(
        f"/conversations/{conversation.pk}/messages", {"body": "stolen", "attachment_ids": [mine["id"]]}
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "attachment_ids"


def test_over_the_unsent_allowance_is_413_saying_to_send_or_remove(world, settings):
    settings.STAFFROOM_UNSENT_UPLOAD_FILES = 1
    client = ApiClient(world.teacher)
    assert upload(client, "a.txt", b"first", "text/plain").status_code == 201
    response = upload(client, "b.txt", b"second", "text/plain")
    assert response.status_code == 413
    error = error_of(response)
    assert error["code"] == "quota_exceeded"
    assert error["field"] == "file"
    assert "Send them" in error["message"]
    assert Attachment.objects.count() == 1


def test_over_the_daily_volume_is_429_with_retry_after(world, settings):
    settings.STAFFROOM_DAILY_UPLOAD_BYTES = 10
    client = ApiClient(world.teacher)
    assert upload(client, "a.txt", b"12345678", "text/plain").status_code == 201
    response = upload(client, "b.txt", b"12345678", "text/plain")
    assert response.status_code == 429
    assert error_of(response)["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 24 * 3600


def test_an_unsent_upload_can_be_discarded_once(world):
    client = ApiClient(world.teacher)
    attachment = upload(client, "photo.png", png(), "image/png").json()
    assert ApiClient(world.teacher2).delete(f"/uploads/{attachment['id']}").status_code == 404
    assert client.delete(f"/uploads/{attachment['id']}").status_code == 204
    assert not Attachment.objects.exists()
    again = client.delete(f"/uploads/{attachment['id']}")
    assert again.status_code == 404
    assert error_of(again)["code"] == "not_found"
    assert client.delete("/uploads/not-a-uuid").status_code == 404


def test_a_sent_upload_cannot_be_discarded(world):
    client = ApiClient(world.teacher)
    attachment = upload(client, "photo.png", png(), "image/png").json()
    conversation = world.group(world.teacher2)
    client.post(f"/conversations/{conversation.pk}/messages", {"body": "", "attachment_ids": [attachment["id"]]})
    assert client.delete(f"/uploads/{attachment['id']}").status_code == 404
    assert Attachment.objects.filter(message__isnull=False).count() == 1


def test_a_picture_declaring_seven_thousand_pixels_square_is_413_before_decoding(world):
    from tests.messaging.test_uploads import png_claiming

    response = upload(ApiClient(world.teacher), "wallpaper.png", png_claiming(7000, 7000), "image/png")
    assert response.status_code == 413
    error = error_of(response)
    assert (error["code"], error["field"]) == ("too_large", "file")
    assert "million pixels" in error["message"]


def test_when_every_picture_slot_is_busy_the_answer_is_503_with_retry_after(world, settings, monkeypatch):
    settings.STAFFROOM_IMAGE_WAIT_SECONDS = 0
    slots = uploads.ReencodeSlots(1)
    monkeypatch.setattr(uploads, "reencode_slots", lambda size: slots)
    with slots.held(wait_seconds=0):  # another request is re-encoding a picture
        response = upload(ApiClient(world.teacher), "photo.png", png(), "image/png")
    assert response.status_code == 503
    assert response["Retry-After"] == str(uploads.BUSY_RETRY_AFTER)
    assert response.json()["error"]["code"] == "busy"
    assert "try again" in response.json()["error"]["message"]
    assert not Attachment.objects.exists()
    assert upload(ApiClient(world.teacher), "photo.png", png(), "image/png").status_code == 201
