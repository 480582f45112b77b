"""Plain factory functions for tests: a school with people in the roles the tests need."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from staffroom.accounts.models import Organisation, Person, Role, RoleAssignment, School, SchoolClass
from staffroom.messaging import actions
from staffroom.messaging.models import Conversation

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def organisation(name: str = "Test Trust") -> Organisation:
    n = next(_counter)
    return Organisation.objects.create(name=f"{name} {n}", slug=f"org-{n}")


def school(org: Organisation | None = None, name: str = "") -> School:
    org = org or organisation()
    return School.objects.create(organisation=org, name=name or f"School {next(_counter)}")


def person(
    sch: School,
    *roles: Role | str,
    name: str = "",
    email: str = "",
    external: bool = False,
    trust_wide: bool = False,
) -> Person:
    n = next(_counter)
    roles = roles or (Role.TEACHER,)
    p = Person.objects.create_user(
        email or f"person{n}@{sch.organisation.slug}.example",
        PASSWORD,
        organisation=sch.organisation,
        school=sch,
        name=name or f"Person {n}",
        external=external or Role.EXTERNAL in roles,
    )
    for role in roles:
        RoleAssignment.objects.create(person=p, school=None if trust_wide else sch, role=role)
    return p


def authenticator_app(person: Person) -> str:
    """Set up an authenticator app (TOTP) for `person`, as they would on their profile; returns its secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    return secret


def totp_code(secret: str) -> str:
    """The code an authenticator app with this secret shows now."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


def school_class(sch: School, name: str = "", pupils: list[Person] | None = None) -> SchoolClass:
    klass = SchoolClass.objects.create(school=sch, name=name or f"Class {next(_counter)}", year_group="Year 9")
    for pupil in pupils or []:
        pupil.classes.add(klass)
    return klass


@dataclass
class World:
    """One organisation with one school and a person in each role, plus a second organisation."""

    org: Organisation
    school: School
    admin: Person
    head: Person
    dpo: Person
    dsl: Person
    teacher: Person
    teacher2: Person
    ta: Person
    office: Person
    governor: Person
    pupil: Person
    pupil2: Person
    external: Person
    klass: SchoolClass
    other_school: School
    other_teacher: Person
    outsider: Person  # in a different organisation

    def channel(self, *members: Person, title: str = "Staffroom", by: Person | None = None) -> Conversation:
        return actions.create_conversation(
            acting=by or self.teacher, kind="channel", title=title, member_ids=[m.pk for m in members]
        )

    def group(self, *members: Person, title: str = "Year 9 team", by: Person | None = None) -> Conversation:
        return actions.create_conversation(
            acting=by or self.teacher, kind="group", title=title, member_ids=[m.pk for m in members]
        )

    def announcement(self, *members: Person, title: str = "Notices") -> Conversation:
        return actions.create_conversation(
            acting=self.head, kind="announcement", title=title, member_ids=[m.pk for m in members]
        )

    def class_channel(self, *members: Person) -> Conversation:
        return actions.create_conversation(
            acting=self.teacher, kind="class", title="9X Science", school_class=self.klass,
            member_ids=[m.pk for m in members],
        )  # fmt: skip


def world() -> World:
    """The organisation follows the default sign-in policy, so its leaders (IT admin, headteacher, DPO, DSL) have
    each set up an authenticator app, as they must before using Staffroom (accounts/second_factor.py)."""
    built = _world()
    for leader in (built.admin, built.head, built.dpo, built.dsl):
        authenticator_app(leader)
    return built


def _world() -> World:
    org = organisation()
    sch = school(org, "High School")
    other = school(org, "Primary School")
    pupil = person(sch, Role.PUPIL, name="Pupil One")
    pupil2 = person(sch, Role.PUPIL, name="Pupil Two")
    outsider_school = school(organisation("Elsewhere"), "Elsewhere School")
    return World(
        org=org,
        school=sch,
        admin=person(sch, Role.IT_ADMIN, name="Ada Admin", trust_wide=True),
        head=person(sch, Role.HEADTEACHER, name="Hana Head"),
        dpo=person(sch, Role.DPO, name="Dev DPO", trust_wide=True),
        dsl=person(sch, Role.DSL, Role.TEACHER, name="Sam DSL"),
        teacher=person(sch, Role.TEACHER, name="Tara Teacher"),
        teacher2=person(sch, Role.TEACHER, name="Tom Teacher"),
        ta=person(sch, Role.TEACHING_ASSISTANT, name="Tia Assistant"),
        office=person(sch, Role.SUPPORT_STAFF, name="Olu Office"),
        governor=person(sch, Role.GOVERNOR, name="Gita Governor"),
        pupil=pupil,
        pupil2=pupil2,
        external=person(sch, Role.EXTERNAL, name="Eve External"),
        klass=school_class(sch, "9X Science", [pupil, pupil2]),
        other_school=other,
        other_teacher=person(other, Role.TEACHER, name="Pat Primary"),
        outsider=person(outsider_school, Role.TEACHER, name="Otto Outsider"),
    )


def stream_of(person, type_=None):
    """The events a person would get by resuming from the start, as they would see them now."""
    from staffroom.realtime import streams

    events, _ = streams.events_for(person.pk, 0, limit=10_000)
    return [e for e in events if type_ is None or e.type == type_]
