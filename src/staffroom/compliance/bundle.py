"""The ZIP every records export is delivered as: a subject access request's answer, a person's "download my
data", and an investigation's evidence (DESIGN.md, DOMAIN.md "Records management").

One format, so a reader who has opened one knows them all:

- `index.html`: a readable copy, one section per conversation, messages in order, with their edit and delete
  history when the export includes it. Self-contained (no script, no remote resource), opens in any browser.
- `messages.json`: the same, machine-readable: `{"export": {...}, "messages": [...], "conversations": [...],
  "people": [...]}`.
- `attachments/<message id>/<attachment id>-<file name>`: the files, byte for byte as stored.
- `manifest.json`: `{"format": 1, "files": {"path": "sha256 hex"}}` over every other file, so whoever receives
  the ZIP can show nothing was changed since it was made.

It is written in one pass over the messages, in batches, so a million messages need memory for one batch (and
the conversations and people seen), not for the whole export. What goes in is the caller's decision: the
bundle takes a queryset already scoped, and a `Redaction` that may blank what the reader must not see (other
people's personal data in a subject access request).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.html import escape

from staffroom.accounts.models import Person
from staffroom.messaging.models import Attachment, Conversation, Message, MessageRevision

FORMAT = 1
BATCH = 2000
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class About:
    """What the export is, for its reader: shown at the top of index.html and in messages.json's `export`."""

    title: str
    reason: str
    made_by: str
    scope: dict[str, Any] = field(default_factory=dict)
    made_at: datetime = field(default_factory=timezone.now)


@dataclass(frozen=True)
class Redaction:
    """How to show a message's text and its people. The default shows everything (an investigation, or a
    person's own data); a subject access request passes functions that blank other people's personal data."""

    body: Callable[[Message, str], str] | None = None
    person: Callable[[Person], str] | None = None

    def text(self, message: Message, text: str) -> str:
        return self.body(message, text) if self.body else text

    def name(self, person: Person) -> str:
        return self.person(person) if self.person else person.name


@dataclass
class Summary:
    messages: int = 0
    conversations: int = 0
    attachments: int = 0
    files: dict[str, str] = field(default_factory=dict)


class _Hashing:
    """A write-only stream into the ZIP that also keeps the SHA-256 of what went through it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()

    def write(self, text: str) -> None:
        data = text.encode()
        self.digest.update(data)
        self.stream.write(data)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def attachment_path(attachment: Attachment) -> str:
    """Where an attachment sits in the ZIP: by message, with a name no archive tool can misread as a path."""
    name = _UNSAFE_NAME.sub("_", attachment.filename).strip(" .") or "file"
    return f"attachments/{attachment.message_id}/{attachment.pk.hex[:12]}-{name[:100]}"


def _batches(messages: QuerySet[Message], history: bool) -> Iterator[Message]:
    prefetch: list[Any] = [Prefetch("attachments", queryset=Attachment.objects.order_by("created_at"))]
    if history:
        prefetch.append(
            Prefetch(
                "revisions",
                queryset=MessageRevision.objects.select_related("replaced_by").order_by("written_at", "id"),
            )
        )
    ordered = (
        messages.select_related("author", "conversation", "deleted_by")
        .prefetch_related(*prefetch)
        .order_by("conversation_id", "created_at", "id")
    )
    yield from ordered.iterator(chunk_size=BATCH)


def _conversation_title(conversation: Conversation) -> str:
    return conversation.title or conversation.get_kind_display()


_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
header{border-bottom:2px solid #1b1b1b;margin-bottom:1.5rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}
section{margin:2rem 0}article{border-left:4px solid #c8c8c8;padding:.25rem .75rem;margin:.75rem 0}
.meta{color:#505050;font-size:.9rem}.body{white-space:pre-wrap;margin:.25rem 0}
.deleted{border-left-color:#b00020}.history{margin:.25rem 0 .25rem 1rem;font-size:.9rem}
"""


