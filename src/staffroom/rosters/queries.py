"""Scoped reads for the roster import."""

from __future__ import annotations

from staffroom.accounts.actors import Service
from staffroom.accounts.models import Person
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import AuditEntry


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
