"""`staffroom backup` on PostgreSQL (pg_dump) and `staffroom restore` into a second, empty database (pg_restore):
the same rows in every table, the files byte for byte, and the audit chains verifying."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest

from tests import servers

pytestmark = pytest.mark.services


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
            ).fetchall()
        ]
        return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # type: ignore[index]


def _staffroom(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*servers.staffroom_command(), *args], env=env, cwd=servers.REPO_ROOT, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip


def test_a_pg_dump_backup_restores_into_an_empty_database(postgres, tmp_path):
    # Databases of their own in the session's cluster: the other scale-out tests' counts are not disturbed.
    suffix = uuid.uuid4().hex[:8]
    urls = {}
    with psycopg.connect(postgres.admin_url(), autocommit=True) as admin:
        for name in ("source", "target"):
            admin.execute(f'CREATE DATABASE "backup_{name}_{suffix}"')  # type: ignore[arg-type]
            urls[name] = f"postgresql://postgres@127.0.0.1:{postgres.port}/backup_{name}_{suffix}"
    source = servers.staffroom_env(tmp_path / "source", database_url=urls["source"])
    target = servers.staffroom_env(tmp_path / "target", database_url=urls["target"])
    servers.run_staffroom(["migrate", "--no-input", "-v", "0"], env=source, timeout=300)
    servers.run_staffroom(["seed_demo"], env=source)
    attachment = tmp_path / "source" / "files" / "attachments" / "1" / "ab" / ("ab" + "0" * 30)
    attachment.parent.mkdir(parents=True)
    attachment.write_bytes(b"%PDF-1.7 risk assessment" + uuid.uuid4().bytes)

    path = tmp_path / "backup"
    made = _staffroom(["backup", str(path)], source)
    assert made.returncode == 0, made.stderr
    line = json.loads(made.stdout)
    assert (line["database"], line["files"]) == ("postgresql", 1)
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["database"] == "postgresql" and set(manifest["files"]) == {
        "database.pgdump",
        "files/attachments/1/ab/ab" + "0" * 30,
    }

    done = _staffroom(["restore", str(path)], target)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["audit_chains_intact"] is True
    # The source gained one "backup.taken" entry per organisation after its dump, the target one
    # "backup.restored" entry: so every table, the audit log included, holds as many rows in each.
    assert _counts(urls["target"]) == _counts(urls["source"])
    restored = Path(tmp_path / "target" / "files" / attachment.relative_to(tmp_path / "source" / "files"))
    assert restored.read_bytes() == attachment.read_bytes()
    verified = _staffroom(["audit", "verify", "--skip-checks"], target)
    assert verified.returncode == 0 and "chain intact" in verified.stdout, verified.stdout

    again = _staffroom(["restore", str(path)], target)
    assert again.returncode == 2 and "The configured database is not empty" in again.stderr
