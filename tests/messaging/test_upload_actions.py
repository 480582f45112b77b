"""store_upload and discard_upload: how much a person may keep waiting, and how much a day they may upload."""

from datetime import timedelta

import pytest
from django.utils import timezone

from staffroom.compliance.models import AuditEntry
from staffroom.errors import NotFound, QuotaExceeded, RateLimited
from staffroom.messaging import actions, uploads
from staffroom.messaging.models import Attachment

pytestmark = pytest.mark.django_db


def upload(person, content: bytes = b"minutes", name: str = "minutes.txt") -> Attachment:
    return actions.store_upload(acting=person, data=content, filename=name)


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def small_allowance(settings):
    settings.STAFFROOM_UNSENT_UPLOAD_FILES = 3
    settings.STAFFROOM_UNSENT_UPLOAD_BYTES = 1_000
    settings.STAFFROOM_PUPIL_UNSENT_UPLOAD_FILES = 2
    settings.STAFFROOM_PUPIL_UNSENT_UPLOAD_BYTES = 500
    settings.STAFFROOM_DAILY_UPLOAD_BYTES = 10_000
    settings.STAFFROOM_PUPIL_DAILY_UPLOAD_BYTES = 5_000
    return settings


# --- files waiting to be sent -------------------------------------------------------------------------------


def test_unsent_uploads_are_capped_by_count_with_advice(world, small_allowance):
    for _ in range(3):
        upload(world.teacher)
    with pytest.raises(QuotaExceeded) as caught:
        upload(world.teacher)
    assert caught.value.status == 413
    assert caught.value.field == "file"
    assert "Send them" in caught.value.message and "remove" in caught.value.message
    assert Attachment.objects.filter(uploaded_by=world.teacher).count() == 3
    assert len(stored_files(small_allowance)) == 3


def test_unsent_uploads_are_capped_by_size(world, small_allowance):
    upload(world.teacher, b"x" * 600)
    with pytest.raises(QuotaExceeded):
        upload(world.teacher, b"y" * 401)
    upload(world.teacher, b"y" * 400)  # exactly up to the allowance is fine


def test_sending_the_files_makes_room_again(world, small_allowance):
    waiting = [upload(world.teacher) for _ in range(3)]
    conversation = world.group(world.teacher2)
    actions.send_message(conversation, acting=world.teacher, body="", attachment_ids=[str(a.pk) for a in waiting])
    upload(world.teacher)


def test_pupils_may_keep_fewer_files_waiting_than_staff(world, small_allowance):
    for _ in range(2):
        upload(world.pupil)
        upload(world.teacher)
    with pytest.raises(QuotaExceeded):
        upload(world.pupil)
    upload(world.teacher)


def test_pupils_allowance_is_smaller_by_default(settings):
    assert settings.STAFFROOM_PUPIL_UNSENT_UPLOAD_FILES < settings.STAFFROOM_UNSENT_UPLOAD_FILES
    assert settings.STAFFROOM_PUPIL_UNSENT_UPLOAD_BYTES < settings.STAFFROOM_UNSENT_UPLOAD_BYTES
    assert settings.STAFFROOM_PUPIL_DAILY_UPLOAD_BYTES < settings.STAFFROOM_DAILY_UPLOAD_BYTES


def test_one_persons_waiting_files_do_not_count_against_another(world, small_allowance):
    for _ in range(3):
        upload(world.teacher)
    upload(world.teacher2)


def test_a_full_allowance_is_refused_before_a_picture_is_decoded(world, small_allowance, monkeypatch):
    for _ in range(3):
        upload(world.teacher)

    def decode(*args, **kwargs):
        raise AssertionError("the upload was inspected although the allowance was already used up")

    monkeypatch.setattr(uploads, "inspect_upload", decode)
    with pytest.raises(QuotaExceeded):
        upload(world.teacher)


