"""Backing up the whole system while it serves, and restoring a backup into an empty data directory.

A backup is a directory:

    manifest.json        {"format": 1, "created_at", "database": "sqlite"|"postgresql", "schema": {app: last
                         migration applied}, "files": {path relative to the backup: SHA-256 hex}}
    database.sqlite3     SQLite: a consistent copy made with SQLite's online backup API (writers carry on)
    database.pgdump      PostgreSQL: `pg_dump --format=custom` (one snapshot; writers carry on)
    files/...            the uploaded files (MEDIA_ROOT), copied after the database

The manifest lists every file of the backup, the database copy included, and is written last: a directory
without one is an unfinished backup. `restore` refuses a backup in which any file differs from the manifest, is
missing or was added, naming it, before it writes anything.

The database is copied first and the files after it, so every attachment the copied database knows of was on
disk when the files were copied (uploads are stored before their row is written). Only a file deleted in
between (a purge of unsent uploads or of records past retention) can be missing; a file uploaded in between
may be copied without a row, and as nothing refers to it, it is never served.

The secret key is not part of a backup: a restored server signs everyone out (their sessions end), nothing else.
Nothing here writes the audit log; the commands call compliance.actions.record_backup / record_restore.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_CHUNK = 1024 * 1024


class BackupRefused(Exception):
    """The backup or restore cannot go ahead; the message says why and what to do. Nothing was written."""

    exit_code = 2


class BackupFailed(Exception):
    """Something broke part way (a program failed, a disk filled); the message says what."""

    exit_code = 1


@dataclass
class Summary:
    """What a backup or a restore did, as its one JSON line says it."""

    database: str
    files: int
    bytes: int
    manifest_sha256: str
    created_at: str
    schema: dict[str, str] = field(default_factory=dict)


# --- shared -----------------------------------------------------------------------------------------------


def database_kind() -> str:
    """ "sqlite" or "postgresql": the configured database."""
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise BackupRefused(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _walk(root: Path) -> Iterator[Path]:
    """Every regular file under `root`, in a stable order (symbolic links are not followed)."""
    for directory, subdirs, names in os.walk(root):
        subdirs.sort()
        for name in sorted(names):
            path = Path(directory, name)
            if path.is_file() and not path.is_symlink():
                yield path


def _copy_hashing(source: Path, target: Path) -> tuple[str, int]:
    """Copy one file, returning the SHA-256 and size of exactly the bytes written."""
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as reading, target.open("xb") as writing:
        while chunk := reading.read(_CHUNK):
            digest.update(chunk)
            writing.write(chunk)
            size += len(chunk)
    shutil.copystat(source, target)
    return digest.hexdigest(), size


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def postgresql_program(name: str) -> str:
    """pg_dump or pg_restore: STAFFROOM_PG_BIN, then PATH, then the newest /usr/lib/postgresql/<version>/bin."""
    candidates: list[Path] = []
    if configured := os.environ.get("STAFFROOM_PG_BIN"):
        candidates.append(Path(configured) / name)
    if on_path := shutil.which(name):
        candidates.append(Path(on_path))
    candidates += sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parents[1].name) if p.parents[1].name.isdigit() else 0,
        reverse=True,
    )
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupRefused(
        f"{name} was not found. Install the PostgreSQL client programs (Debian: postgresql-client, the same "
        "major version as the server or newer), or set STAFFROOM_PG_BIN to the folder that holds them."
    )


def _postgresql_connection() -> tuple[list[str], dict[str, str]]:
    """Arguments and environment that point pg_dump / pg_restore at the configured database. The password goes
    in the environment, never on the command line (where `ps` shows it)."""
    db = settings.DATABASES["default"]
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    if sslmode := (db.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 (our argv)
    if result.returncode != 0:
        raise BackupFailed(f"{what} failed with status {result.returncode}: {result.stderr.strip()}")


def applied_schema() -> dict[str, str]:
    """For each app, the last migration applied to the configured database."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).migration_qs.order_by("id").values_list("app", "name"):
        latest[app] = name
    return dict(sorted(latest.items()))


# --- backup -----------------------------------------------------------------------------------------------


