"""A roster's files, read from a folder or a ZIP without trusting either.

Only the OneRoster files the import uses are read (`ROSTER_FILES`); anything else in the folder or the ZIP
(courses, demographics, results...) is never opened. Nothing is written to disk: a ZIP's members are read into
memory, each at most `MAX_FILE_BYTES` and all together at most `MAX_TOTAL_BYTES` however much the ZIP claims,
so a ZIP bomb stops at the limit, and a member whose path leaves the ZIP's folder (`../`, `/etc/...`) makes the
whole ZIP refused.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import IO

from django.utils.translation import gettext as _

from staffroom.rosters.problems import Problem

ROSTER_FILES = ("manifest.csv", "orgs.csv", "users.csv", "classes.csv", "enrollments.csv", "academicSessions.csv")
_BY_LOWER = {name.lower(): name for name in ROSTER_FILES}
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 60 * 1024 * 1024
MAX_ZIP_ENTRIES = 200
_CHUNK = 64 * 1024

type RosterFiles = dict[str, bytes]


class Unreadable(Exception):
    """The folder or ZIP cannot be read as a roster at all."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _refuse(where: str, message: str) -> Unreadable:
    return Unreadable(Problem(where, None, message))


def read_path(path: str | Path) -> RosterFiles:
    """The roster files in a folder, or in a ZIP file."""
    path = Path(path)
    if path.is_dir():
        return read_folder(path)
    if not path.is_file():
        raise _refuse(path.name, _("There is no folder or ZIP file here."))
    with path.open("rb") as stream:
        return read_zip(stream, name=path.name)


def read_folder(folder: Path) -> RosterFiles:
    """The roster files at the top of `folder` (names matched without regard to case)."""
    found: RosterFiles = {}
    total = 0
    for entry in sorted(folder.iterdir()):
        name = _BY_LOWER.get(entry.name.lower())
        if name is None or not entry.is_file():
            continue
        if name in found:
            raise _refuse(
                name, _("The folder has two files called %(file)s (names differing only in case).") % {"file": name}
            )
        size = entry.stat().st_size
        total += size
        if size > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
            raise _refuse(name, _too_large())
        found[name] = entry.read_bytes()
    return found


def read_zip(stream: IO[bytes], *, name: str = "upload") -> RosterFiles:
    """The roster files in a ZIP: at its top, or all in one folder inside it (as zipping a folder makes)."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise _refuse(name, _("This is not a ZIP file. Upload the roster's CSV files in a ZIP.")) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise _refuse(
                name, _("The ZIP holds more than %(n)d files; a roster has a handful.") % {"n": MAX_ZIP_ENTRIES}
            )
        chosen: dict[str, zipfile.ZipInfo] = {}
        for info in entries:
            path = PurePosixPath(info.filename.replace("\\", "/"))
            if not path.parts or path.is_absolute() or ".." in path.parts or ":" in path.parts[0]:
                raise _refuse(name, _("The ZIP holds a file whose path leaves its folder; it was not read."))
            if info.is_dir() or path.parts[0] == "__MACOSX" or path.name.startswith("."):
                continue
            roster_name = _BY_LOWER.get(path.name.lower())
            if roster_name is None:
                continue
            if roster_name in chosen:
                raise _refuse(
                    name, _("The ZIP holds more than one %(file)s; put one roster in each ZIP.") % {"file": roster_name}
                )
            chosen[roster_name] = info
        folders = {str(PurePosixPath(info.filename.replace("\\", "/")).parent) for info in chosen.values()}
        if len(folders) > 1:
            raise _refuse(name, _("The roster's files are in different folders of the ZIP; put them in one."))
        return _read_members(archive, chosen, name)


def _read_members(archive: zipfile.ZipFile, chosen: dict[str, zipfile.ZipInfo], name: str) -> RosterFiles:
    found: RosterFiles = {}
    total = 0
    for roster_name, info in sorted(chosen.items()):
        if info.flag_bits & 0x1:
            raise _refuse(roster_name, _("This file is encrypted in the ZIP; zip the roster without a password."))
        if info.file_size > MAX_FILE_BYTES:
            raise _refuse(roster_name, _too_large())
        # The sizes a ZIP declares are not trusted: read at most the limit, whatever it claims.
        parts: list[bytes] = []
        size = 0
        try:
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    size += len(chunk)
                    total += len(chunk)
                    if size > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
                        raise _refuse(roster_name, _too_large())
                    parts.append(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError):
            raise _refuse(
                roster_name, _("This file is damaged in the ZIP, or packed in a way Staffroom cannot read.")
            ) from None
        found[roster_name] = b"".join(parts)
    return found


def _too_large() -> str:
    return _("Too large: a roster file may be at most %(file)d MB, and all of them together %(total)d MB.") % {
        "file": MAX_FILE_BYTES // (1024 * 1024),
        "total": MAX_TOTAL_BYTES // (1024 * 1024),
    }