def test_allowance_is_checked_again_inside_the_transaction(world, small_allowance, monkeypatch):
    """Two uploads at once both pass the early check; the one that commits second must still be refused."""
    for _ in range(2):
        upload(world.teacher)
    inspect = uploads.inspect_upload

    def inspect_while_another_upload_lands(*args, **kwargs):
        checked = inspect(*args, **kwargs)
        monkeypatch.setattr(uploads, "inspect_upload", inspect)
        upload(world.teacher)  # the concurrent upload: it takes the last place
        return checked

    monkeypatch.setattr(uploads, "inspect_upload", inspect_while_another_upload_lands)
    with pytest.raises(QuotaExceeded):
        upload(world.teacher, b"late")
    assert Attachment.objects.filter(uploaded_by=world.teacher).count() == 3
    assert len(stored_files(small_allowance)) == 3  # the refused file was not left on disk
    assert not AuditEntry.objects.filter(action="upload.stored", data__size=4).exists()


# --- the daily volume -------------------------------------------------------------------------------------


def test_daily_volume_caps_uploads_even_when_they_are_sent(world, small_allowance):
    small_allowance.STAFFROOM_DAILY_UPLOAD_BYTES = 2_000
    conversation = world.group(world.teacher2)
    for n in range(2):
        sent = upload(world.teacher, b"x" * 900)
        actions.send_message(conversation, acting=world.teacher, body=f"part {n}", attachment_ids=[str(sent.pk)])
    with pytest.raises(RateLimited) as caught:
        upload(world.teacher, b"x" * 201)
    assert caught.value.status == 429
    assert caught.value.field == "file"
    assert "24 hours" in caught.value.message
    assert 0 < (caught.value.retry_after or 0) <= 24 * 3600


def test_daily_volume_frees_up_after_a_day(world, small_allowance):
    small_allowance.STAFFROOM_DAILY_UPLOAD_BYTES = 1_000
    conversation = world.group(world.teacher2)
    sent = upload(world.teacher, b"x" * 900)
    actions.send_message(conversation, acting=world.teacher, body="old", attachment_ids=[str(sent.pk)])
    with pytest.raises(RateLimited):
        upload(world.teacher, b"x" * 900)
    Attachment.objects.filter(pk=sent.pk).update(created_at=timezone.now() - timedelta(hours=24, minutes=1))
    upload(world.teacher, b"x" * 900)


def test_pupils_have_a_smaller_daily_volume(world, small_allowance):
    small_allowance.STAFFROOM_PUPIL_DAILY_UPLOAD_BYTES = 300
    upload(world.teacher, b"x" * 400)
    with pytest.raises(RateLimited):
        upload(world.pupil, b"x" * 400)


# --- discarding -------------------------------------------------------------------------------------------


def test_discarding_an_unsent_upload_removes_it_and_its_file_and_makes_room(
    world, small_allowance, django_capture_on_commit_callbacks
):
    waiting = [upload(world.teacher) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        actions.discard_upload(str(waiting[0].pk), acting=world.teacher)
    assert not Attachment.objects.filter(pk=waiting[0].pk).exists()
    assert len(stored_files(small_allowance)) == 2
    entry = AuditEntry.objects.filter(action="upload.discarded").get()
    assert entry.target_id == str(waiting[0].pk)
    upload(world.teacher)


def test_only_ones_own_unsent_upload_can_be_discarded(world):
    mine = upload(world.teacher)
    with pytest.raises(NotFound):
        actions.discard_upload(str(mine.pk), acting=world.teacher2)
    conversation = world.group(world.teacher2)
    actions.send_message(conversation, acting=world.teacher, body="", attachment_ids=[str(mine.pk)])
    with pytest.raises(NotFound):
        actions.discard_upload(str(mine.pk), acting=world.teacher)  # on a message now: part of the record
    with pytest.raises(NotFound):
        actions.discard_upload("not-a-uuid", acting=world.teacher)
    assert Attachment.objects.filter(pk=mine.pk).exists()
