"""Reading a OneRoster 1.1 CSV roster into plain records, with everything wrong in it by file and line.

The parser reads only the columns the import uses, by their names in the header (in any order):

  manifest.csv          propertyName, value
  orgs.csv              sourcedId, status, dateLastModified, name, type, parentSourcedId
  users.csv             sourcedId, status, dateLastModified, enabledUser, orgSourcedIds, role, username,
                        givenName, familyName, email
  classes.csv           sourcedId, status, dateLastModified, title, classCode, schoolSourcedId
  enrollments.csv       sourcedId, status, dateLastModified, classSourcedId, userSourcedId, role, beginDate,
                        endDate
  academicSessions.csv  sourcedId, status, dateLastModified, title, type, startDate, endDate (checked only)

Every other column (`sms`, `phone` and `password` among them, and extension columns such as `metadata.*` or
`ext_*`) is never looked at: its cells are not copied into any record, message or log (DESIGN.md invariant 3).
Other files (courses, demographics, results...) are never opened.

Parents, guardians and relatives are not Staffroom users: their rows are skipped (and said so), and so are their
enrollments. Whether a reference is known is checked here when the file it points into is complete (`bulk` in
the manifest); references into a `delta` file, or one the manifest says is absent, are the planner's to find in
Staffroom.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from staffroom.accounts.models import ROSTER_ID_MAX, Role
from staffroom.rosters.problems import Problem

MANIFEST, ORGS, USERS, CLASSES, ENROLLMENTS, SESSIONS = (
    "manifest.csv",
    "orgs.csv",
    "users.csv",
    "classes.csv",
    "enrollments.csv",
    "academicSessions.csv",
)
# The manifest's name for each data file (`file.users`), in the order they are read.
DATA_FILES = {
    ORGS: "orgs",
    USERS: "users",
    CLASSES: "classes",
    ENROLLMENTS: "enrollments",
    SESSIONS: "academicSessions",
}
BULK, DELTA, ABSENT = "bulk", "delta", "absent"
VERSIONS = ("1.0", "1.1", "1.2")

# OneRoster role -> Staffroom role; None: not a Staffroom user (skipped). Conservative on purpose: a roster
# never makes anyone a headteacher, DSL, DPO or IT admin (they manage people, or see what others cannot);
# administrators and the like come in as support staff, and an admin gives them more by hand.
ROLE_FOR: dict[str, Role | None] = {
    "teacher": Role.TEACHER,
    "student": Role.PUPIL,
    "aide": Role.TEACHING_ASSISTANT,
    "administrator": Role.SUPPORT_STAFF,
    "proctor": Role.SUPPORT_STAFF,
    # OneRoster 1.2's extra roles.
    "counselor": Role.SUPPORT_STAFF,
    "principal": Role.SUPPORT_STAFF,
    "siteadministrator": Role.SUPPORT_STAFF,
    "districtadministrator": Role.SUPPORT_STAFF,
    "systemadministrator": Role.SUPPORT_STAFF,
    "parent": None,
    "guardian": None,
    "relative": None,
}
# An enrollment makes someone a pupil of the class, or one of its staff.
PUPIL, STAFF = "pupil", "staff"
ENROLLED_AS: dict[str, str | None] = {
    "student": PUPIL,
    "teacher": STAFF,
    "aide": STAFF,
    "administrator": STAFF,
    "proctor": STAFF,
    "parent": None,
    "guardian": None,
    "relative": None,
}
SCHOOL, DEPARTMENT = "school", "department"
ORG_TYPES = (SCHOOL, DEPARTMENT, "district", "local", "state", "national")
STATUSES = {"": True, "active": True, "tobedeleted": False, "inactive": False}  # inactive: OneRoster 1.0
BOOLEANS = {"": True, "true": True, "false": False}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Org:
    sourced_id: str
    line: int
    name: str
    type: str
    parent_id: str
    active: bool


@dataclass(frozen=True)
class User:
    sourced_id: str
    line: int
    role: str  # a Staffroom Role value
    roster_role: str
    given_name: str
    family_name: str
    username: str
    email: str
    org_ids: tuple[str, ...]
    active: bool  # status is not tobedeleted
    enabled: bool  # enabledUser

    @property
    def keeps_access(self) -> bool:
        return self.active and self.enabled


@dataclass(frozen=True)
class RosterClass:
    sourced_id: str
    line: int
    title: str
    class_code: str
    school_org_id: str
    active: bool


@dataclass(frozen=True)
class Enrollment:
    sourced_id: str
    line: int
    class_id: str
    user_id: str
    enrolled_as: str  # PUPIL or STAFF
    roster_role: str
    active: bool


@dataclass
class Roster:
    """What a roster says, as plain records, and what is wrong with it."""

    modes: dict[str, str] = field(default_factory=dict)  # "users.csv" -> bulk, delta or absent
    orgs: list[Org] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    classes: list[RosterClass] = field(default_factory=list)
    enrollments: list[Enrollment] = field(default_factory=list)
    # Org sourcedId -> the sourcedId of the org that is its school (itself, for a school); None: above schools.
    school_of: dict[str, str | None] = field(default_factory=dict)
    # Users who are not Staffroom users (parents...), and every user row's sourcedId (for bulk deactivation).
    skipped: list[Problem] = field(default_factory=list)
    user_ids: list[str] = field(default_factory=list)
    skipped_user_ids: list[str] = field(default_factory=list)
    skipped_enrollments: int = 0
    sessions: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def mode(self, name: str) -> str:
        return self.modes.get(name, ABSENT)

    def error(self, file: str, line: int | None, message: str) -> None:
        self.errors.append(Problem(file, line, message))

    def warn(self, file: str, line: int | None, message: str) -> None:
        self.warnings.append(Problem(file, line, message))

    # --- to carry a checked roster from the dry run to the confirmation (rosters/sealed.py) ---------------

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Roster:
        def problems(key: str) -> list[Problem]:
            return [Problem(**p) for p in data[key]]

        return cls(
            modes=dict(data["modes"]),
            orgs=[Org(**o) for o in data["orgs"]],
            users=[User(**{**u, "org_ids": tuple(u["org_ids"])}) for u in data["users"]],
            classes=[RosterClass(**c) for c in data["classes"]],
            enrollments=[Enrollment(**e) for e in data["enrollments"]],
            school_of=dict(data["school_of"]),
            skipped=problems("skipped"),
            user_ids=list(data["user_ids"]),
            skipped_user_ids=list(data["skipped_user_ids"]),
            skipped_enrollments=int(data["skipped_enrollments"]),
            sessions=int(data["sessions"]),
            errors=problems("errors"),
            warnings=problems("warnings"),
        )


def parse(files: Mapping[str, bytes]) -> Roster:
    """Read the roster's files (name -> bytes, as rosters/files.py gives them)."""
    roster = Roster()
    _read_manifest(files, roster)
    if roster.errors:
        return roster
    for name in DATA_FILES:
        if roster.mode(name) != ABSENT:
            _READERS[name](_Table(name, files[name], roster), roster)
    _resolve_schools(roster)
    _check_references(roster)
    return roster


