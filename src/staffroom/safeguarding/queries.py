"""Safeguarding reads, scoped to the caller (DESIGN.md invariant 2)."""

from __future__ import annotations

from datetime import datetime

from staffroom.accounts import permissions
from staffroom.accounts.models import Person, School
from staffroom.errors import NotFound
from staffroom.safeguarding import screening
from staffroom.safeguarding.policy import Policy


def policy_school(viewer: Person, school_id: int | None = None) -> School:
    """The school whose policy `viewer` looks at or changes (their own when none is named). A school of
    another organisation is 404; one the viewer may not set the policy of is 403."""
    school = School.objects.filter(
        pk=school_id or viewer.school_id or 0, organisation_id=viewer.organisation_id
    ).first()
    if school is None:
        raise NotFound()
    permissions.require(viewer, "safeguarding.policy", school)
    return school


def policy_schools(viewer: Person) -> list[School]:
    """The schools whose safeguarding policy `viewer` may set (the console offers the page when there is one)."""
    schools = School.objects.filter(organisation_id=viewer.organisation_id).order_by("name")
    return [s for s in schools if permissions.allows(viewer, "safeguarding.policy", s)]


def school_policy(viewer: Person, school: School) -> Policy:
    permissions.require(viewer, "safeguarding.policy", school)
    return screening.school_policy(school.pk)


def dpo_warnings_since(viewer: Person, since: datetime) -> int | None:
    """How many messages were posted since `since` with findings the policy tells the DPO about (None for
    someone who may not read the audit log, where each one is)."""
    from staffroom.compliance.audit import AuditAction
    from staffroom.compliance.models import AuditEntry

    if not permissions.allows(viewer, "audit.view", viewer.organisation):
        return None
    return AuditEntry.objects.filter(
        organisation_id=viewer.organisation_id, action=AuditAction.SAFEGUARDING_DPO_WARNED, created_at__gte=since
    ).count()
