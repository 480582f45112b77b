"""`staffroom backup` while the server serves and messages are being sent, and `staffroom restore` into a fresh
data directory: the copy is one consistent moment (every message up to it, none after, files intact, the audit
chain verifying); a tampered backup, a non-empty target and a used backup directory are refused. Each backup
and restore notes counts, never content, in every organisation's audit log."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from staffroom.accounts.actors import Service, ServiceActor
from staffroom.compliance import actions, backup
from staffroom.compliance.audit import AuditAction
from staffroom.errors import PermissionDenied
from tests import servers
from tests.verify import verify_action, verify_refused

A = AuditAction
DATABASE = "staffroom.sqlite3"


# --- the actions: one entry per organisation, by the backup service only ------------------------------------


@pytest.mark.django_db
def test_a_backup_and_a_restore_are_noted_with_counts_only(world):
    service = ServiceActor(Service.BACKUP, world.org.pk)
    with verify_action(audit=[A.BACKUP_TAKEN], events=[]) as captured:
        actions.record_backup(acting=service, database="sqlite", files=3, bytes_copied=4096, manifest_sha256="ab" * 32)
    (entry,) = captured.audit
    assert (entry.actor_service, entry.organisation_id, entry.details) == ("backup", world.org.pk, {})
    assert entry.data == {"database": "sqlite", "files": 3, "bytes": 4096, "manifest_sha256": "ab" * 32}
    with verify_action(audit=[A.BACKUP_RESTORED], events=[]) as captured:
        actions.record_restore(
            acting=service, database="sqlite", files=3, manifest_sha256="ab" * 32,
            backup_created_at="2025-01-06T02:00:00+00:00",
        )  # fmt: skip
    assert captured.audit[0].data["manifest_sha256"] == "ab" * 32


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin", "dpo", "worker"])
def test_nobody_but_the_backup_service_notes_a_backup(world, who):
    acting = ServiceActor(Service.WORKER, world.org.pk) if who == "worker" else getattr(world, who)
    with verify_refused(PermissionDenied):
        actions.record_backup(acting=acting, database="sqlite", files=0, bytes_copied=0, manifest_sha256="0" * 64)
    with verify_refused(PermissionDenied):
        actions.record_restore(
            acting=acting, database="sqlite", files=0, manifest_sha256="0" * 64, backup_created_at=""
        )


# --- the manifest, without a server -------------------------------------------------------------------------


def _tiny_backup(root: Path) -> Path:
    (root / "files" / "attachments").mkdir(parents=True)
    (root / "database.sqlite3").write_bytes(b"not really a database")
    (root / "files" / "attachments" / "a").write_bytes(b"attachment")
    files = {
        name: hashlib.sha256((root / name).read_bytes()).hexdigest()
        for name in ("database.sqlite3", "files/attachments/a")
    }
    manifest = {"format": 1, "created_at": "", "database": "sqlite", "schema": {}, "files": files}
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root


def test_verify_names_the_file_that_was_changed_removed_or_added(tmp_path):
    root = _tiny_backup(tmp_path)
    manifest, _ = backup.read_manifest(root)
    backup.verify(root, manifest)
    (root / "files" / "extra").write_bytes(b"slipped in")
    with pytest.raises(backup.BackupRefused, match=r"files/extra is not in manifest\.json"):
        backup.verify(root, manifest)
    (root / "files" / "extra").unlink()
    (root / "files" / "attachments" / "a").write_bytes(b"attachmenT")
    with pytest.raises(backup.BackupRefused, match="files/attachments/a does not match"):
        backup.verify(root, manifest)
    (root / "files" / "attachments" / "a").unlink()
    with pytest.raises(backup.BackupRefused, match="files/attachments/a is in the manifest but missing"):
        backup.verify(root, manifest)


@pytest.mark.parametrize("name", ["../outside", "/etc/passwd", "files/../../outside"])
def test_a_manifest_naming_a_file_outside_the_backup_is_refused(tmp_path, name):
    root = _tiny_backup(tmp_path)
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["files"][name] = "0" * 64
    (root / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(backup.BackupRefused, match="outside the backup"):
        backup.read_manifest(root)


def test_a_directory_without_a_manifest_is_not_a_backup(tmp_path):
    with pytest.raises(backup.BackupRefused, match=r"has no manifest\.json"):
        backup.read_manifest(tmp_path)


# --- backing up a serving server, restoring into a fresh data directory -------------------------------------


@dataclass
class Restored:
    server: servers.StaffroomServer
    backup: Path
    data_dir: Path
    sent_before: set[int]  # messages acknowledged before the backup started
    sent_during: set[int]  # acknowledged while it ran
    attachments: dict[str, bytes]  # stored name -> bytes, sent before the backup
    backup_line: dict[str, object]
    restore_line: dict[str, object]


def _tables(db: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        counts = {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
    conn.close()
    return counts


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(sql).fetchall()
    conn.close()
    return rows


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*servers.staffroom_command(), *args], env=env, cwd=servers.REPO_ROOT, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def restored(tmp_path_factory) -> Restored:
    """One embedded server, backed up while office1 sends a message every few tenths of a second, and the
    backup restored into a new data directory by `staffroom restore`."""
    with servers.staffroom_server(tmp_path_factory, name="backup-live") as server:
        headers = {"Authorization": f"Bearer {server.token('office1')}"}
        items = httpx.get(server.url("/api/v1/conversations"), headers=headers, timeout=30).json()["items"]
        trips = next(c["id"] for c in items if c["title"] == "Trips and visits")
        attachments, uploaded = {}, []
        for n in range(2):
            content = f"minutes of meeting {n}\n".encode() * 50 + uuid.uuid4().hex.encode()
            response = httpx.post(
                server.url("/api/v1/uploads"), headers=headers, timeout=30,
                files={"file": (f"minutes-{n}.txt", content, "text/plain")},
            )  # fmt: skip
            assert response.status_code == 201, response.text
            uploaded.append(response.json()["id"])
            attachments[response.json()["id"]] = content

        def send(body: str, attachment_ids: list[str] | None = None) -> int | None:
            response = httpx.post(
                server.url(f"/api/v1/conversations/{trips}/messages"), headers=headers, timeout=30,
                json={"body": body, "client_id": uuid.uuid4().hex, "attachment_ids": attachment_ids or []},
            )  # fmt: skip
            return response.json()["id"] if response.status_code == 201 else None

        first = send("The coach leaves at 8:15.", uploaded)
        assert first is not None
        before, during = {first}, set()
        started, stop = threading.Event(), threading.Event()

        def keep_sending() -> None:
            n = 0
            while not stop.is_set():
                sent = send(f"Head count {n}")
                # Acknowledged before the backup command started: committed before its snapshot, certainly.
                if sent is not None:
                    (during if started.is_set() else before).add(sent)
                n += 1
                time.sleep(0.35)  # under the 30-in-10-seconds sending limit

        writer = threading.Thread(target=keep_sending)
        writer.start()
        time.sleep(1)
        started.set()
        path = tmp_path_factory.mktemp("backups") / "nightly"
        try:
            made = _run(["backup", str(path)], server.env)
        finally:
            time.sleep(0.5)
            stop.set()
            writer.join(timeout=30)
        assert made.returncode == 0, made.stderr
    data_dir = tmp_path_factory.mktemp("restored")
    done = _run(["restore", str(path)], servers.staffroom_env(data_dir))
    assert done.returncode == 0, done.stderr
    return Restored(
        server=server, backup=path, data_dir=data_dir, sent_before=before, sent_during=during,
        attachments=attachments, backup_line=json.loads(made.stdout), restore_line=json.loads(done.stdout),
    )  # fmt: skip


def _stored(data_dir: Path, attachment_id: str) -> bytes:
    name = attachment_id.replace("-", "")
    (path,) = (data_dir / "files" / "attachments").glob(f"*/{name[:2]}/{name}")
    return path.read_bytes()


def test_the_restored_copy_is_one_moment_of_the_serving_database(restored):
    live, snapshot = restored.server.data_dir / DATABASE, restored.backup / "database.sqlite3"
    copy = restored.data_dir / DATABASE
    assert restored.sent_during, "no message was sent while the backup ran"
    # The restore adds its own entry to each organisation's chain, and nothing else.
    expected = _tables(snapshot)
    expected["compliance_auditentry"] += restored.restore_line["organisations"]
    assert _tables(copy) == expected
    # Every message acknowledged before the backup began is in it, and the copy holds exactly the messages the
    # serving database had up to one moment: none missing below its newest, none newer.
    messages = "SELECT id, body FROM messaging_message ORDER BY id"
    in_copy, in_live = dict(_rows(copy, messages)), dict(_rows(live, messages))
    assert restored.sent_before <= in_copy.keys()
    assert in_copy == {i: body for i, body in in_live.items() if i <= max(in_copy)}
    assert dict(_rows(snapshot, messages)) == in_copy
    assert _tables(snapshot)["compliance_auditentry"] <= _tables(live)["compliance_auditentry"]


def test_the_restored_files_are_the_uploaded_bytes(restored):
    for attachment_id, content in restored.attachments.items():
        assert _stored(restored.data_dir, attachment_id) == _stored(restored.server.data_dir, attachment_id)
        assert _stored(restored.data_dir, attachment_id) == content
    copied = {p.relative_to(restored.data_dir).as_posix() for p in (restored.data_dir / "files").rglob("*")}
    manifest = json.loads((restored.backup / "manifest.json").read_text())
    assert {name for name in manifest["files"] if name.startswith("files/")} <= copied
    assert restored.restore_line["files"] == restored.backup_line["files"] >= len(restored.attachments)


def test_the_manifest_names_the_database_its_schema_and_every_file(restored):
    body = (restored.backup / "manifest.json").read_bytes()
    manifest = json.loads(body)
    assert (manifest["format"], manifest["database"]) == (1, "sqlite")
    assert manifest["schema"]["messaging"] and manifest["schema"]["compliance"]
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((restored.backup / name).read_bytes()).hexdigest() == digest
    assert "database.sqlite3" in manifest["files"]
    assert restored.backup_line["manifest_sha256"] == hashlib.sha256(body).hexdigest()


def test_audit_verify_passes_on_the_restored_data_and_both_logs_name_the_backup(restored):
    verified = _run(["audit", "verify", "--skip-checks"], servers.staffroom_env(restored.data_dir))
    assert verified.returncode == 0 and "chain intact" in verified.stdout, verified.stdout
    digest = restored.backup_line["manifest_sha256"]
    entries = "SELECT action, actor_service, data FROM compliance_auditentry ORDER BY id DESC LIMIT 1"
    ((action, service, data),) = _rows(restored.data_dir / DATABASE, entries)
    assert (action, service, json.loads(data)["manifest_sha256"]) == ("backup.restored", "backup", digest)
    taken = "SELECT data FROM compliance_auditentry WHERE action = 'backup.taken'"
    assert [json.loads(d)["manifest_sha256"] for (d,) in _rows(restored.server.data_dir / DATABASE, taken)] == [digest]


def _nothing_restored(data_dir: Path) -> bool:
    database = data_dir / DATABASE
    files = data_dir / "files"
    no_tables = not database.exists() or not _tables(database)
    return no_tables and (not files.exists() or not any(files.iterdir()))


def test_a_tampered_backup_is_refused_naming_the_file(restored, tmp_path):
    tampered = tmp_path / "tampered"
    shutil.copytree(restored.backup, tampered)
    name = next(n for n in json.loads((tampered / "manifest.json").read_text())["files"] if n.startswith("files/"))
    content = bytearray((tampered / name).read_bytes())
    content[0] ^= 1
    (tampered / name).write_bytes(bytes(content))
    target = tmp_path / "target"
    refused = _run(["restore", str(tampered)], servers.staffroom_env(target))
    assert refused.returncode == 2
    assert f"{name} does not match its SHA-256" in refused.stderr
    assert _nothing_restored(target)


def test_restoring_over_data_is_refused(restored, tmp_path):
    again = _run(["restore", str(restored.backup)], servers.staffroom_env(restored.data_dir))
    assert again.returncode == 2 and "The configured database is not empty" in again.stderr
    target = tmp_path / "target"
    (target / "files").mkdir(parents=True)
    (target / "files" / "left-behind.txt").write_text("an old file")
    refused = _run(["restore", str(restored.backup)], servers.staffroom_env(target))
    assert refused.returncode == 2 and "is not empty" in refused.stderr
    assert not (target / DATABASE).exists() or not _tables(target / DATABASE)


def test_backing_up_into_a_used_directory_is_refused(restored):
    before = sorted(p.name for p in restored.backup.iterdir())
    refused = _run(["backup", str(restored.backup)], servers.staffroom_env(restored.data_dir))
    assert refused.returncode == 2 and "already exists and is not empty" in refused.stderr
    assert sorted(p.name for p in restored.backup.iterdir()) == before
