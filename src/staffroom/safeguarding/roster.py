"""The context the detectors read a message in: the names of a school's pupils, from the database.

Built once per school and handed to `detectors.scan`, which never reads the database itself. Only names
are read: the detectors need nothing else to say "a pupil is named next to something sensitive".
"""

from __future__ import annotations

from staffroom.accounts.models import Organisation, Person, Role, School
from staffroom.safeguarding.detectors import EMPTY_ROSTER, Roster


def _pupil_names(people: object) -> Roster:
    names = sorted(set(people.values_list("name", flat=True)))  # type: ignore[attr-defined]
    return Roster(tuple(n for n in names if n.strip())) if names else EMPTY_ROSTER


def school_roster(school: School) -> Roster:
    """The names of the pupils on a school's roll (active, not left)."""
    return _pupil_names(
        Person.objects.filter(
            role_assignments__school=school, role_assignments__role=Role.PUPIL, is_active=True, left_at__isnull=True
        )
    )


def organisation_roster(slug: str) -> Roster:
    """The names of the pupils of every school of an organisation; an empty roster if there is none."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        return EMPTY_ROSTER
    return _pupil_names(
        Person.objects.filter(
            organisation=organisation, role_assignments__role=Role.PUPIL, is_active=True, left_at__isnull=True
        )
    )
