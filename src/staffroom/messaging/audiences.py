"""Who "all staff at <school>" is: every active person whose school it is and who holds a staff role, never
pupils or externals, and governors only when asked for. Computed by the server, never sent by a client."""

from __future__ import annotations

from django.db.models import QuerySet

from staffroom.accounts.models import Person, Role, School
from staffroom.messaging.models import StaffAudience

STAFF_ROLES = (
    Role.IT_ADMIN,
    Role.HEADTEACHER,
    Role.DPO,
    Role.DSL,
    Role.DEPUTY_DSL,
    Role.TEACHER,
    Role.TEACHING_ASSISTANT,
    Role.SUPPORT_STAFF,
)


def _roles(include_governors: bool) -> list[str]:
    return [r.value for r in STAFF_ROLES] + ([Role.GOVERNOR.value] if include_governors else [])


def school_staff(school: School, *, include_governors: bool = False) -> QuerySet[Person]:
    """The active staff of a school (and its governors, if asked), by name."""
    return (
        Person.objects.filter(
            school=school, is_active=True, external=False, role_assignments__role__in=_roles(include_governors)
        )
        .exclude(role_assignments__role=Role.PUPIL)
        .distinct()
        .order_by("name", "pk")
    )


def audiences_for(person: Person) -> list[StaffAudience]:
    """The open "all staff" announcement channels `person` belongs in and is not yet a member of."""
    if person.school_id is None or not person.is_active:
        return []
    audiences = (
        StaffAudience.objects.select_related("school", "conversation")
        .filter(school_id=person.school_id, conversation__archived_at__isnull=True)
        .exclude(conversation__memberships__person=person)
        .order_by("pk")
    )
    return [
        a
        for a in audiences
        if school_staff(a.school, include_governors=a.include_governors).filter(pk=person.pk).exists()
    ]