def take(path: Path, *, now: datetime) -> Summary:
    """Back up the configured database and the uploaded files into `path` (absent, or an empty directory)."""
    path = path.resolve()
    if path.exists() and not _is_empty_dir(path):
        raise BackupRefused(f"{path} already exists and is not empty: give a new directory for each backup.")
    media = Path(settings.MEDIA_ROOT).resolve()
    if media in [path, *path.parents]:
        raise BackupRefused(f"{path} is inside the files directory: a backup there would back itself up.")
    kind = database_kind()
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True)
    try:
        schema = applied_schema()
        database = path / DATABASE_FILES[kind]
        if kind == "sqlite":
            _sqlite_backup(database)
        else:
            _pg_dump(database)
        digests = {database.name: sha256_file(database)}
        total = database.stat().st_size
        for source in _walk(media) if media.is_dir() else ():
            relative = source.relative_to(media).as_posix()
            digests[f"{FILES}/{relative}"], size = _copy_hashing(source, path / FILES / relative)
            total += size
        created_at = now.isoformat()
        manifest = {
            "format": FORMAT,
            "created_at": created_at,
            "database": kind,
            "schema": schema,
            "files": digests,
        }
        body = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
        partial = path / (MANIFEST + ".partial")
        partial.write_bytes(body)
        partial.replace(path / MANIFEST)  # last: a backup without its manifest is not finished
    except BaseException:
        if created:
            shutil.rmtree(path, ignore_errors=True)
        else:
            for child in path.iterdir():
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        raise
    return Summary(
        database=kind, files=len(digests) - 1, bytes=total, manifest_sha256=hashlib.sha256(body).hexdigest(),
        created_at=created_at, schema=schema,
    )  # fmt: skip


def _sqlite_backup(target: Path) -> None:
    """SQLite's online backup: one step, so it reads one snapshot while writers carry on (WAL mode)."""
    source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), timeout=20)
    partial = target.with_name(target.name + ".partial")
    copy = sqlite3.connect(str(partial))
    try:
        source.backup(copy)
        # A single self-contained file: no -wal beside it to lose.
        copy.execute("PRAGMA journal_mode=DELETE")
        (check,) = copy.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise BackupFailed(f"The copy of the database failed SQLite's check: {check}")
    finally:
        copy.close()
        source.close()
    partial.replace(target)


def _pg_dump(target: Path) -> None:
    """pg_dump reads one snapshot (a repeatable-read transaction), so the server may serve and write meanwhile."""
    args, env = _postgresql_connection()
    partial = target.with_name(target.name + ".partial")
    command = [postgresql_program("pg_dump"), "--format=custom", "--no-password", "--file", str(partial), *args]
    _run(command, env, "pg_dump")
    partial.replace(target)


# --- restore ----------------------------------------------------------------------------------------------