# --- reading a CSV file -----------------------------------------------------------------------------------


class _Table:
    """One CSV file: its header checked, then its rows as {column: value} for the columns asked for only."""

    def __init__(self, name: str, data: bytes, roster: Roster) -> None:
        self.name = name
        self.roster = roster
        self.text: str | None = None
        if b"\x00" in data:
            roster.error(name, None, _("This is not a CSV file (it holds binary data). Export the roster as CSV."))
            return
        try:
            self.text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            roster.error(name, None, _("This file is not in UTF-8. Export or save it as CSV UTF-8 and try again."))

    def rows(self, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> Iterator[tuple[int, dict[str, str]]]:
        if self.text is None:
            return
        reader = csv.reader(io.StringIO(self.text, newline=""))
        try:
            header = [column.strip() for column in next(reader)]
        except StopIteration:
            self.roster.error(self.name, None, _("This file is empty; it needs at least its header line."))
            return
        except csv.Error as error:
            self.roster.error(self.name, 1, _("This line is not valid CSV (%(error)s).") % {"error": error})
            return
        missing = [column for column in required if column not in header]
        if missing:
            self.roster.error(
                self.name, 1, _("Required column missing: %(columns)s.") % {"columns": ", ".join(missing)}
            )
            return
        repeated = sorted({column for column in header if column and header.count(column) > 1})
        if repeated:
            self.roster.error(self.name, 1, _("Column named twice: %(columns)s.") % {"columns": ", ".join(repeated)})
            return
        wanted = {column: header.index(column) for column in (*required, *optional) if column in header}
        while True:
            line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                self.roster.error(
                    self.name,
                    line,
                    _("This line is not valid CSV (%(error)s); the rest was not read.") % {"error": error},
                )
                return
            if not any(value.strip() for value in row):
                continue
            if len(row) != len(header):
                self.roster.error(
                    self.name,
                    line,
                    _("This line has %(values)d values but the header has %(columns)d columns.")
                    % {"values": len(row), "columns": len(header)},
                )
                continue
            yield line, {column: row[index].strip() for column, index in wanted.items()}


class _Seen:
    """sourcedIds of one file: each must be there once."""

    def __init__(self, table: _Table) -> None:
        self.table = table
        self.lines: dict[str, int] = {}

    def first(self, sourced_id: str, line: int) -> bool:
        """True when `sourced_id` is usable and new; otherwise the error is recorded."""
        roster, name = self.table.roster, self.table.name
        if not sourced_id:
            roster.error(name, line, _("sourcedId is empty."))
            return False
        if len(sourced_id) > ROSTER_ID_MAX:
            roster.error(name, line, _("sourcedId is longer than %(n)d characters.") % {"n": ROSTER_ID_MAX})
            return False
        if sourced_id in self.lines:
            roster.error(
                name,
                line,
                _("sourcedId %(id)s is also on line %(line)d.") % {"id": sourced_id, "line": self.lines[sourced_id]},
            )
            return False
        self.lines[sourced_id] = line
        return True


def _status(table: _Table, line: int, row: dict[str, str]) -> bool | None:
    """True for active (or no status, as bulk files may leave it), False for tobedeleted; None if unknown."""
    value = row.get("status", "").lower()
    if value not in STATUSES:
        table.roster.error(
            table.name, line, _("status %(value)s is not active or tobedeleted.") % {"value": repr(row["status"])}
        )
        return None
    modified = row.get("dateLastModified", "")
    if modified and _datetime(modified) is None:
        table.roster.error(
            table.name, line, _("dateLastModified %(value)s is not a date and time.") % {"value": repr(modified[:40])}
        )
        return None
    return STATUSES[value]


def _datetime(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _dates(table: _Table, line: int, row: dict[str, str], columns: tuple[str, ...], required: bool) -> bool:
    """Check the date columns (YYYY-MM-DD); False (with the error recorded) when one is not a date."""
    ok = True
    for column in columns:
        value = row.get(column, "")
        if not value and not required:
            continue
        try:
            if not _DATE.fullmatch(value):
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            table.roster.error(
                table.name,
                line,
                _("%(column)s %(value)s is not a date (YYYY-MM-DD).") % {"column": column, "value": repr(value[:40])},
            )
            ok = False
    return ok


def _ids(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


# --- the files ------------------------------------------------------------------------------------------


def _read_manifest(files: Mapping[str, bytes], roster: Roster) -> None:
    if MANIFEST not in files:
        roster.error(
            MANIFEST, None,
            _("There is no manifest.csv. OneRoster needs it: it says which files hold everyone (bulk) and which "
              "hold only changes (delta), and so whether someone missing from users.csv has left."),
        )  # fmt: skip
        return
    table = _Table(MANIFEST, files[MANIFEST], roster)
    properties: dict[str, tuple[int | None, str]] = {}
    for line, row in table.rows(("propertyName", "value")):
        name = row["propertyName"]
        if name in properties:
            roster.error(
                MANIFEST, line, _("%(name)s is also on line %(line)s.") % {"name": name, "line": properties[name][0]}
            )
            continue
        properties[name] = (line, row["value"])
    if roster.errors:
        return
    version_line, version = properties.get("oneroster.version", (None, ""))
    if version and version not in VERSIONS:
        roster.error(
            MANIFEST,
            version_line,
            _("oneroster.version %(version)s: this import reads 1.1 (and 1.0, 1.2).") % {"version": repr(version[:20])},
        )
    for name, manifest_name in DATA_FILES.items():
        at, mode = properties.get(f"file.{manifest_name}", (None, ""))
        mode = mode.lower()
        if at is None:
            if name in files:
                roster.error(
                    MANIFEST,
                    None,
                    _("There is no file.%(entry)s line, but %(file)s is there.")
                    % {"entry": manifest_name, "file": name},
                )
            mode = ABSENT
        elif mode not in (BULK, DELTA, ABSENT):
            roster.error(MANIFEST, at, _("file.%(entry)s must be bulk, delta or absent.") % {"entry": manifest_name})
            continue
        if mode != ABSENT and name not in files:
            roster.error(
                MANIFEST,
                at,
                _("file.%(entry)s is %(mode)s, but there is no %(file)s.")
                % {"entry": manifest_name, "mode": mode, "file": name},
            )
        if mode == ABSENT and name in files:
            roster.warn(
                name,
                None,
                _("manifest.csv says file.%(entry)s is absent, so %(file)s was not read.")
                % {"entry": manifest_name, "file": name},
            )
        roster.modes[name] = mode


def _read_orgs(table: _Table, roster: Roster) -> None:
    seen = _Seen(table)
    optional = ("status", "dateLastModified", "parentSourcedId")
    for line, row in table.rows(("sourcedId", "name", "type"), optional):
        active = _status(table, line, row)
        if not seen.first(row["sourcedId"], line) or active is None:
            continue
        org_type = row["type"].lower()
        if org_type not in ORG_TYPES:
            roster.error(
                ORGS,
                line,
                _("type %(value)s is not one of: %(types)s.")
                % {"value": repr(row["type"][:40]), "types": ", ".join(ORG_TYPES)},
            )
            continue
        if not row["name"]:
            roster.error(ORGS, line, _("name is empty."))
            continue
        roster.orgs.append(Org(row["sourcedId"], line, row["name"], org_type, row.get("parentSourcedId", ""), active))


def _read_users(table: _Table, roster: Roster) -> None:
    seen = _Seen(table)
    required = ("sourcedId", "orgSourcedIds", "role", "givenName", "familyName")
    optional = ("status", "dateLastModified", "enabledUser", "username", "email")
    for line, row in table.rows(required, optional):
        sourced_id = row["sourcedId"]
        if not seen.first(sourced_id, line):
            continue
        roster.user_ids.append(sourced_id)
        roster_role = row["role"]
        if roster_role.lower() not in ROLE_FOR:
            roster.error(USERS, line, _("role %(value)s is not a OneRoster role.") % {"value": repr(roster_role[:40])})
            continue
        role = ROLE_FOR[roster_role.lower()]
        if role is None:
            # Read no further: nothing about a parent (their email, their phone) is kept.
            roster.skipped.append(
                Problem(USERS, line, _("%(id)s is a %(role)s: parents and guardians have no Staffroom account, so "
                                       "this line was skipped.") % {"id": sourced_id, "role": roster_role.lower()})
            )  # fmt: skip
            roster.skipped_user_ids.append(sourced_id)
            continue
        active = _status(table, line, row)
        enabled = BOOLEANS.get(row.get("enabledUser", "").lower())
        if enabled is None:
            roster.error(
                USERS, line, _("enabledUser %(value)s is not true or false.") % {"value": repr(row["enabledUser"][:20])}
            )
        if not (row["givenName"] or row["familyName"]):
            roster.error(USERS, line, _("givenName and familyName are both empty."))
            continue
        email = row.get("email", "").lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                roster.error(USERS, line, _("email %(value)s is not an email address.") % {"value": repr(email[:80])})
                continue
        if active is None or enabled is None:
            continue
        roster.users.append(
            User(
                sourced_id=sourced_id,
                line=line,
                role=role.value,
                roster_role=roster_role.lower(),
                given_name=row["givenName"],
                family_name=row["familyName"],
                username=row.get("username", ""),
                email=email,
                org_ids=_ids(row["orgSourcedIds"]),
                active=active,
                enabled=enabled,
            )
        )


def _read_classes(table: _Table, roster: Roster) -> None:
    seen = _Seen(table)
    optional = ("status", "dateLastModified", "classCode")
    for line, row in table.rows(("sourcedId", "title", "schoolSourcedId"), optional):
        active = _status(table, line, row)
        if not seen.first(row["sourcedId"], line) or active is None:
            continue
        if not row["title"]:
            roster.error(CLASSES, line, _("title is empty."))
            continue
        if not row["schoolSourcedId"]:
            roster.error(CLASSES, line, _("schoolSourcedId is empty."))
            continue
        roster.classes.append(
            RosterClass(row["sourcedId"], line, row["title"], row.get("classCode", ""), row["schoolSourcedId"], active)
        )


def _read_enrollments(table: _Table, roster: Roster) -> None:
    seen = _Seen(table)
    required = ("sourcedId", "classSourcedId", "userSourcedId", "role")
    optional = ("status", "dateLastModified", "beginDate", "endDate")
    skipped_users = set(roster.skipped_user_ids)
    for line, row in table.rows(required, optional):
        active = _status(table, line, row)
        dated = _dates(table, line, row, ("beginDate", "endDate"), required=False)
        if not seen.first(row["sourcedId"], line) or active is None or not dated:
            continue
        roster_role = row["role"].lower()
        if roster_role not in ENROLLED_AS:
            roster.error(
                ENROLLMENTS,
                line,
                _("role %(value)s is not a OneRoster enrollment role.") % {"value": repr(row["role"][:40])},
            )
            continue
        enrolled_as = ENROLLED_AS[roster_role]
        if enrolled_as is None or row["userSourcedId"] in skipped_users:
            roster.skipped_enrollments += 1
            continue
        for column in ("classSourcedId", "userSourcedId"):
            if not row[column]:
                roster.error(ENROLLMENTS, line, _("%(column)s is empty.") % {"column": column})
        if row["classSourcedId"] and row["userSourcedId"]:
            roster.enrollments.append(
                Enrollment(
                    row["sourcedId"],
                    line,
                    row["classSourcedId"],
                    row["userSourcedId"],
                    enrolled_as,
                    roster_role,
                    active,
                )
            )


def _read_sessions(table: _Table, roster: Roster) -> None:
    """Terms are not used, but a roster with broken dates is not trusted for the rest either."""
    seen = _Seen(table)
    required = ("sourcedId", "title", "type", "startDate", "endDate")
    for line, row in table.rows(required, ("status", "dateLastModified")):
        active = _status(table, line, row)
        dated = _dates(table, line, row, ("startDate", "endDate"), required=True)
        if seen.first(row["sourcedId"], line) and active is not None and dated:
            roster.sessions += 1


_READERS = {
    ORGS: _read_orgs,
    USERS: _read_users,
    CLASSES: _read_classes,
    ENROLLMENTS: _read_enrollments,
    SESSIONS: _read_sessions,
}


# --- what refers to what --------------------------------------------------------------------------------


def _resolve_schools(roster: Roster) -> None:
    """Which school each org is, or belongs to. A department belongs to the school above it; one whose school
    is not in orgs.csv stands in for a school itself (the file names no other), and the import says so."""
    by_id = {org.sourced_id: org for org in roster.orgs}

    def school_of(org: Org, visited: frozenset[str]) -> str | None:
        if org.type == SCHOOL:
            return org.sourced_id
        if org.type != DEPARTMENT:
            return None
        parent = by_id.get(org.parent_id)
        if parent is not None and parent.sourced_id not in visited:
            found = school_of(parent, visited | {org.sourced_id})
            if found is not None:
                return found
        return None

    for org in roster.orgs:
        key = school_of(org, frozenset())
        if key is None and org.type == DEPARTMENT:
            key = org.sourced_id
            roster.warn(
                ORGS, org.line,
                _("%(id)s is a department and orgs.csv has no school above it, so it is imported as a school of "
                  "its own.") % {"id": org.sourced_id},
            )  # fmt: skip
        roster.school_of[org.sourced_id] = key


def _check_references(roster: Roster) -> None:
    """References into complete (bulk) files must be found there; the planner looks for the rest."""
    if roster.mode(ORGS) == BULK:
        for user in roster.users:
            unknown = [org_id for org_id in user.org_ids if org_id not in roster.school_of]
            if unknown:
                roster.error(
                    USERS, user.line, _("orgSourcedIds names %(ids)s, not in orgs.csv.") % {"ids": ", ".join(unknown)}
                )
        for school_class in roster.classes:
            if school_class.school_org_id not in roster.school_of:
                roster.error(
                    CLASSES,
                    school_class.line,
                    _("schoolSourcedId %(id)s is not in orgs.csv.") % {"id": school_class.school_org_id},
                )
            elif roster.school_of[school_class.school_org_id] is None:
                roster.error(
                    CLASSES, school_class.line,
                    _("schoolSourcedId %(id)s is not a school (nor a department of one).")
                    % {"id": school_class.school_org_id},
                )  # fmt: skip
    class_ids = {c.sourced_id for c in roster.classes}
    user_ids = set(roster.user_ids)
    for enrollment in roster.enrollments:
        if roster.mode(CLASSES) == BULK and enrollment.class_id not in class_ids:
            roster.error(
                ENROLLMENTS,
                enrollment.line,
                _("classSourcedId %(id)s is not in classes.csv.") % {"id": enrollment.class_id},
            )
        if roster.mode(USERS) == BULK and enrollment.user_id not in user_ids:
            roster.error(
                ENROLLMENTS,
                enrollment.line,
                _("userSourcedId %(id)s is not in users.csv.") % {"id": enrollment.user_id},
            )
