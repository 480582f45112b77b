"""Scoped reads for the roster import: what Staffroom has that a roster is compared with. Each is limited to
one organisation, but for `people_signing_in_as`: a sign-in address is one person's in all of Staffroom."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.functions import Lower

from staffroom.accounts.actors import Service
from staffroom.accounts.models import CLASS_STAFF_ROLES, Organisation, Person, School, SchoolClass
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import AuditEntry
from staffroom.messaging.models import Conversation


def schools(organisation: Organisation) -> list[School]:
    """The organisation's schools."""
    return list(School.objects.filter(organisation=organisation))


def roster_people(organisation: Organisation) -> dict[str, Person]:
    """Everyone of the organisation the roster brought (or linked), by roster identifier, leavers included."""
    people = Person.objects.filter(organisation=organisation).exclude(roster_id="").prefetch_related("role_assignments")
    return {p.roster_id: p for p in people}


def people_signing_in_as(addresses: Iterable[str]) -> dict[str, Person]:
    """Whoever signs in with each of these addresses (any case), in any organisation: a roster may not give an
    address someone else already has."""
    wanted = sorted({a.lower() for a in addresses if a})
    found = Person.objects.annotate(address=Lower("email")).filter(address__in=wanted)
    return {p.email.lower(): p for p in found.prefetch_related("role_assignments")}


def classes(organisation: Organisation) -> list[SchoolClass]:
    """The classes of the organisation's schools."""
    return list(SchoolClass.objects.filter(school__organisation=organisation).select_related("school"))


def roster_members(people: QuerySet[Person], *, active_only: bool = False) -> dict[str, int]:
    """roster identifier -> id of the people with one among `people` (a class's pupils or teachers)."""
    if active_only:
        people = people.filter(is_active=True)
    return dict(people.exclude(roster_id="").values_list("roster_id", "pk"))


@dataclass(frozen=True)
class ClassState:
    """Who is in a class now, as a roster sees it."""

    school_class: SchoolClass
    pupils: dict[str, int]  # roster identifier -> id, of those the roster brought (leavers too)
    teachers: dict[str, int]
    teaching: set[int]  # ids of its current teachers who may be in a class channel, however they came
    has_channel: bool  # an open class channel


def class_state(organisation: Organisation, class_id: int) -> ClassState:
    """Who is in one of the organisation's classes, and whether it has an open class channel."""
    school_class = SchoolClass.objects.get(pk=class_id, school__organisation=organisation)
    teaching = school_class.teachers.filter(
        is_active=True, external=False, role_assignments__role__in=list(CLASS_STAFF_ROLES)
    )
    channels = Conversation.objects.filter(
        kind=Conversation.Kind.CLASS, school_class=school_class, archived_at__isnull=True
    )
    return ClassState(
        school_class=school_class,
        pupils=roster_members(school_class.pupils.all()),
        teachers=roster_members(school_class.teachers.all()),
        teaching=set(teaching.values_list("pk", flat=True)),
        has_channel=channels.exists(),
    )


def deactivated_by_roster(person: Person) -> bool:
    """Whether roster sync made this person inactive (their latest deactivation is its doing). The roster brings
    back only the people it removed: someone an admin deactivated stays so until an admin says otherwise."""
    latest = (
        AuditEntry.objects.filter(
            organisation_id=person.organisation_id,
            action=AuditAction.PERSON_DEACTIVATED,
            target_type=Person._meta.label_lower,
            target_id=str(person.pk),
        )
        .order_by("-pk")
        .values_list("actor_service", flat=True)
        .first()
    )
    return latest == Service.ROSTER_SYNC.value
