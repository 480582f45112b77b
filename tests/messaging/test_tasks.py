"""Scheduled messaging work: unsent uploads are deleted, with their files, once they are a day old."""

import io
import json
import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from staffroom.compliance.models import AuditEntry
from staffroom.errors import Invalid
from staffroom.messaging import actions, tasks
from staffroom.messaging.models import Attachment, Message

pytestmark = pytest.mark.django_db

SECRET = b"pupil's home address: 1 Secret Lane"


def upload(person, name="minutes.txt", content=SECRET) -> Attachment:
    return actions.store_upload(acting=person, data=content, filename=name)


def age(attachment: Attachment, hours: float) -> None:
    Attachment.objects.filter(pk=attachment.pk).update(created_at=timezone.now() - timedelta(hours=hours))


def on_disk(attachment: Attachment) -> bool:
    return attachment.file.storage.exists(attachment.file.name)


@pytest.fixture
def run_commit_hooks(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (the purge deletes files only once its rows are gone for good)."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def test_unsent_uploads_older_than_a_day_are_deleted_with_their_files(world, run_commit_hooks):
    old, fresh = upload(world.teacher), upload(world.pupil)
    age(old, 25)
    age(fresh, 23)

    assert run_commit_hooks(tasks.purge_unclaimed_uploads) == 1

    assert not Attachment.objects.filter(pk=old.pk).exists()
    assert not on_disk(old)
    assert Attachment.objects.filter(pk=fresh.pk).exists()
    assert on_disk(fresh)


def test_files_on_messages_are_never_purged_however_old(world, run_commit_hooks):
    sent = upload(world.teacher)
    actions.send_message(world.group(world.teacher2), acting=world.teacher, body="", attachment_ids=[str(sent.pk)])
    age(sent, 24 * 400)
    assert run_commit_hooks(tasks.purge_unclaimed_uploads) == 0
    assert Attachment.objects.filter(pk=sent.pk).exists()
    assert on_disk(sent)


def test_the_age_is_a_setting_and_now_can_be_given(world, settings, run_commit_hooks):
    settings.STAFFROOM_UNSENT_UPLOAD_HOURS = 2
    waiting = upload(world.teacher)
    assert run_commit_hooks(tasks.purge_unclaimed_uploads, now=timezone.now() + timedelta(hours=1)) == 0
    assert run_commit_hooks(tasks.purge_unclaimed_uploads, now=timezone.now() + timedelta(hours=3)) == 1
    assert not on_disk(waiting)


def test_many_uploads_are_purged_in_batches(world, settings, monkeypatch, run_commit_hooks):
    monkeypatch.setattr(tasks, "PURGE_BATCH", 2)
    settings.STAFFROOM_UNSENT_UPLOAD_FILES = 10
    waiting = [upload(world.teacher) for _ in range(5)]
    for attachment in waiting:
        age(attachment, 30)
    assert run_commit_hooks(tasks.purge_unclaimed_uploads) == 5
    assert not Attachment.objects.exists()


def test_a_send_after_the_purge_fails_whole_and_says_to_upload_again(world, run_commit_hooks):
    conversation = world.group(world.teacher2)
    waiting = upload(world.teacher)
    age(waiting, 25)
    # The send read the attachment before the purge committed; its claim must then find nothing to claim.
    from staffroom.messaging.actions import messages as sending

    claim = sending._claim_attachments

    def claim_then_purge(acting, ids):
        found = claim(acting, ids)
        run_commit_hooks(tasks.purge_unclaimed_uploads)
        return found

    sending._claim_attachments = claim_then_purge
    try:
        with pytest.raises(Invalid) as caught:
            actions.send_message(conversation, acting=world.teacher, body="See attached", attachment_ids=[waiting.pk])
    finally:
        sending._claim_attachments = claim
    assert caught.value.field == "attachment_ids"
    assert "upload it again" in caught.value.message
    assert not Message.objects.filter(conversation=conversation).exists()


def test_a_failed_purge_keeps_the_files_of_the_rows_it_kept(world, monkeypatch, run_commit_hooks):
    waiting = upload(world.teacher)
    age(waiting, 25)

    def broken_audit(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tasks.audit, "record", broken_audit)
    with pytest.raises(RuntimeError):
        run_commit_hooks(tasks.purge_unclaimed_uploads)
    assert Attachment.objects.filter(pk=waiting.pk).exists()
    assert on_disk(waiting)


def test_purge_is_audited_and_logged_as_counts_without_names_or_content(world, caplog, run_commit_hooks):
    for person in (world.teacher, world.teacher2, world.outsider):
        age(upload(person, name="Safeguarding notes about a pupil.txt"), 25)
    with caplog.at_level(logging.INFO, logger="staffroom.messaging.tasks"):
        assert run_commit_hooks(tasks.purge_unclaimed_uploads) == 3

    entries = AuditEntry.objects.filter(action="uploads.purged")
    assert {e.actor_service for e in entries} == {"worker"}
    assert {(e.organisation_id, e.data["uploads"]) for e in entries} == {
        (world.org.pk, 2),
        (world.outsider.organisation_id, 1),
    }
    records = [r for r in caplog.records if r.name == "staffroom.messaging.tasks"]
    assert records and records[-1].uploads == 3 and records[-1].bytes == 3 * len(SECRET)
    logged = " ".join(json.dumps(vars(r), default=str) for r in records) + " ".join(
        json.dumps(e.data) + e.target_label for e in entries
    )
    assert "Safeguarding" not in logged and "Secret Lane" not in logged and "attachments/" not in logged


def test_purge_uploads_command_prints_one_json_line_of_counts(world, run_commit_hooks):
    age(upload(world.teacher), 25)
    out = io.StringIO()
    run_commit_hooks(call_command, "purge_uploads", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == {"uploads_purged": 1, "older_than_hours": 24}