def read_manifest(path: Path) -> tuple[dict[str, Any], str]:
    """The backup's manifest and the SHA-256 of its bytes; refused if it is missing or not one we wrote."""
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise BackupRefused(f"{path} has no {MANIFEST}: it is not a backup, or the backup did not finish.")
    body = manifest_path.read_bytes()
    try:
        manifest = json.loads(body)
    except ValueError:
        raise BackupRefused(f"{MANIFEST} is not valid JSON: the backup is damaged.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused(f"{MANIFEST} is not a format {FORMAT} Staffroom backup manifest.")
    files = manifest.get("files")
    if manifest.get("database") not in DATABASE_FILES or not isinstance(files, dict):
        raise BackupRefused(f"{MANIFEST} does not say which database it holds, or lists no files.")
    for name, digest in files.items():
        parts = PurePosixPath(name).parts
        if not parts or name.startswith("/") or ".." in parts or not isinstance(digest, str):
            raise BackupRefused(f"{MANIFEST} names a file outside the backup: {name!r}.")
    if DATABASE_FILES[manifest["database"]] not in files:
        raise BackupRefused(f"{MANIFEST} does not list the database copy {DATABASE_FILES[manifest['database']]}.")
    if not isinstance(manifest.get("schema"), dict):
        raise BackupRefused(f"{MANIFEST} does not say which migrations the database had.")
    return manifest, hashlib.sha256(body).hexdigest()


def verify(path: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is present with its SHA-256, and there is no other file: else refused,
    naming the first file that differs."""
    expected: dict[str, str] = manifest["files"]
    present = {p.relative_to(path).as_posix() for p in _walk(path)} - {MANIFEST}
    for name in sorted(expected):
        if name not in present:
            raise BackupRefused(f"The backup is incomplete: {name} is in the manifest but missing.")
        if sha256_file(path / name) != expected[name]:
            raise BackupRefused(f"The backup was altered or damaged: {name} does not match its SHA-256 in {MANIFEST}.")
    if extra := sorted(present - set(expected)):
        raise BackupRefused(f"The backup was altered: {extra[0]} is not in {MANIFEST}.")


def check_schema(manifest: dict[str, Any]) -> None:
    """Refuse a backup made by a newer Staffroom (a migration this code does not have)."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(f"{app}.{name}" for app, name in manifest["schema"].items() if (app, name) not in known)
    if unknown:
        raise BackupRefused(
            f"The backup was made by a newer version of Staffroom (its database has {', '.join(unknown)}). "
            "Install that version or newer, then restore."
        )


def check_target_empty(kind: str) -> None:
    """The configured database has no tables and the files directory is empty (or absent)."""
    tables = _sqlite_tables() if kind == "sqlite" else _postgresql_tables()
    if tables:
        raise BackupRefused(
            f"The configured database is not empty ({tables} tables). Restore only into a new, empty data "
            "directory (STAFFROOM_DATA_DIR) or an empty PostgreSQL database (DATABASE_URL)."
        )
    media = Path(settings.MEDIA_ROOT)
    if media.exists() and not _is_empty_dir(media):
        raise BackupRefused(f"The files directory {media} is not empty. Restore only into an empty data directory.")


def _sqlite_tables() -> int:
    name = Path(settings.DATABASES["default"]["NAME"])
    if not name.exists():
        return 0
    with sqlite3.connect(str(name)) as probe:
        (count,) = probe.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
    probe.close()
    return int(count)


def _postgresql_tables() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', "
            "'information_schema')"
        )
        (count,) = cursor.fetchone()
    return int(count)


def restore(path: Path) -> Summary:
    """Restore the backup at `path` into the configured (empty) database and files directory."""
    path = path.resolve()
    if not path.is_dir():
        raise BackupRefused(f"{path} is not a directory.")
    manifest, manifest_sha256 = read_manifest(path)
    kind = database_kind()
    if manifest["database"] != kind:
        raise BackupRefused(
            f"The backup holds a {manifest['database']} database but {kind} is configured: restore a SQLite backup "
            "without DATABASE_URL, a PostgreSQL one with it."
        )
    check_schema(manifest)
    check_target_empty(kind)
    verify(path, manifest)
    database = path / DATABASE_FILES[kind]
    if kind == "sqlite":
        _sqlite_restore(database)
    else:
        _pg_restore(database)
    media = Path(settings.MEDIA_ROOT)
    files, total = 0, database.stat().st_size
    backed_up = path / FILES
    for source in _walk(backed_up) if backed_up.is_dir() else ():
        _digest, size = _copy_hashing(source, media / source.relative_to(backed_up))
        files, total = files + 1, total + size
    return Summary(
        database=kind, files=files, bytes=total, manifest_sha256=manifest_sha256,
        created_at=str(manifest.get("created_at", "")), schema=dict(manifest["schema"]),
    )  # fmt: skip


def _sqlite_restore(source: Path) -> None:
    target = Path(settings.DATABASES["default"]["NAME"])
    connection.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".restoring")
    shutil.copyfile(source, partial)
    for leftover in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        leftover.unlink(missing_ok=True)  # the empty database's, which must not be replayed over the copy
    partial.replace(target)


def _pg_restore(source: Path) -> None:
    """pg_restore into the empty configured database, all or nothing. Ownership and grants are left to the
    configured user (the backup may come from a server with other role names)."""
    connection.close()
    args, env = _postgresql_connection()
    command = [
        postgresql_program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
        "--single-transaction", "--no-password", *args, str(source),
    ]  # fmt: skip
    _run(command, env, "pg_restore")
