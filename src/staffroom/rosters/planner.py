"""Comparing a parsed roster with Staffroom: the plan of what an import would change, or why it cannot.

The planner only reads. It matches what the roster names to what Staffroom has:
- a school by its roster identifier (an org's `sourcedId`), else, the first time, by its name;
- a person by their roster identifier, else, the first time, by their sign-in address (linking someone added by
  hand to the roster; from then on the roster keeps them);
- a class by its roster identifier, else, the first time, by its name at its school.
and makes one step per change, each carrying the file line it comes from, so that an action refusing it while
the plan is applied is reported against that line too.

What the roster owns, and so changes: the people, schools and classes with a roster identifier; a person's name,
school and roster role (teacher, teaching assistant, support staff or pupil: roles given by hand, such as DSL,
are kept); who is in a class and its channels. What it never does: deactivate or take out of a class someone
added by hand (no roster identifier), change anyone's sign-in address, make anyone a headteacher, DSL, DPO or
IT admin, or reactivate someone an admin deactivated.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from django.utils.translation import gettext as _

from staffroom.accounts.actions.people import MAX_NAME
from staffroom.accounts.actions.schools import MAX_CLASS_NAME, MAX_SCHOOL_NAME
from staffroom.accounts.models import CLASS_STAFF_ROLES, Organisation, Person, Role, School, SchoolClass
from staffroom.errors import Invalid
from staffroom.rosters import queries
from staffroom.rosters.parser import (
    ABSENT,
    BULK,
    CLASSES,
    ENROLLMENTS,
    ORGS,
    PUPIL,
    STAFF,
    USERS,
    Roster,
    RosterClass,
    User,
)
from staffroom.rosters.problems import Problem
from staffroom.text import clean as clean_text

ADD, UPDATE, REACTIVATE, DEACTIVATE = "add", "update", "reactivate", "deactivate"
# The roles a roster gives (parser.ROLE_FOR); any other role a person holds was given by hand and is kept.
ROSTER_ROLES: Final = frozenset({Role.TEACHER, Role.TEACHING_ASSISTANT, Role.SUPPORT_STAFF, Role.PUPIL})
NOT_IN_ROSTER = "Not in the roster any more"
REMOVED_IN_ROSTER = "Marked to be deleted in the roster"
DISABLED_IN_ROSTER = "Disabled in the roster"
_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def clean_email_domain(value: str) -> str:
    """The domain at which people the roster gives no email sign in (their username @ it); empty for none."""
    domain = (value or "").strip().lower().removeprefix("@")
    if domain and not _DOMAIN.fullmatch(domain):
        raise Invalid("email_domain", _("Give a domain name such as school.example.org, or leave it empty."))
    return domain


@dataclass
class SchoolStep:
    key: str  # the org's sourcedId
    name: str
    line: int
    school_id: int | None = None  # None: a school to add
    changed: tuple[str, ...] = ()  # for one that exists: "name", "roster_id"


@dataclass
class PersonStep:
    kind: str  # ADD, UPDATE, REACTIVATE or DEACTIVATE
    name: str
    line: int | None  # users.csv line; None for someone no longer in a complete users.csv
    roster_id: str
    person_id: int | None = None
    email: str = ""
    school_key: str | None = None
    roles: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()  # for UPDATE: "name", "school", "roles", "roster_id"
    reason: str = ""


@dataclass
class ClassStep:
    key: str  # the class's sourcedId
    name: str
    line: int
    school_key: str
    class_id: int | None = None  # None: a class to add
    changed: tuple[str, ...] = ()  # for one that exists: "name", "roster_id"


@dataclass
class ClassListStep:
    """Who joins and leaves one class (and so its channels); people to join by roster identifier (some are
    added by this import), people to leave by id."""

    key: str
    name: str
    line: int | None
    class_id: int | None
    enrol: list[str] = field(default_factory=list)
    assign: list[str] = field(default_factory=list)
    unenrol: list[int] = field(default_factory=list)
    unassign: list[int] = field(default_factory=list)
    open_channel: bool = False

    @property
    def changes(self) -> bool:
        return bool(self.enrol or self.assign or self.unenrol or self.unassign or self.open_channel)


@dataclass
class Plan:
    organisation_id: int
    schools: list[SchoolStep] = field(default_factory=list)
    people: list[PersonStep] = field(default_factory=list)
    classes: list[ClassStep] = field(default_factory=list)
    class_lists: list[ClassListStep] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    skipped_enrollments: int = 0

    def people_to(self, kind: str) -> list[PersonStep]:
        return [step for step in self.people if step.kind == kind]

    @property
    def changes(self) -> bool:
        return bool(self.schools or self.people or self.classes or self.class_lists)

    def digest(self) -> str:
        """Fingerprint of the changes, to tell whether the plan someone confirmed is still the plan."""
        steps = [
            [asdict(step) for step in steps] for steps in (self.schools, self.people, self.classes, self.class_lists)
        ]
        return hashlib.sha256(json.dumps(steps, sort_keys=True).encode()).hexdigest()

    def counts(self) -> dict[str, Any]:
        """The figures the command prints and the console shows (DESIGN.md: created, updated, deactivated,
        classes, errors; the rest are added)."""
        return {
            "created": len(self.people_to(ADD)),
            "updated": len(self.people_to(UPDATE)),
            "deactivated": len(self.people_to(DEACTIVATE)),
            "reactivated": len(self.people_to(REACTIVATE)),
            "classes": len({s.key for s in self.classes} | {s.key for s in self.class_lists}),
            "schools": len(self.schools),
            "skipped": len(self.skipped),
            "skipped_enrollments": self.skipped_enrollments,
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
        }


def plan(roster: Roster, organisation: Organisation, *, email_domain: str = "") -> Plan:
    """What importing `roster` into `organisation` would change. `email_domain`: the sign-in address of someone
    the roster gives no email is their username at this domain (no domain: they are skipped)."""
    result = Plan(
        organisation.pk,
        errors=list(roster.errors),
        warnings=list(roster.warnings),
        skipped=list(roster.skipped),
        skipped_enrollments=roster.skipped_enrollments,
    )
    if not roster.errors:
        _Planner(roster, organisation, clean_email_domain(email_domain), result).run()
    if result.errors:
        result.schools, result.people, result.classes, result.class_lists = [], [], [], []
    return result


@dataclass
class _Final:
    """A person as they will be once the plan is applied."""

    person_id: int | None
    active: bool
    roles: frozenset[str]
    name: str

    @property
    def is_pupil(self) -> bool:
        return Role.PUPIL in self.roles

    @property
    def may_teach(self) -> bool:
        return any(role in CLASS_STAFF_ROLES for role in self.roles)


_MISSING = object()


class _Planner:
    def __init__(self, roster: Roster, organisation: Organisation, email_domain: str, result: Plan) -> None:
        self.roster = roster
        self.organisation = organisation
        self.email_domain = email_domain
        self.plan = result
        schools = queries.schools(organisation)
        self.schools_by_roster = {s.roster_id: s for s in schools if s.roster_id}
        self.schools_by_name = {s.name: s for s in schools}
        # Org sourcedId (of a school) -> the school's id; None for one this import adds.
        self.school_ids: dict[str, int | None] = {}
        self.people_by_roster = queries.roster_people(organisation)
        self.final: dict[str, _Final] = {}
        self.leaving: set[int] = set()
        self.class_ids: dict[str, int | None] = {}
        self.class_names: dict[str, str] = {}
        self.removed_classes: set[str] = set()

    def error(self, file: str, line: int | None, message: str) -> None:
        self.plan.errors.append(Problem(file, line, message))

    def warn(self, file: str, line: int | None, message: str) -> None:
        self.plan.warnings.append(Problem(file, line, message))

    def run(self) -> None:
        self._schools()
        if self.roster.mode(USERS) != ABSENT:
            self._people()
        if self.roster.mode(CLASSES) != ABSENT:
            self._classes()
        if self.roster.mode(ENROLLMENTS) != ABSENT:
            self._class_lists()
        # Leavers go last, after the classes they may still be in have been seen to.
        self.plan.people.sort(key=lambda step: step.kind == DEACTIVATE)

    # --- schools ----------------------------------------------------------------------------------------

    def _schools(self) -> None:
        for org in self.roster.orgs:
            if self.roster.school_of.get(org.sourced_id) != org.sourced_id:
                continue  # a department of a school, or something above schools
            name = clean_text(org.name)
            if len(name) > MAX_SCHOOL_NAME:
                self.error(ORGS, org.line, _("name is longer than %(n)d characters.") % {"n": MAX_SCHOOL_NAME})
                continue
            existing = self.schools_by_roster.get(org.sourced_id)
            if existing is not None:
                self.school_ids[org.sourced_id] = existing.pk
                if existing.name != name and org.active:
                    if self._school_name_taken(name, existing):
                        self.error(
                            ORGS, org.line, _("Staffroom already has another school called %(name)s.") % {"name": name}
                        )
                        continue
                    self.plan.schools.append(SchoolStep(org.sourced_id, name, org.line, existing.pk, ("name",)))
                continue
            if not org.active:
                continue  # a school the roster is removing, which Staffroom never had
            by_name = self.schools_by_name.get(name)
            if by_name is not None and by_name.roster_id:
                self.error(
                    ORGS,
                    org.line,
                    _("Staffroom's school %(name)s belongs to another org of the roster.") % {"name": name},
                )
            elif by_name is not None:
                self.school_ids[org.sourced_id] = by_name.pk
                self.plan.schools.append(SchoolStep(org.sourced_id, name, org.line, by_name.pk, ("roster_id",)))
            elif any(step.name == name for step in self.plan.schools):
                self.error(ORGS, org.line, _("Another org of orgs.csv is also called %(name)s.") % {"name": name})
            else:
                self.school_ids[org.sourced_id] = None
                self.plan.schools.append(SchoolStep(org.sourced_id, name, org.line))

    def _school_name_taken(self, name: str, school: School) -> bool:
        other = self.schools_by_name.get(name)
        return (other is not None and other.pk != school.pk) or any(s.name == name for s in self.plan.schools)

    def _school_key(self, org_id: str) -> Any:
        """The school key (an org's sourcedId) an org is or belongs to; None: above schools; _MISSING: unknown."""
        if org_id in self.roster.school_of:
            key = self.roster.school_of[org_id]
            if key is not None and key not in self.school_ids:
                return _MISSING  # a school the roster removes, which Staffroom does not have
            return key
        if org_id in self.schools_by_roster:
            self.school_ids.setdefault(org_id, self.schools_by_roster[org_id].pk)
            return org_id
        return _MISSING

    # --- people -----------------------------------------------------------------------------------------

    def _address(self, user: User) -> str:
        if user.email or not (self.email_domain and user.username):
            return user.email
        return f"{user.username}@{self.email_domain}".lower()

    def _people(self) -> None:
        users = self.roster.users
        addresses = {self._address(u) for u in users} - {""}
        by_address = queries.people_signing_in_as(addresses)
        roster_ids = {u.sourced_id for u in users}
        taken_by: dict[str, int] = {}
        for user in users:
            address = self._address(user)
            person = self.people_by_roster.get(user.sourced_id)
            if person is None and address:
                match = by_address.get(address)
                if match is not None and match.organisation_id != self.organisation.pk:
                    self.error(USERS, user.line, _("Someone already signs in to Staffroom with this address."))
                    continue
                if match is not None and match.roster_id and match.roster_id != user.sourced_id:
                    in_file = match.roster_id in roster_ids
                    self.error(
                        USERS, user.line,
                        (_("Staffroom's %(name)s signs in with this address and is %(id)s in the roster.")
                         if in_file else
                         _("Staffroom's %(name)s signs in with this address and is %(id)s in the roster (not in this "
                           "users.csv).")) % {"name": match.name, "id": match.roster_id},
                    )  # fmt: skip
                    continue
                person = match
            if address in taken_by:
                self.error(
                    USERS,
                    user.line,
                    _("email %(address)s is also on line %(line)d.") % {"address": address, "line": taken_by[address]},
                )
                continue
            if address:
                taken_by[address] = user.line
            self._person(user, person, address)
        if self.roster.mode(USERS) == BULK:
            self._leavers(roster_ids)

    def _person(self, user: User, person: Person | None, address: str) -> None:
        keys = [self._school_key(org_id) for org_id in user.org_ids]
        unknown = [org_id for org_id, key in zip(user.org_ids, keys, strict=True) if key is _MISSING]
        if unknown:
            self.error(
                USERS,
                user.line,
                _("orgSourcedIds names %(ids)s: not a school in orgs.csv nor in Staffroom.")
                % {"ids": ", ".join(unknown)},
            )
            return
        school_key = next((key for key in keys if key is not None), None)
        if user.role == Role.PUPIL and school_key is None:
            self.error(USERS, user.line, _("A pupil belongs to a school, and none of orgSourcedIds is one."))
            return
        name = clean_text(f"{user.given_name} {user.family_name}")
        if len(name) > MAX_NAME:
            self.error(USERS, user.line, _("The name is longer than %(n)d characters.") % {"n": MAX_NAME})
            return
        if person is None:
            self._starter(user, name, address, school_key)
        elif not person.roster_id and not user.keeps_access:
            self.warn(
                USERS,
                user.line,
                _("%(name)s was added by hand, so the roster does not deactivate them.") % {"name": person.name},
            )
        elif not user.keeps_access:
            self.final[user.sourced_id] = _Final(person.pk, False, frozenset(person.role_codes), person.name)
            if person.is_active:
                reason = DISABLED_IN_ROSTER if user.active else REMOVED_IN_ROSTER
                self.plan.people.append(
                    PersonStep(DEACTIVATE, person.name, user.line, user.sourced_id, person.pk, reason=reason)
                )
                self.leaving.add(person.pk)
        else:
            self._stayer(user, person, name, address, school_key)

    def _starter(self, user: User, name: str, address: str, school_key: str | None) -> None:
        if not user.keeps_access:
            return  # someone the roster has removed, whom Staffroom never had
        if not address:
            self.plan.skipped.append(
                Problem(USERS, user.line, _("%(id)s has no email, so no address to sign in with, and was skipped (an "
                                            "email domain makes one from their username).") % {"id": user.sourced_id})
            )  # fmt: skip
            return
        self.final[user.sourced_id] = _Final(None, True, frozenset({user.role}), name)
        self.plan.people.append(
            PersonStep(ADD, name, user.line, user.sourced_id, email=address, school_key=school_key, roles=(user.role,))
        )

    def _stayer(self, user: User, person: Person, name: str, address: str, school_key: str | None) -> None:
        kept = [r for r in person.role_codes if r not in ROSTER_ROLES]
        if user.role == Role.PUPIL and kept:
            self.error(
                USERS, user.line,
                _("%(name)s is a pupil in the roster but holds staff roles in Staffroom; take those away first.")
                % {"name": person.name},
            )  # fmt: skip
            return
        roles = tuple(sorted({user.role, *kept}))
        changed = []
        if person.roster_id != user.sourced_id:
            changed.append("roster_id")
        if person.name != name:
            changed.append("name")
        if school_key is not None:
            school_id = self.school_ids[school_key]
            if school_id is None or school_id != person.school_id:  # None: a school this import adds
                changed.append("school")
        if roles != tuple(sorted(person.role_codes)):
            changed.append("roles")
        if address and address != person.email.lower():
            self.warn(
                USERS,
                user.line,
                _("%(name)s signs in with another address; the roster does not change it.") % {"name": person.name},
            )
        active = person.is_active
        if changed:
            self.plan.people.append(
                PersonStep(
                    UPDATE, name, user.line, user.sourced_id, person.pk,
                    school_key=school_key, roles=roles, changed=tuple(changed),
                )
            )  # fmt: skip
        if not person.is_active:
            if queries.deactivated_by_roster(person):
                self.plan.people.append(PersonStep(REACTIVATE, name, user.line, user.sourced_id, person.pk))
                active = True
            else:
                self.warn(
                    USERS, user.line,
                    _("%(name)s was deactivated by an admin, so stays so; an admin can reactivate them.")
                    % {"name": person.name},
                )  # fmt: skip
        self.final[user.sourced_id] = _Final(person.pk, active, frozenset(roles), name)

    def _leavers(self, in_file: set[str]) -> None:
        """In a complete users.csv, someone of the schools it covers whom it no longer names has left."""
        covered = {self.school_ids[key] for key in self.school_ids} | {
            self.school_ids.get(step.school_key) for step in self.plan.people if step.school_key
        }
        leavers = [
            p
            for roster_id, p in sorted(self.people_by_roster.items())
            if roster_id not in in_file and p.is_active and (p.school_id is None or p.school_id in covered)
        ]
        if leavers and not self.roster.users:
            self.error(USERS, None, _("users.csv names nobody, but is complete (bulk): everyone would be deactivated."))
            return
        for person in leavers:
            self.plan.people.append(
                PersonStep(DEACTIVATE, person.name, None, person.roster_id, person.pk, reason=NOT_IN_ROSTER)
            )
            self.leaving.add(person.pk)
            self.final[person.roster_id] = _Final(person.pk, False, frozenset(person.role_codes), person.name)

    def _person_later(self, roster_id: str) -> _Final | None:
        """How someone will be after the import: from this plan, or (not in users.csv) as Staffroom has them."""
        if roster_id in self.final:
            return self.final[roster_id]
        person = self.people_by_roster.get(roster_id)
        if person is None:
            return None
        return _Final(person.pk, person.is_active, frozenset(person.role_codes), person.name)

    # --- classes ----------------------------------------------------------------------------------------

    def _classes(self) -> None:
        classes = queries.classes(self.organisation)
        by_roster = {c.roster_id: c for c in classes if c.roster_id}
        by_name = {(c.school_id, c.name): c for c in classes}
        names = self._class_names()
        planned: set[tuple[int | str, str]] = set()
        for roster_class in self.roster.classes:
            existing = by_roster.get(roster_class.sourced_id)
            if not roster_class.active:
                if existing is not None:
                    self.removed_classes.add(roster_class.sourced_id)
                    self._empty(existing, roster_class.line)
                continue
            key = self._school_key(roster_class.school_org_id)
            if key is _MISSING or key is None:
                self.error(
                    CLASSES, roster_class.line,
                    _("schoolSourcedId %(id)s is not a school in orgs.csv nor in Staffroom.")
                    % {"id": roster_class.school_org_id},
                )  # fmt: skip
                continue
            name = self.class_names[roster_class.sourced_id] = names[roster_class.sourced_id]
            if len(name) > MAX_CLASS_NAME:
                self.error(
                    CLASSES, roster_class.line, _("title is longer than %(n)d characters.") % {"n": MAX_CLASS_NAME}
                )
                continue
            school_id = self.school_ids[key]
            step = ClassStep(roster_class.sourced_id, name, roster_class.line, key)
            clash = by_name.get((school_id, name)) if school_id is not None else None
            if (school_id or key, name) in planned:
                self.error(
                    CLASSES,
                    roster_class.line,
                    _("Another class of the school is also called %(name)s.") % {"name": name},
                )
                continue
            planned.add((school_id or key, name))
            if existing is not None:
                self.class_ids[roster_class.sourced_id] = existing.pk
                if existing.school_id != school_id:
                    self.error(
                        CLASSES,
                        roster_class.line,
                        _("This class is at another school in Staffroom; classes do not move."),
                    )
                elif existing.name != name and clash is not None:
                    self.error(
                        CLASSES,
                        roster_class.line,
                        _("Staffroom already has a class called %(name)s at the school.") % {"name": name},
                    )
                elif existing.name != name:
                    self.plan.classes.append(self._step(step, existing.pk, ("name",)))
            elif clash is not None and clash.roster_id:
                self.error(
                    CLASSES,
                    roster_class.line,
                    _("Staffroom's class %(name)s belongs to another class of the roster.") % {"name": name},
                )
            elif clash is not None:
                self.class_ids[roster_class.sourced_id] = clash.pk
                self.plan.classes.append(self._step(step, clash.pk, ("roster_id",)))
            else:
                self.class_ids[roster_class.sourced_id] = None
                self.plan.classes.append(step)
        if self.roster.mode(CLASSES) == BULK:
            in_file = {c.sourced_id for c in self.roster.classes}
            covered = {school_id for school_id in self.school_ids.values() if school_id is not None}
            for school_class in classes:
                gone = school_class.roster_id and school_class.roster_id not in in_file
                if gone and school_class.school_id in covered:
                    self.removed_classes.add(school_class.roster_id)
                    self._empty(school_class, None)

    @staticmethod
    def _step(step: ClassStep, class_id: int, changed: tuple[str, ...]) -> ClassStep:
        step.class_id, step.changed = class_id, changed
        return step

    def _class_names(self) -> dict[str, str]:
        """Each class's name: its title, with its classCode (or sourcedId) when titles repeat at a school."""
        titles: Counter[tuple[str, str]] = Counter(
            (c.school_org_id, clean_text(c.title)) for c in self.roster.classes if c.active
        )
        return {c.sourced_id: self._class_name(c, titles) for c in self.roster.classes}

    @staticmethod
    def _class_name(roster_class: RosterClass, titles: Counter[tuple[str, str]]) -> str:
        title = clean_text(roster_class.title)
        if titles[(roster_class.school_org_id, title)] > 1:
            return clean_text(f"{title} ({roster_class.class_code or roster_class.sourced_id})")
        return title

    def _empty(self, school_class: SchoolClass, line: int | None) -> None:
        """A class the roster removed: the pupils and teachers it brought leave it (people added by hand stay)."""
        step = ClassListStep(school_class.roster_id, school_class.name, line, school_class.pk)
        pupils = queries.roster_members(school_class.pupils.all(), active_only=True).values()
        teachers = queries.roster_members(school_class.teachers.all(), active_only=True).values()
        step.unenrol = sorted(pk for pk in pupils if pk not in self.leaving)
        step.unassign = sorted(pk for pk in teachers if pk not in self.leaving)
        if step.changes:
            self.plan.class_lists.append(step)

    # --- who is in each class ---------------------------------------------------------------------------

    def _class_lists(self) -> None:
        wanted: dict[str, dict[str, set[str]]] = defaultdict(lambda: {PUPIL: set(), STAFF: set()})
        leaving: dict[str, dict[str, set[str]]] = defaultdict(lambda: {PUPIL: set(), STAFF: set()})
        lines: dict[str, int] = {c.sourced_id: c.line for c in self.roster.classes}
        known_classes = {c.roster_id: c for c in self._classes_not_in_file()}
        in_users_file = set(self.roster.user_ids)
        for enrollment in self.roster.enrollments:
            class_key = enrollment.class_id
            if class_key in self.removed_classes or (
                class_key not in self.class_ids and class_key in lines
            ):  # a class removed, or refused above
                self.plan.skipped_enrollments += 1
                continue
            if class_key not in self.class_ids:
                found = known_classes.get(class_key)
                if found is None:
                    self.error(
                        ENROLLMENTS,
                        enrollment.line,
                        _("classSourcedId %(id)s is not in classes.csv nor in Staffroom.") % {"id": class_key},
                    )
                    continue
                self.class_ids[class_key] = found.pk
            person = self._person_later(enrollment.user_id)
            if person is None:
                if enrollment.user_id in in_users_file:  # skipped or refused above
                    self.plan.skipped_enrollments += 1
                else:
                    self.error(
                        ENROLLMENTS,
                        enrollment.line,
                        _("userSourcedId %(id)s is not in users.csv nor in Staffroom.") % {"id": enrollment.user_id},
                    )
                continue
            if not person.active:
                continue
            if not self._fits(
                enrollment.enrolled_as, enrollment.roster_role, enrollment.user_id, enrollment.line, person
            ):
                self.plan.skipped_enrollments += 1
                continue
            (wanted if enrollment.active else leaving)[class_key][enrollment.enrolled_as].add(enrollment.user_id)
        complete = self.roster.mode(ENROLLMENTS) == BULK
        for class_key in sorted(self.class_ids, key=lambda k: lines.get(k, 0)):
            if class_key in self.removed_classes:
                continue
            self._class_list(class_key, lines.get(class_key), wanted[class_key], leaving[class_key], complete)

    def _stays(self, roster_id: str) -> bool:
        """Whether someone is active once the plan is applied."""
        later = self._person_later(roster_id)
        return later is not None and later.active

    def _classes_not_in_file(self) -> list[SchoolClass]:
        return [c for c in queries.classes(self.organisation) if c.roster_id and c.roster_id not in self.class_ids]

    def _fits(self, enrolled_as: str, roster_role: str, user_id: str, line: int, person: _Final) -> bool:
        if enrolled_as == PUPIL and not person.is_pupil:
            self.warn(
                ENROLLMENTS, line, _("%(id)s is enrolled as a student but is not a pupil; left out.") % {"id": user_id}
            )
            return False
        if enrolled_as == STAFF and person.is_pupil:
            self.warn(
                ENROLLMENTS,
                line,
                _("%(id)s is a pupil enrolled as %(role)s; left out.") % {"id": user_id, "role": roster_role},
            )
            return False
        if enrolled_as == STAFF and not person.may_teach:
            self.warn(
                ENROLLMENTS,
                line,
                _("%(id)s is not teaching staff, who alone join class channels; left out.") % {"id": user_id},
            )
            return False
        return True

    def _class_list(
        self,
        class_key: str,
        line: int | None,
        wanted: dict[str, set[str]],
        leaving: dict[str, set[str]],
        complete: bool,
    ) -> None:
        class_id = self.class_ids[class_key]
        state = queries.class_state(self.organisation, class_id) if class_id is not None else None
        pupils = state.pupils if state else {}
        teachers = state.teachers if state else {}
        name = state.school_class.name if state else class_key
        step = ClassListStep(class_key, self.class_names.get(class_key, name), line, class_id)
        step.enrol = sorted(wanted[PUPIL] - set(pupils))
        step.assign = sorted(wanted[STAFF] - set(teachers))
        going_pupils = (set(pupils) - wanted[PUPIL]) if complete else (leaving[PUPIL] & set(pupils))
        going_teachers = (set(teachers) - wanted[STAFF]) if complete else (leaving[STAFF] & set(teachers))
        # Leavers keep their places (as in every conversation); only those who stay are moved out.
        step.unenrol = sorted(pupils[r] for r in going_pupils if self._stays(r))
        step.unassign = sorted(teachers[r] for r in going_teachers if self._stays(r))
        if state is None or not state.has_channel:
            staying = state.teaching - set(step.unassign) - self.leaving if state else set()
            if staying or step.assign:
                step.open_channel = True
            elif line is not None:
                self.warn(
                    CLASSES, line, _("%(id)s has no teacher, so it has no class channel yet.") % {"id": class_key}
                )
        if step.changes:
            self.plan.class_lists.append(step)
