"""Rosters for the tests: the public OneRoster samples other projects wrote (../shared/data/oneroster/, read in
place), and small rosters written here, in OneRoster 1.1's own columns (phone numbers and passwords included,
as real exports have them)."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "oneroster"

USER_COLUMNS = [
    "sourcedId",
    "status",
    "dateLastModified",
    "enabledUser",
    "orgSourcedIds",
    "role",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
]
CLASS_COLUMNS = [
    "sourcedId",
    "status",
    "dateLastModified",
    "title",
    "grades",
    "courseSourcedId",
    "classCode",
    "classType",
    "location",
    "schoolSourcedId",
    "termSourcedIds",
    "subjects",
    "subjectCodes",
    "periods",
]
ENROLLMENT_COLUMNS = [
    "sourcedId",
    "status",
    "dateLastModified",
    "classSourcedId",
    "schoolSourcedId",
    "userSourcedId",
    "role",
    "primary",
    "beginDate",
    "endDate",
]
ORG_COLUMNS = ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"]


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.is_dir():
        pytest.skip(f"the public OneRoster samples are not at {SAMPLES}")
    return path


def sample_secrets(name: str) -> set[str]:
    """Every phone number and password in a sample's users.csv (which must never be stored or shown)."""
    with (sample(name) / "users.csv").open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    return {row[column] for row in rows for column in ("sms", "phone", "password") if row.get(column)}


def table(columns: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in columns})
    return out.getvalue()


def manifest(**modes: str) -> str:
    files = {"orgs": "bulk", "users": "bulk", "classes": "bulk", "enrollments": "bulk", "academicSessions": "absent"}
    files.update(modes)
    lines = ["propertyName,value", "manifest.version,1.0", "oneroster.version,1.1"]
    lines += [f"file.{name},{mode}" for name, mode in files.items()]
    return "\r\n".join(lines) + "\r\n"


def user(sourced_id: str, role: str = "student", *, given: str = "", family: str = "", **fields: str) -> dict[str, str]:
    return {
        "sourcedId": sourced_id,
        "status": "active",
        "dateLastModified": "2025-09-01T08:00:00.000Z",
        "enabledUser": "true",
        "orgSourcedIds": "org-hill",
        "role": role,
        "username": sourced_id,
        "givenName": given or sourced_id.title(),
        "familyName": family or "Roster",
        "email": f"{sourced_id}@hill.example",
        "sms": "07700900123",
        "phone": "01632960001",
        "password": "Letmein-2025",
        **fields,
    }


def school_class(sourced_id: str, title: str, **fields: str) -> dict[str, str]:
    return {"sourcedId": sourced_id, "status": "active", "title": title, "schoolSourcedId": "org-hill",
            "classCode": "", "classType": "scheduled", "courseSourcedId": "crs-1", **fields}  # fmt: skip


def enrollment(class_id: str, user_id: str, role: str = "student", **fields: str) -> dict[str, str]:
    return {"sourcedId": f"enr-{class_id}-{user_id}", "status": "active", "classSourcedId": class_id,
            "schoolSourcedId": "org-hill", "userSourcedId": user_id, "role": role, "primary": "false",
            "beginDate": "2025-09-01", "endDate": "2026-07-22", **fields}  # fmt: skip


HILL = {"sourcedId": "org-hill", "status": "active", "name": "Hill Academy", "type": "school"}


def roster(
    users: list[dict[str, str]] | None = None,
    classes: list[dict[str, str]] | None = None,
    enrollments: list[dict[str, str]] | None = None,
    orgs: list[dict[str, str]] | None = None,
    **replace: str | bytes | None,
) -> dict[str, bytes]:
    """A small OneRoster 1.1 roster as file name -> bytes: Hill Academy, a teacher and two pupils in one class,
    unless told otherwise. `replace` swaps a file's text (`users_csv="..."`; None leaves the file out)."""
    users = users if users is not None else [
        user("t-ada", "teacher", given="Ada", family="Lovelace"),
        user("p-ben", given="Ben", family="Okafor"),
        user("p-cal", given="Cal", family="Singh"),
    ]  # fmt: skip
    classes = classes if classes is not None else [school_class("c-9x", "9X Science")]
    enrollments = enrollments if enrollments is not None else [
        enrollment("c-9x", "t-ada", "teacher"), enrollment("c-9x", "p-ben"), enrollment("c-9x", "p-cal"),
    ]  # fmt: skip
    files: dict[str, str | bytes | None] = {
        "manifest.csv": manifest(),
        "orgs.csv": table(ORG_COLUMNS, orgs if orgs is not None else [HILL]),
        "users.csv": table(USER_COLUMNS, users),
        "classes.csv": table(CLASS_COLUMNS, classes),
        "enrollments.csv": table(ENROLLMENT_COLUMNS, enrollments),
    }
    files.update({name.removesuffix("_csv") + ".csv": text for name, text in replace.items()})
    return {name: text.encode() if isinstance(text, str) else text for name, text in files.items() if text is not None}


def write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def zipped(files: dict[str, bytes], *, folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(f"{folder}{name}", data)
    return buffer.getvalue()
