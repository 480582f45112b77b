"""Termly membership reviews: when one is due, and which conversations wait for one.

Schools keep groups tidy term by term: whoever runs a conversation confirms once a term who should still be in
it (a leaver's group, a year team after the summer). A review is due for a conversation that has not been
reviewed since the current term began and that existed before it began (one started this term is reviewed
next term); it is overdue once the term is `STAFFROOM_REVIEW_GRACE_DAYS` old. Direct messages are between two
people and are never reviewed; archived conversations neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from staffroom.accounts.models import Person
from staffroom.messaging.models import Conversation, Membership


def _starts() -> list[tuple[int, int]]:
    starts = []
    for part in settings.STAFFROOM_TERM_STARTS.split(","):
        month, day = (int(n) for n in part.strip().split("-"))
        starts.append((month, day))
    return sorted(starts)


def term_start(today: date | None = None) -> date:
    """The first day of the term `today` is in (the latest term start on or before it)."""
    today = today or timezone.localdate()
    candidates = [date(year, month, day) for year in (today.year - 1, today.year) for month, day in _starts()]
    return max(d for d in candidates if d <= today)


@dataclass(frozen=True)
class ReviewState:
    due: bool
    overdue: bool
    term_start: date


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def due_filter(today: date | None = None) -> Q:
    """Conversations whose review is due this term (as a filter on Conversation)."""
    start = _start_of(term_start(today))
    return (
        Q(created_at__lt=start, archived_at__isnull=True)
        & ~Q(kind=Conversation.Kind.DIRECT)
        & (Q(last_reviewed_at__isnull=True) | Q(last_reviewed_at__lt=start))
    )


def is_overdue(today: date | None = None) -> bool:
    """Whether reviews still due today are overdue (the term is past its grace period)."""
    today = today or timezone.localdate()
    return today >= term_start(today) + timedelta(days=settings.STAFFROOM_REVIEW_GRACE_DAYS)


def state(conversation: Conversation, today: date | None = None) -> ReviewState:
    today = today or timezone.localdate()
    due = Conversation.objects.filter(due_filter(today), pk=conversation.pk).exists()
    return ReviewState(due=due, overdue=due and is_overdue(today), term_start=term_start(today))


def due_for(person: Person, today: date | None = None) -> QuerySet[Conversation]:
    """Conversations `person` runs (owner or admin) whose review is due, oldest review first."""
    return (
        Conversation.objects.filter(
            due_filter(today),
            memberships__person=person,
            memberships__role__in=Membership.MANAGING,
        )
        .distinct()
        .order_by("last_reviewed_at", "created_at")
    )
