"""A school's closures: term holidays and INSET days, entered by its headteacher or an IT admin
(`school_calendar.manage`). Pupils cannot post in class channels that have posting hours on those days
(messaging/supervision.py)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person, School, SchoolClosure
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound
from staffroom.text import clean as clean_text

MAX_LABEL = 100
# A closure longer than a summer holiday is almost certainly a typing slip (a year in the wrong place).
MAX_DAYS = 62


def _locked_school(acting: Person, school_id: int) -> School:
    """The school, locked (its calendar changes one entry at a time), once `acting` may keep its calendar."""
    school = School.objects.select_for_update().filter(pk=school_id, organisation_id=acting.organisation_id).first()
    if school is None:
        raise NotFound()
    permissions.require(acting, "school_calendar.manage", school)
    return school


def add_school_closure(school_id: int, *, acting: Person, starts_on: date, ends_on: date, label: str) -> SchoolClosure:
    """Close a school to pupils' posting from `starts_on` to `ends_on` inclusive ("Half term", "INSET day")."""
    label = clean_text(label)
    if not label:
        raise Invalid("label", _('Say what the closure is, such as "INSET day" or "October half term".'))
    if len(label) > MAX_LABEL:
        raise Invalid("label", _("Keep the name to %(n)d characters.") % {"n": MAX_LABEL})
    if ends_on < starts_on:
        raise Invalid("ends_on", _("The last day must be on or after the first."))
    if (ends_on - starts_on).days >= MAX_DAYS:
        raise Invalid("ends_on", _("A closure can be at most %(n)d days long.") % {"n": MAX_DAYS})
    with transaction.atomic():
        school = _locked_school(acting, school_id)
        closure = SchoolClosure.objects.create(
            school=school, starts_on=starts_on, ends_on=ends_on, label=label, created_by=acting
        )
        audit.record(
            acting, AuditAction.SCHOOL_CLOSURE_ADDED, target=school,
            data={"closure_id": closure.pk, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
            details={"label": label},
        )  # fmt: skip
    return closure


def remove_school_closure(closure_id: int, *, acting: Person) -> None:
    """Take a closure off the school's calendar (entered by mistake, or the school opens after all)."""
    with transaction.atomic():
        closure = SchoolClosure.objects.filter(pk=closure_id, school__organisation_id=acting.organisation_id).first()
        if closure is None:
            raise NotFound()
        school = _locked_school(acting, closure.school_id)
        locked = SchoolClosure.objects.select_for_update().filter(pk=closure.pk).first()
        if locked is None:
            raise NotFound()
        data = {
            "closure_id": locked.pk,
            "starts_on": locked.starts_on.isoformat(),
            "ends_on": locked.ends_on.isoformat(),
        }
        label = locked.label
        locked.delete()
        audit.record(acting, AuditAction.SCHOOL_CLOSURE_REMOVED, target=school, data=data, details={"label": label})
    return None
