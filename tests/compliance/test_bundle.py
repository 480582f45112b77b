"""The ZIP every records export shares: readable HTML, JSON, the files byte for byte, and a manifest whose
digests show nothing changed since."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from staffroom.compliance.bundle import About, Redaction, bundle_response, check_bundle, write_bundle
from staffroom.messaging import actions
from staffroom.messaging.models import Message

pytestmark = pytest.mark.django_db


def _zip(messages, **kwargs) -> tuple[zipfile.ZipFile, bytes]:
    buffer = io.BytesIO()
    write_bundle(buffer, messages, about=About(title="Export", reason="Testing", made_by="Tester"), **kwargs)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue())), buffer.getvalue()


def test_a_bundle_holds_html_json_files_and_a_manifest_of_their_digests(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    chat = world.group(world.teacher, world.head)
    upload = actions.store_upload(acting=world.teacher, data=b"minutes of the meeting\n", filename="../mins.txt")
    actions.send_message(chat, acting=world.teacher, body="Agenda <b>attached</b>", attachment_ids=[str(upload.pk)])
    actions.send_message(chat, acting=world.head, body="Thanks")

    archive, raw = _zip(Message.objects.filter(conversation=chat))

    names = set(archive.namelist())
    files = [n for n in names if n.startswith("attachments/")]
    assert {"index.html", "messages.json", "manifest.json"} <= names and len(files) == 1
    assert ".." not in files[0] and archive.read(files[0]) == b"minutes of the meeting\n"
    data = json.loads(archive.read("messages.json"))
    assert [m["body"] for m in data["messages"]] == ["Agenda <b>attached</b>", "Thanks"]
    assert data["conversations"][0]["id"] == chat.pk and {p["name"] for p in data["people"]} == {
        world.teacher.name, world.head.name}  # fmt: skip
    html = archive.read("index.html").decode()
    assert "Agenda &lt;b&gt;attached&lt;/b&gt;" in html and "<b>attached" not in html
    assert set(json.loads(archive.read("manifest.json"))["files"]) == names - {"manifest.json"}
    assert check_bundle(io.BytesIO(raw)) == []


def test_a_changed_file_no_longer_matches_the_manifest(world):
    chat = world.group(world.teacher, world.head)
    actions.send_message(chat, acting=world.teacher, body="Original")
    archive, _ = _zip(Message.objects.filter(conversation=chat))
    forged = io.BytesIO()
    with zipfile.ZipFile(forged, "w") as out:
        for name in archive.namelist():
            content = archive.read(name)
            out.writestr(name, content.replace(b"Original", b"Changed!") if name == "messages.json" else content)
    assert check_bundle(io.BytesIO(forged.getvalue())) == ["messages.json"]


def test_history_adds_earlier_versions_and_deleted_text_and_without_it_they_stay_out(world):
    chat = world.group(world.teacher, world.head)
    message, _ = actions.send_message(chat, acting=world.teacher, body="First words")
    actions.edit_message(message, acting=world.teacher, body="Second words")
    gone, _ = actions.send_message(chat, acting=world.teacher, body="Regretted")
    actions.delete_message(gone, acting=world.teacher)

    with_history, _ = _zip(Message.objects.filter(conversation=chat), history=True)
    rows = json.loads(with_history.read("messages.json"))["messages"]
    assert [v["body"] for v in rows[0]["revisions"]] == ["First words"]
    assert rows[1]["body"] == "Regretted" and rows[1]["deleted_at"]
    assert "First words" in with_history.read("index.html").decode()

    plain, _ = _zip(Message.objects.filter(conversation=chat))
    rows = json.loads(plain.read("messages.json"))["messages"]
    assert "revisions" not in rows[0] and rows[1]["body"] == ""
    assert b"Regretted" not in plain.read("index.html") and b"First words" not in plain.read("messages.json")


def test_a_redaction_rewrites_text_and_names_everywhere_it_appears(world):
    chat = world.group(world.teacher, world.head)
    actions.send_message(chat, acting=world.head, body="Ask the head about it")
    redaction = Redaction(body=lambda message, text: text.replace("head", "[redacted]"),
                          person=lambda person: "Another person")  # fmt: skip
    archive, _ = _zip(Message.objects.filter(conversation=chat), redaction=redaction)
    content = archive.read("messages.json") + archive.read("index.html")
    assert b"Ask the [redacted] about it" in content
    assert world.head.name.encode() not in content and b"Another person" in content


def test_an_empty_scope_still_makes_a_valid_bundle_that_says_so(world):
    archive, raw = _zip(Message.objects.none())
    assert json.loads(archive.read("messages.json"))["messages"] == []
    assert b"Nothing in this export" in archive.read("index.html") and check_bundle(io.BytesIO(raw)) == []


def test_the_download_leaves_no_copy_behind(world, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    chat = world.group(world.teacher, world.head)
    actions.send_message(chat, acting=world.teacher, body="Hello")
    response, summary = bundle_response(
        Message.objects.filter(conversation=chat), about=About(title="Mine", reason="Asked", made_by="Me"),
        filename="export.zip",
    )  # fmt: skip
    body = b"".join(response.streaming_content)
    response.close()
    assert summary.messages == 1 and check_bundle(io.BytesIO(body)) == []
    assert response["Content-Type"] == "application/zip" and "export.zip" in response["Content-Disposition"]
    assert list((tmp_path / "tmp").iterdir()) == []