def _html_head(about: About) -> str:
    scope = "".join(
        f"<dt>{escape(key)}</dt><dd>{escape(json.dumps(value) if not isinstance(value, str) else value)}</dd>"
        for key, value in about.scope.items()
    )
    return (
        '<!doctype html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{escape(about.title)}</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>{escape(about.title)}</h1><dl>"
        f"<dt>Reason</dt><dd>{escape(about.reason)}</dd>"
        f"<dt>Made by</dt><dd>{escape(about.made_by)}</dd>"
        f"<dt>Made at</dt><dd>{escape(about.made_at.isoformat(timespec='seconds'))}</dd>{scope}</dl>"
        "<p>manifest.json holds the SHA-256 digest of every file in this export.</p></header>\n"
    )


def _html_message(message: Message, body: str, author: str, history: list[dict[str, Any]], files: list[str]) -> str:
    css = "deleted" if message.deleted_at else ""
    states = []
    if message.edited_at:
        states.append(f"edited {message.edited_at.isoformat(timespec='seconds')}")
    if message.deleted_at:
        states.append(f"deleted {message.deleted_at.isoformat(timespec='seconds')}")
    state = f" ({escape(', '.join(states))})" if states else ""
    parts = [
        f'<article id="m{message.pk}" class="{css}"><p class="meta"><strong>{escape(author)}</strong> '
        f"<time>{escape(message.created_at.isoformat(timespec='seconds'))}</time>{state}</p>"
        f'<p class="body">{escape(body)}</p>'
    ]
    for name in files:
        parts.append(f'<p class="meta">File: <a href="{escape(name)}">{escape(name.rsplit("/", 1)[-1])}</a></p>')
    if history:
        parts.append('<details class="history"><summary>Earlier versions</summary><ol>')
        for version in history:
            parts.append(
                f"<li><time>{escape(version['written_at'])}</time>: "
                f'<span class="body">{escape(version["body"])}</span></li>'
            )
        parts.append("</ol></details>")
    parts.append("</article>\n")
    return "".join(parts)


