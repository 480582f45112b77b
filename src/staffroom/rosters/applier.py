"""Carrying out a plan through the apps' actions, as roster sync: schools, people, classes, who is in each class
(and so its channels), then leavers. Each step is an action with its own audit entry whose actor is the roster
sync service. Call inside one transaction (rosters/actions.py): if an action refuses a step, `StepRefused` says
which file line it came from and the transaction undoes every step before it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet

from staffroom.accounts import actions as people
from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import Person, School, SchoolClass
from staffroom.compliance.models import AuditChainHead
from staffroom.errors import StaffroomError
from staffroom.messaging import actions as messaging
from staffroom.messaging.models import Conversation
from staffroom.realtime.models import StreamHead
from staffroom.rosters.parser import CLASSES, ORGS, USERS
from staffroom.rosters.planner import ADD, DEACTIVATE, REACTIVATE, UPDATE, ClassListStep, Plan
from staffroom.rosters.problems import Problem

BACK = "Back in the roster"


class StepRefused(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _step(file: str, line: int | None, action: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    try:
        action(*args, **kwargs)
    except StaffroomError as error:
        raise StepRefused(Problem(file, line, error.message)) from error


def apply(plan: Plan) -> None:
    """Make every change of `plan` (which has no errors), in the order the rest depends on."""
    sync = ServiceActor(Service.ROSTER_SYNC, plan.organisation_id)
    _lock(plan)
    for school in plan.schools:
        if school.school_id is None:
            _step(ORGS, school.line, people.add_school, acting=sync, name=school.name, roster_id=school.key)
        else:
            changes: dict[str, Any] = {}
            if "name" in school.changed:
                changes["name"] = school.name
            if "roster_id" in school.changed:
                changes["roster_id"] = school.key
            _step(ORGS, school.line, people.update_school, school.school_id, acting=sync, **changes)
    schools = dict(
        School.objects.filter(organisation_id=plan.organisation_id).exclude(roster_id="").values_list("roster_id", "pk")
    )
    for person in plan.people:
        if person.kind == ADD:
            _step(
                USERS, person.line, people.add_person, acting=sync, email=person.email, name=person.name,
                school_id=schools.get(person.school_key or ""), roles=person.roles, roster_id=person.roster_id,
            )  # fmt: skip
        elif person.kind == UPDATE:
            changes = {"roster_id": person.roster_id, "name": person.name, "roles": person.roles}
            changes = {k: v for k, v in changes.items() if k in person.changed}
            if "school" in person.changed:
                changes["school_id"] = schools[person.school_key or ""]
            _step(USERS, person.line, people.update_person, person.person_id, acting=sync, **changes)
        elif person.kind == REACTIVATE:
            _step(USERS, person.line, people.reactivate_person, person.person_id, acting=sync, reason=BACK)
    for school_class in plan.classes:
        if school_class.class_id is None:
            _step(
                CLASSES, school_class.line, people.add_class, acting=sync, school_id=schools[school_class.school_key],
                name=school_class.name, roster_id=school_class.key,
            )  # fmt: skip
        else:
            changes = {"name": school_class.name} if "name" in school_class.changed else {"roster_id": school_class.key}
            _step(CLASSES, school_class.line, people.update_class, school_class.class_id, acting=sync, **changes)
    _class_lists(plan.class_lists, sync)
    for person in plan.people:
        if person.kind == DEACTIVATE:
            _step(USERS, person.line, people.deactivate_person, person.person_id, acting=sync, reason=person.reason)


def _lock(plan: Plan) -> None:
    """Take the import's locks up front, in the order every action takes them (docs/architecture.md): the rows
    it changes (schools, classes, their channels, people), then the organisation's event stream head, then its
    audit chain head. Its actions then only take again what it holds, or lock rows it makes, so an import never
    holds a head while it waits for a row someone else's action holds (which would deadlock on PostgreSQL). It
    holds them to commit: the organisation's other changes wait for the import, which is short."""
    organisation_id = plan.organisation_id
    school_ids = sorted(s.school_id for s in plan.schools if s.school_id is not None)
    class_ids = sorted(
        {s.class_id for s in plan.classes if s.class_id is not None}
        | {s.class_id for s in plan.class_lists if s.class_id is not None}
    )
    person_ids = {s.person_id for s in plan.people if s.person_id is not None}
    person_ids |= {p for s in plan.class_lists for p in (*s.unenrol, *s.unassign)}
    person_ids |= set(
        Person.objects.filter(
            organisation_id=organisation_id, roster_id__in=[r for s in plan.class_lists for r in (*s.enrol, *s.assign)]
        ).values_list("pk", flat=True)
    )
    ours = {"organisation_id": organisation_id}
    _rows(School.objects.filter(pk__in=school_ids, **ours))
    _rows(SchoolClass.objects.filter(pk__in=class_ids, school__organisation_id=organisation_id))
    _rows(Conversation.objects.filter(kind=Conversation.Kind.CLASS, school_class_id__in=class_ids, **ours), no_key=True)
    _rows(Person.objects.filter(pk__in=sorted(person_ids), **ours))
    StreamHead.objects.bulk_create([StreamHead(organisation_id=organisation_id)], ignore_conflicts=True)
    _rows(StreamHead.objects.filter(**ours))
    AuditChainHead.objects.bulk_create([AuditChainHead(organisation_id=organisation_id)], ignore_conflicts=True)
    _rows(AuditChainHead.objects.filter(**ours))


def _rows(rows: QuerySet[Any], *, no_key: bool = False) -> None:
    list(rows.select_for_update(no_key=no_key).order_by("pk").values_list("pk", flat=True))


def _class_lists(steps: Iterable[ClassListStep], sync: ServiceActor) -> None:
    steps = list(steps)
    organisation_id = sync.organisation_id
    wanted = {roster_id for step in steps for roster_id in (*step.enrol, *step.assign)}
    person_ids = dict(
        Person.objects.filter(organisation_id=organisation_id, roster_id__in=wanted).values_list("roster_id", "pk")
    )
    class_ids = dict(
        SchoolClass.objects.filter(school__organisation_id=organisation_id, roster_id__in=[s.key for s in steps])
        .values_list("roster_id", "pk")
    )  # fmt: skip
    for step in steps:
        file = CLASSES  # the class's line: the list of who is in it is the class's
        class_id = step.class_id or class_ids[step.key]
        if step.assign:
            _step(
                file, step.line, messaging.assign_teachers, class_id, [person_ids[r] for r in step.assign], acting=sync
            )
        if step.enrol:
            _step(file, step.line, messaging.enrol_pupils, class_id, [person_ids[r] for r in step.enrol], acting=sync)
        if step.open_channel:
            _step(file, step.line, messaging.open_class_channel, class_id, acting=sync)
        if step.unenrol:
            _step(file, step.line, messaging.unenrol_pupils, class_id, step.unenrol, acting=sync)
        if step.unassign:
            _step(file, step.line, messaging.unassign_teachers, class_id, step.unassign, acting=sync)
