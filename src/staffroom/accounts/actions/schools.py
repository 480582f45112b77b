"""The trust's schools and each school's classes: adding them and changing what they are called.

Roster sync (a school's roster import) is the usual caller; an IT admin may too (`schools.manage`, and
`classes.manage`, which a headteacher holds for their own school). Who is in a class, and so in its class
channels, is messaging's (messaging/actions/class_lists.py): it changes conversations as well.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from staffroom.accounts import permissions, queries
from staffroom.accounts.actions.people import UNCHANGED, _Unchanged
from staffroom.accounts.actors import Actor
from staffroom.accounts.models import ROSTER_ID_MAX, Organisation, School, SchoolClass
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid
from staffroom.text import clean as clean_text

MAX_SCHOOL_NAME = 200
MAX_CLASS_NAME = 100
MAX_YEAR_GROUP = 20


def _clean_school_name(organisation_id: int, name: str, *, school_id: int | None = None) -> str:
    cleaned = clean_text(name or "")
    if not cleaned:
        raise Invalid("name", _("Give the school its name."))
    if len(cleaned) > MAX_SCHOOL_NAME:
        raise Invalid("name", _("A school's name can be at most %(n)d characters.") % {"n": MAX_SCHOOL_NAME})
    taken = School.objects.filter(organisation_id=organisation_id, name=cleaned)
    if school_id is not None:
        taken = taken.exclude(pk=school_id)
    if taken.exists():
        raise Invalid("name", _("The trust already has a school called %(name)s.") % {"name": cleaned})
    return cleaned


def _clean_class_name(school: School, name: str, *, class_id: int | None = None) -> str:
    cleaned = clean_text(name or "")
    if not cleaned:
        raise Invalid("name", _("Give the class its name."))
    if len(cleaned) > MAX_CLASS_NAME:
        raise Invalid("name", _("A class's name can be at most %(n)d characters.") % {"n": MAX_CLASS_NAME})
    taken = SchoolClass.objects.filter(school=school, name=cleaned)
    if class_id is not None:
        taken = taken.exclude(pk=class_id)
    if taken.exists():
        raise Invalid(
            "name", _("%(school)s already has a class called %(name)s.") % {"school": school, "name": cleaned}
        )
    return cleaned


def _clean_year_group(year_group: str) -> str:
    cleaned = clean_text(year_group or "")
    if len(cleaned) > MAX_YEAR_GROUP:
        raise Invalid("year_group", _("A year group can be at most %(n)d characters.") % {"n": MAX_YEAR_GROUP})
    return cleaned


def _clean_roster_id(roster_id: str, taken: Any) -> str:
    """`taken`: the rows among which the identifier must be unique (the organisation's schools, say)."""
    cleaned = (roster_id or "").strip()
    if len(cleaned) > ROSTER_ID_MAX:
        raise Invalid("roster_id", _("A roster identifier can be at most %(n)d characters.") % {"n": ROSTER_ID_MAX})
    if cleaned and taken.filter(roster_id=cleaned).exists():
        raise Invalid("roster_id", _("Something else already has this roster identifier."))
    return cleaned


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in after if after[k] != before[k])


def add_school(*, acting: Actor, name: str, roster_id: str = "") -> School:
    """A school joins the trust (for a roster import, a school its file names that Staffroom has not got)."""
    organisation = Organisation.objects.get(pk=acting.organisation_id)
    permissions.require(acting, "schools.manage", organisation)
    with transaction.atomic():
        cleaned = _clean_school_name(organisation.pk, name)
        roster = _clean_roster_id(roster_id, School.objects.filter(organisation=organisation))
        school = School.objects.create(organisation=organisation, name=cleaned, roster_id=roster)
        audit.record(acting, AuditAction.SCHOOL_ADDED, target=school, details={"roster_id": roster} if roster else None)
    return school


def update_school(
    school_id: int,
    *,
    acting: Actor,
    name: str | _Unchanged = UNCHANGED,
    roster_id: str | _Unchanged = UNCHANGED,
) -> School:
    """Rename a school, or link it to its identifier in the school's roster. Only what differs is recorded."""
    with transaction.atomic():
        school = queries.managed_school(acting, school_id, permission="schools.manage", lock=True)
        before = {"name": school.name, "roster_id": school.roster_id}
        if not isinstance(name, _Unchanged):
            school.name = _clean_school_name(school.organisation_id, name, school_id=school.pk)
        if not isinstance(roster_id, _Unchanged):
            others = School.objects.filter(organisation_id=school.organisation_id).exclude(pk=school.pk)
            school.roster_id = _clean_roster_id(roster_id, others)
        after = {"name": school.name, "roster_id": school.roster_id}
        changed = _changes(before, after)
        if not changed:
            return school
        school.save(update_fields=changed)
        audit.record(
            acting, AuditAction.SCHOOL_UPDATED, target=school, data={"changed": changed},
            details={k: {"before": before[k], "after": after[k]} for k in changed},
        )  # fmt: skip
    return school


def add_class(*, acting: Actor, school_id: int, name: str, year_group: str = "", roster_id: str = "") -> SchoolClass:
    """A teaching group at a school. It has nobody in it yet, and no class channel until it has a teacher."""
    with transaction.atomic():
        school = queries.managed_school(acting, school_id, permission="classes.manage", lock=True)
        cleaned = _clean_class_name(school, name)
        roster = _clean_roster_id(roster_id, SchoolClass.objects.filter(school=school))
        school_class = SchoolClass.objects.create(
            school=school, name=cleaned, year_group=_clean_year_group(year_group), roster_id=roster
        )
        audit.record(
            acting, AuditAction.CLASS_ADDED, target=school_class, data={"school_id": school.pk},
            details={"roster_id": roster} if roster else None,
        )  # fmt: skip
    return school_class


def update_class(
    class_id: int,
    *,
    acting: Actor,
    name: str | _Unchanged = UNCHANGED,
    year_group: str | _Unchanged = UNCHANGED,
    roster_id: str | _Unchanged = UNCHANGED,
) -> SchoolClass:
    """Rename a class, change its year group, or link it to the roster. Its channels keep their own titles (a
    teacher may have named them)."""
    with transaction.atomic():
        school_class = queries.managed_class(acting, class_id, lock=True)
        fields = ("name", "year_group", "roster_id")
        before = {k: getattr(school_class, k) for k in fields}
        if not isinstance(name, _Unchanged):
            school_class.name = _clean_class_name(school_class.school, name, class_id=school_class.pk)
        if not isinstance(year_group, _Unchanged):
            school_class.year_group = _clean_year_group(year_group)
        if not isinstance(roster_id, _Unchanged):
            others = SchoolClass.objects.filter(school_id=school_class.school_id).exclude(pk=school_class.pk)
            school_class.roster_id = _clean_roster_id(roster_id, others)
        after = {k: getattr(school_class, k) for k in fields}
        changed = _changes(before, after)
        if not changed:
            return school_class
        school_class.save(update_fields=changed)
        audit.record(
            acting, AuditAction.CLASS_UPDATED, target=school_class, data={"changed": changed},
            details={k: {"before": before[k], "after": after[k]} for k in changed},
        )  # fmt: skip
    return school_class