def write_bundle(
    target: IO[bytes], messages: QuerySet[Message], *, about: About, history: bool = False,
    redaction: Redaction | None = None,
) -> Summary:  # fmt: skip
    """Write the export of `messages` (already scoped by the caller) as a ZIP into `target`. `history` adds each
    message's earlier versions (edits), and the text of deleted messages; without it, a deleted message's
    text is left out. Returns the counts and the manifest's digests."""
    redaction = redaction or Redaction()
    summary = Summary()
    conversations: dict[int, dict[str, Any]] = {}
    people: dict[int, dict[str, Any]] = {}

    def person_ref(person: Person | None) -> dict[str, Any] | None:
        if person is None:
            return None
        if person.pk not in people:
            people[person.pk] = {"id": person.pk, "name": redaction.name(person), "external": person.external}
        return {"id": person.pk, "name": people[person.pk]["name"]}

    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        # A ZIP takes one file at a time: the attachments go in as they come, the two documents are spooled to
        # disk while they are written and go in at the end.
        with tempfile.TemporaryFile(dir=_spool_dir()) as html_raw, tempfile.TemporaryFile(dir=_spool_dir()) as json_raw:
            html, data = _Hashing(html_raw), _Hashing(json_raw)
            html.write(_html_head(about))
            export = {"title": about.title, "reason": about.reason, "made_by": about.made_by,
                      "made_at": about.made_at.isoformat(), "scope": about.scope, "history": history}  # fmt: skip
            data.write('{"export": ' + json.dumps(export) + ', "messages": [\n')
            current = None
            for message in _batches(messages, history):
                if message.conversation_id != current:
                    if current is not None:
                        html.write("</section>\n")
                    current = message.conversation_id
                    conversation = message.conversation
                    title = _conversation_title(conversation)
                    conversations[conversation.pk] = {"id": conversation.pk, "kind": conversation.kind,
                                                      "title": title}  # fmt: skip
                    html.write(f'<section><h2 id="c{conversation.pk}">{escape(title)}</h2>\n')
                shown = message.body if (history or not message.deleted_at) else ""
                body = redaction.text(message, shown)
                versions = [
                    {"body": redaction.text(message, revision.body), "written_at": revision.written_at.isoformat(),
                     "replaced_at": revision.replaced_at.isoformat(), "replaced_by": person_ref(revision.replaced_by)}
                    for revision in (message.revisions.all() if history else [])
                ]  # fmt: skip
                files: list[dict[str, Any]] = []
                for attachment in message.attachments.all():
                    path = attachment_path(attachment)
                    with attachment.file.open("rb") as source, archive.open(path, "w", force_zip64=True) as out:
                        digest = hashlib.sha256()
                        while chunk := source.read(1 << 20):
                            digest.update(chunk)
                            out.write(chunk)
                    summary.files[path] = digest.hexdigest()
                    summary.attachments += 1
                    files.append({"id": str(attachment.pk), "filename": attachment.filename, "path": path,
                                  "content_type": attachment.content_type, "size": attachment.size})  # fmt: skip
                author = person_ref(message.author)
                row: dict[str, Any] = {
                    "id": message.pk, "conversation_id": message.conversation_id, "author": author, "body": body,
                    "created_at": message.created_at.isoformat(), "edited_at": _iso(message.edited_at),
                    "deleted_at": _iso(message.deleted_at), "deleted_by": person_ref(message.deleted_by),
                    "reply_to": message.reply_to_id, "attachments": files,
                }  # fmt: skip
                if history:
                    row["revisions"] = versions
                data.write(("" if summary.messages == 0 else ",\n") + json.dumps(row))
                html.write(_html_message(message, body, author["name"] if author else "", versions,
                                         [f["path"] for f in files]))  # fmt: skip
                summary.messages += 1
            if current is not None:
                html.write("</section>\n")
            if summary.messages == 0:
                html.write("<p>Nothing in this export's scope.</p>\n")
            html.write("</body></html>\n")
            data.write('\n], "conversations": ' + json.dumps(list(conversations.values())))
            data.write(', "people": ' + json.dumps(list(people.values())) + "}\n")
            for name, spooled in (("index.html", html_raw), ("messages.json", json_raw)):
                spooled.seek(0)
                with archive.open(name, "w", force_zip64=True) as out:
                    shutil.copyfileobj(spooled, out, 1 << 20)
        summary.files["index.html"] = html.digest.hexdigest()
        summary.files["messages.json"] = data.digest.hexdigest()
        summary.conversations = len(conversations)
        manifest = {"format": FORMAT, "title": about.title, "made_at": about.made_at.isoformat(),
                    "files": dict(sorted(summary.files.items()))}  # fmt: skip
        archive.writestr("manifest.json", json.dumps(manifest, indent=2) + "\n")
    return summary


def check_bundle(source: IO[bytes]) -> list[str]:
    """The files of a bundle whose contents no longer match its manifest (empty when it is intact), for tests
    and for whoever receives an export."""
    with zipfile.ZipFile(source) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist()) - {"manifest.json"}
        wrong = [path for path, digest in manifest["files"].items()
                 if path not in names or hashlib.sha256(archive.read(path)).hexdigest() != digest]  # fmt: skip
        return sorted(wrong + sorted(names - set(manifest["files"])))


def bundle_response(
    messages: QuerySet[Message], *, about: About, filename: str, history: bool = False,
    redaction: Redaction | None = None,
) -> tuple[FileResponse, Summary]:  # fmt: skip
    """The bundle as a download: written to a temporary file (removed when the response is closed, so no copy
    stays on the server), then streamed. Returns the response and the counts, for the caller's audit entry."""
    return spooled_download(
        lambda spool: write_bundle(spool, messages, about=about, history=history, redaction=redaction),
        filename=filename,
    )


def _spool_dir() -> str:
    path = Path(settings.DATA_DIR) / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def spooled_download(write: Callable[[IO[bytes]], Summary], *, filename: str) -> tuple[FileResponse, Summary]:
    """A bundle written by `write` into a temporary file, as a download: for an action that writes the bundle
    itself (and records it once written). When `write` raises, the file is removed and nothing is sent."""
    spool = tempfile.TemporaryFile(dir=_spool_dir())  # noqa: SIM115 (the response closes it)
    try:
        summary = write(spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    response = FileResponse(spool, as_attachment=True, filename=filename, content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response, summary
