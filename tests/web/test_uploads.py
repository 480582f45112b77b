"""Files through the composer, and the route that serves them only to people who may see them."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from staffroom.messaging import actions, uploads
from staffroom.messaging.models import Attachment, Message
from tests.web.conftest import HTMX


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png(name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "teal").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def text_file(name="minutes.txt", content=b"Minutes of the meeting") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def send_with(client, conversation, files, body="", client_id="u1", **extra):
    return client.post(f"/c/{conversation.pk}/send", {"body": body, "client_id": client_id, "file": files}, **extra)


def test_uploading_an_image_through_the_composer_shows_it_inline(world, as_person):
    conversation = world.group(world.teacher2)
    client = as_person(world.teacher)
    response = send_with(client, conversation, [png()], body="The display board")
    assert response.status_code == 302
    message = Message.objects.get(conversation=conversation)
    attachment = Attachment.objects.get(message=message)
    html = as_person(world.teacher2).get(f"/c/{conversation.pk}/").content.decode()
    assert f'<img src="/files/{attachment.pk}/" alt="photo.png" width="8" height="6"' in html


def test_a_file_alone_is_a_message_and_shows_as_a_download_link(world, as_person):
    conversation = world.group(world.teacher2)
    client = as_person(world.teacher)
    send_with(client, conversation, [text_file()])
    attachment = Attachment.objects.get(message__conversation=conversation)
    html = client.get(f"/c/{conversation.pk}/").content.decode()
    assert f'href="/files/{attachment.pk}/" download>minutes.txt</a>' in html


def test_several_files_in_one_message(world, as_person):
    conversation = world.group(world.teacher2)
    send_with(as_person(world.teacher), conversation, [png(), text_file()], body="Both")
    assert Attachment.objects.filter(message__conversation=conversation).count() == 2


def test_a_refused_file_shows_a_form_error_beside_the_file_field(world, as_person):
    conversation = world.group(world.teacher2)
    page = SimpleUploadedFile("page.html", b"<html><script>x</script></html>", content_type="text/html")
    response = send_with(as_person(world.teacher), conversation, [page], body="See attached", **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="composer-file-error"' in html
    assert "cannot be shared here" in html
    assert not Message.objects.exists()


def test_a_file_stays_attached_when_the_message_itself_is_refused(world, as_person):
    conversation = world.group(world.teacher2)
    client = as_person(world.teacher)
    response = send_with(client, conversation, [png()], body="z" * 10_001, **HTMX)
    assert response.status_code == 422
    attachment = Attachment.objects.get()
    html = response.content.decode()
    assert f'name="attachment_ids" value="{attachment.pk}"' in html
    assert "photo.png" in html
    client.post(
        f"/c/{conversation.pk}/send",
        {"body": "Shorter", "client_id": "u1", "attachment_ids": [str(attachment.pk)]},
    )
    attachment.refresh_from_db()
    assert attachment.message is not None and attachment.message.body == "Shorter"


def test_an_over_size_file_is_refused_before_it_is_read(world, as_person, settings):
    settings.STAFFROOM_MAX_UPLOAD_BYTES = 10
    conversation = world.group(world.teacher2)
    response = send_with(as_person(world.teacher), conversation, [text_file()], **HTMX)
    assert response.status_code == 422
    assert "files can be at most 10" in response.content.decode()
    assert not Attachment.objects.exists()


def test_attachment_route_serves_images_inline_with_protective_headers(world, as_person):
    conversation = world.group(world.teacher2)
    send_with(as_person(world.teacher), conversation, [png()], body="pic")
    attachment = Attachment.objects.get()
    response = as_person(world.teacher2).get(f"/files/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_attachment_route_makes_other_files_downloads(world, as_person):
    conversation = world.group(world.teacher2)
    send_with(as_person(world.teacher), conversation, [text_file()])
    attachment = Attachment.objects.get()
    response = as_person(world.teacher2).get(f"/files/{attachment.pk}/")
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="minutes.txt"' in response["Content-Disposition"]


def test_attachment_route_is_404_for_non_members_and_other_organisations(world, as_person):
    conversation = world.group(world.teacher2)
    send_with(as_person(world.teacher), conversation, [png()], body="pic")
    attachment = Attachment.objects.get()
    for person in [world.ta, world.pupil, world.outsider, world.external]:
        assert as_person(person).get(f"/files/{attachment.pk}/").status_code == 404


def test_attachment_of_a_deleted_message_is_no_longer_served(world, as_person):
    conversation = world.group(world.teacher2)
    send_with(as_person(world.teacher), conversation, [png()], body="pic")
    attachment = Attachment.objects.get()
    actions.delete_message(attachment.message, acting=world.teacher)
    assert as_person(world.teacher2).get(f"/files/{attachment.pk}/").status_code == 404


def test_attachment_route_requires_sign_in(client, world):
    response = client.get("/files/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 302


def test_over_the_unsent_allowance_says_so_beside_the_file_field_and_lists_the_waiting_files(
    world, as_person, settings
):
    settings.STAFFROOM_UNSENT_UPLOAD_FILES = 1
    conversation = world.group(world.teacher2)
    client = as_person(world.teacher)
    waiting = actions.store_upload(acting=world.teacher, data=b"earlier", filename="earlier.txt")
    response = send_with(client, conversation, [text_file()], body="Agenda", **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="composer-file-error"' in html
    assert "Send them in a message, or remove the ones you do not need" in html
    # The files that take up the allowance are offered, to send or to remove.
    assert f'name="attachment_ids" value="{waiting.pk}"' in html
    assert f'name="discard" value="{waiting.pk}"' in html
    assert not Message.objects.exists()


def test_a_kept_file_can_be_removed_keeping_what_was_written(world, as_person):
    conversation = world.group(world.teacher2)
    client = as_person(world.teacher)
    first = actions.store_upload(acting=world.teacher, data=b"one", filename="one.txt")
    second = actions.store_upload(acting=world.teacher, data=b"two", filename="two.txt")
    response = client.post(
        f"/c/{conversation.pk}/uploads/discard",
        {"body": "Half written", "client_id": "u1", "attachment_ids": [str(first.pk), str(second.pk)],
         "discard": str(first.pk)},
        **HTMX,
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert not Attachment.objects.filter(pk=first.pk).exists()
    assert f'value="{first.pk}"' not in html
    assert f'name="attachment_ids" value="{second.pk}"' in html
    assert "Half written" in html


def test_removing_someone_elses_or_a_sent_file_removes_nothing(world, as_person):
    conversation = world.group(world.teacher2)
    theirs = actions.store_upload(acting=world.teacher2, data=b"theirs", filename="theirs.txt")
    response = as_person(world.teacher).post(
        f"/c/{conversation.pk}/uploads/discard", {"attachment_ids": [str(theirs.pk)], "discard": str(theirs.pk)}
    )
    assert response.status_code == 200
    assert Attachment.objects.filter(pk=theirs.pk).exists()
    assert f'value="{theirs.pk}"' not in response.content.decode()


def test_when_every_picture_slot_is_busy_the_composer_says_to_try_again(world, as_person, settings, monkeypatch):
    settings.STAFFROOM_IMAGE_WAIT_SECONDS = 0
    slots = uploads.ReencodeSlots(1)
    monkeypatch.setattr(uploads, "reencode_slots", lambda size: slots)
    conversation = world.group(world.teacher2)
    with slots.held(wait_seconds=0):
        response = send_with(as_person(world.teacher), conversation, [png()], body="Display", **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="composer-file-error"' in html
    assert "busy processing other pictures" in html
    assert "Display" in html
    assert not Message.objects.exists()


# --- the same file route for API clients (Authorization: Bearer) -------------------------------------------


def token_for(person) -> dict[str, str]:
    from staffroom.accounts import actions as account_actions

    return {"Authorization": f"Bearer {account_actions.create_token(person, acting=person, label='test')}"}


def sent_file(world, as_person, conversation) -> Attachment:
    send_with(as_person(world.teacher), conversation, [png()], body="pic")
    return Attachment.objects.get(message__conversation=conversation)


def test_an_api_client_downloads_a_file_it_may_see_with_its_token(world, as_person):
    attachment = sent_file(world, as_person, world.group(world.teacher2))
    response = Client().get(f"/files/{attachment.pk}/", headers=token_for(world.teacher2))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert response["Cache-Control"] == "private, no-store"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_token_sees_exactly_what_its_owner_sees(world, as_person):
    attachment = sent_file(world, as_person, world.group(world.teacher2))
    for person in [world.ta, world.pupil, world.outsider, world.external]:
        response = Client().get(f"/files/{attachment.pk}/", headers=token_for(person))
        assert response.status_code == 404, person
        assert response.json()["error"]["code"] == "not_found"


def test_an_overseeing_dsl_downloads_a_class_channel_file_with_a_token(world, as_person):
    klass = world.class_channel(world.pupil)
    attachment = sent_file(world, as_person, klass)
    assert Client().get(f"/files/{attachment.pk}/", headers=token_for(world.dsl)).status_code == 200


def test_an_unsent_upload_is_downloadable_by_its_uploaders_token_only(world):
    waiting = actions.store_upload(acting=world.teacher, data=b"draft", filename="draft.txt")
    assert Client().get(f"/files/{waiting.pk}/", headers=token_for(world.teacher)).status_code == 200
    assert Client().get(f"/files/{waiting.pk}/", headers=token_for(world.teacher2)).status_code == 404


@pytest.mark.parametrize(
    "authorization", ["Bearer not-a-real-token", "Bearer ", "Basic dGVhY2hlcjpwYXNzd29yZA==", "Token abc"]
)
def test_an_api_client_with_a_wrong_credential_gets_401_json(world, as_person, authorization):
    attachment = sent_file(world, as_person, world.group(world.teacher2))
    response = Client().get(f"/files/{attachment.pk}/", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_or_a_leavers_token_gets_401(world, as_person):
    from staffroom.accounts import actions as account_actions
    from staffroom.accounts.models import Person

    attachment = sent_file(world, as_person, world.group(world.teacher2, world.ta))
    revoked = token_for(world.teacher2)
    account_actions.revoke_token_by_raw(revoked["Authorization"].removeprefix("Bearer "), acting=world.teacher2)
    assert Client().get(f"/files/{attachment.pk}/", headers=revoked).status_code == 401
    leaver = token_for(world.ta)
    Person.objects.filter(pk=world.ta.pk).update(is_active=False)
    assert Client().get(f"/files/{attachment.pk}/", headers=leaver).status_code == 401


def test_a_browser_without_a_session_is_still_sent_to_sign_in(client, world, as_person):
    attachment = sent_file(world, as_person, world.group(world.teacher2))
    response = Client().get(f"/files/{attachment.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_voice_note_plays_in_the_message_and_is_served_as_audio(world, as_person):
    from tests.messaging.test_voice_note_uploads import webm

    conversation = world.group(world.teacher2)
    client = as_person(world.teacher)
    recording = SimpleUploadedFile("Voice note 0m03s.webm", webm(), content_type="audio/webm;codecs=opus")
    send_with(client, conversation, [recording])
    attachment = Attachment.objects.get(message__conversation=conversation)
    assert (attachment.content_type, attachment.filename) == ("audio/webm", "Voice note 0m03s.webm")
    html = as_person(world.teacher2).get(f"/c/{conversation.pk}/").content.decode()
    assert f'<audio controls preload="metadata" src="/files/{attachment.pk}/"' in html
    assert "data-voice-duration" in html
    response = as_person(world.teacher2).get(f"/files/{attachment.pk}/")
    assert response["Content-Type"] == "audio/webm"
    assert response["X-Content-Type-Options"] == "nosniff"
