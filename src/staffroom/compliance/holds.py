"""Legal holds: what a hold in force covers, for the purge (which skips it) and for erasure (which refuses while a
hold covers the person).

A hold covers a message when the message was sent within the hold's dates (either end may be open; both are
whole days, inclusive) and either its conversation is one the hold names, or a person the hold names wrote it
or is in its conversation. People and conversations add up: a hold naming both covers the union. Covering the
conversations a person is in, not only what they wrote, keeps what others said to and about them, which is what
a claim or an investigation needs.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from staffroom.accounts import permissions
from staffroom.accounts.models import Organisation, Person
from staffroom.compliance.models import LegalHold
from staffroom.messaging.models import Membership

NOTHING = Q(pk__in=[])


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def holds_in_force(organisation: Organisation | int) -> QuerySet[LegalHold]:
    organisation_id = organisation.pk if isinstance(organisation, Organisation) else organisation
    return LegalHold.objects.filter(organisation_id=organisation_id, released_at__isnull=True)


def hold_scope(hold: LegalHold) -> Q:
    """The messages one hold covers, as a filter on Message."""
    people = [p.pk for p in hold.people.all()]
    conversations = [c.pk for c in hold.conversations.all()]
    scope = NOTHING
    if people:
        their_conversations = Membership.objects.filter(person_id__in=people).values("conversation_id")
        scope |= Q(author_id__in=people) | Q(conversation_id__in=their_conversations)
    if conversations:
        scope |= Q(conversation_id__in=conversations)
    if hold.starts_on is not None:
        scope &= Q(created_at__gte=_start(hold.starts_on))
    if hold.ends_on is not None:
        scope &= Q(created_at__lt=_start(hold.ends_on + timedelta(days=1)))
    return scope


def held_filter(organisation: Organisation | int) -> Q:
    """Messages of the organisation that must be kept whatever their retention rule, as a filter on Message: those a
    hold in force covers, and those a safeguarding concern refers to (safeguarding records follow their own, longer
    schedule: DOMAIN.md). The purge excludes it; call it inside the transaction that acts."""
    scope = Q(concerns__isnull=False)
    for hold in holds_in_force(organisation).prefetch_related("people", "conversations"):
        scope |= hold_scope(hold)
    return scope


def person_is_held(person: Person) -> bool:
    """Does a hold in force name this person, or a conversation they are in? Erasure refuses while one does."""
    holds = holds_in_force(person.organisation_id)
    their_conversations = Membership.objects.filter(person_id=person.pk).values("conversation_id")
    return holds.filter(Q(people=person) | Q(conversations__in=their_conversations)).exists()


def hold_payload(hold: LegalHold) -> dict[str, Any]:
    def who(person: Person | None) -> dict[str, Any] | None:
        return {"id": person.pk, "name": person.name} if person else None

    return {
        "id": hold.pk, "reason": hold.reason,
        "people": [who(p) for p in hold.people.all()],
        "conversations": [{"id": c.pk, "title": str(c), "kind": c.kind} for c in hold.conversations.all()],
        "starts_on": hold.starts_on.isoformat() if hold.starts_on else None,
        "ends_on": hold.ends_on.isoformat() if hold.ends_on else None,
        "placed_by": who(hold.placed_by), "placed_at": hold.placed_at.isoformat(),
        "released_by": who(hold.released_by),
        "released_at": hold.released_at.isoformat() if hold.released_at else None,
        "release_reason": hold.release_reason, "in_force": hold.released_at is None,
    }  # fmt: skip


def holds_list(viewer: Person) -> QuerySet[LegalHold]:
    """The organisation's holds, those in force first, newest first: for the DPO only. A hold is often the first
    sign of an HR case or a claim, possibly about a school's own leaders, so headteachers do not see them."""
    permissions.require(viewer, "hold.manage", viewer.organisation)
    return (
        LegalHold.objects.filter(organisation_id=viewer.organisation_id)
        .select_related("placed_by", "released_by")
        .prefetch_related("people", "conversations")
        .order_by(F("released_at").desc(nulls_first=True), "-placed_at")
    )
