"""Download my data: anyone signed in takes away the messages they wrote and the files they sent, in every
conversation, in the records export's ZIP; nobody else's words, no deleted message. Audited with counts only,
and rate limited."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from staffroom.compliance import actions
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.bundle import check_bundle
from staffroom.errors import RateLimited
from staffroom.messaging import actions as messaging
from tests.verify import verify_action, verify_refused

pytestmark = pytest.mark.django_db

A = AuditAction


def test_my_export_holds_only_my_messages_and_files_in_every_conversation(world):
    team = world.group(world.teacher, title="Year 9 team", by=world.teacher2)
    direct = messaging.create_conversation(acting=world.teacher2, kind="direct", member_ids=[world.teacher.pk])
    upload = messaging.store_upload(acting=world.teacher, data=b"my notes\n", filename="notes.txt")
    mine, _ = messaging.send_message(team, acting=world.teacher, body="My lesson plan", attachment_ids=[str(upload.pk)])
    messaging.edit_message(mine, acting=world.teacher, body="My lesson plan, revised")
    messaging.send_message(direct, acting=world.teacher, body="Cover on Friday?")
    gone, _ = messaging.send_message(team, acting=world.teacher, body="Deleted by me")
    messaging.delete_message(gone, acting=world.teacher)
    messaging.send_message(team, acting=world.teacher2, body="Someone else's words")
    messaging.remove_member(team, world.teacher.pk, acting=world.teacher)  # left: what they wrote is still theirs

    buffer = io.BytesIO()
    with verify_action(audit=[A.ME_EXPORTED], events=[]) as captured:
        summary = actions.export_my_data(acting=world.teacher, target=buffer)
    assert check_bundle(io.BytesIO(buffer.getvalue())) == []
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    data = json.loads(archive.read("messages.json"))
    assert sorted(m["body"] for m in data["messages"]) == ["Cover on Friday?", "My lesson plan, revised"]
    assert {m["author"]["id"] for m in data["messages"]} == {world.teacher.pk}
    assert all("revisions" not in m for m in data["messages"]) and data["export"]["history"] is False
    files = [n for n in archive.namelist() if n.startswith("attachments/")]
    assert len(files) == 1 and archive.read(files[0]) == b"my notes\n"
    content = archive.read("messages.json") + archive.read("index.html")
    assert b"Someone else" not in content and b"Deleted by me" not in content
    assert world.teacher.name.encode() in archive.read("index.html")
    assert (summary.messages, summary.conversations, summary.attachments) == (2, 2, 1)
    entry = captured.audit[0]
    assert entry.data == {"messages": 2, "conversations": 2, "attachments": 1} and entry.actor == world.teacher
    assert entry.reason == "" and not entry.details


@pytest.mark.parametrize("role", ["pupil", "external", "governor"])
def test_pupils_externals_and_governors_download_their_own_too(world, role):
    person = getattr(world, role)
    with verify_action(audit=[A.ME_EXPORTED], events=[]):
        summary = actions.export_my_data(acting=person, target=io.BytesIO())
    assert summary.messages == 0


def test_a_few_downloads_an_hour_then_asked_to_wait(world, ratelimit_clock):
    for _ in range(3):
        actions.export_my_data(acting=world.teacher, target=io.BytesIO())
    with verify_refused(RateLimited) as refused:
        actions.export_my_data(acting=world.teacher, target=io.BytesIO())
    assert refused.value.retry_after and refused.value.retry_after <= 3600
    actions.export_my_data(acting=world.teacher2, target=io.BytesIO())  # a limit per person
    ratelimit_clock.advance(3600)
    actions.export_my_data(acting=world.teacher, target=io.BytesIO())
