"""Reads of the DSL queue, scoped to the viewer: the designated safeguarding leads and deputies of a school see
that school's concerns, a trust-wide DSL every school's, and nobody else any (`concern.view`).

These never audit: the actions that show a concern to a person (safeguarding/actions/concerns.py `list_concerns`,
`open_concern`) call them and record the look. Also the school policy reads: whose safeguarding policy a DSL or
the DPO may look at and change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from staffroom.accounts import permissions
from staffroom.accounts.models import Person, Role, School
from staffroom.accounts.permissions import Scope
from staffroom.errors import NotFound
from staffroom.messaging.models import Message, MessageRevision
from staffroom.safeguarding import screening
from staffroom.safeguarding.models import Concern
from staffroom.safeguarding.policy import Policy

LEAD_ROLES = (Role.DSL, Role.DEPUTY_DSL)
PAGE_SIZE = 50
# Messages shown either side of the concern's message when it is opened.
CONTEXT = 5

# The people a concern's payload names, with their schools and roles loaded with it (no query per person).
_PEOPLE = ("about", "raised_by", "assigned_to", "message__author", "message__deleted_by")
PEOPLE_SCHOOLS = tuple(f"{p}__school" for p in _PEOPLE)
PEOPLE_ROLES = tuple(f"{p}__role_assignments" for p in _PEOPLE)

STATUS_ORDER = [Concern.Status.OPEN, Concern.Status.REVIEWED, Concern.Status.ESCALATED, Concern.Status.CLOSED]
SEVERITY_ORDER = [Concern.Severity.HIGH, Concern.Severity.MEDIUM, Concern.Severity.LOW]


def _rank(field: str, values: list[Any]) -> Case:
    return Case(
        *(When(**{field: value}, then=Value(i)) for i, value in enumerate(values)),
        default=Value(len(values)),
        output_field=IntegerField(),
    )


def permission_target(concern: Concern) -> Any:
    """What `concern.view` and `concern.manage` are asked about: the concern's school (its trust, when it has none,
    which only a trust-wide lead reaches)."""
    return concern.school if concern.school_id else concern.organisation


def visible_concerns(viewer: Person) -> QuerySet[Concern]:
    """Every concern the viewer may see (none for anyone who is not a safeguarding lead)."""
    everywhere, schools = permissions.schools_with_scope(viewer, "concern.view", Scope.SCHOOL)
    concerns = Concern.objects.filter(organisation_id=viewer.organisation_id)
    if everywhere:
        return concerns
    if not schools:
        return Concern.objects.none()
    return concerns.filter(school_id__in=schools)


def may_view_queue(viewer: Person) -> bool:
    """Whether the person is a safeguarding lead anywhere (the header offers the queue)."""
    everywhere, schools = permissions.schools_with_scope(viewer, "concern.view", Scope.SCHOOL)
    return everywhere or bool(schools)


def open_count(viewer: Person) -> int:
    """Concerns waiting for the viewer's school: open ones (the header's count)."""
    return visible_concerns(viewer).filter(status=Concern.Status.OPEN).count()


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    category: str | None = None
    severity: str | None = None
    assigned_to: int | None = None


@dataclass(frozen=True)
class Page:
    items: list[Concern]
    next: str | None


def queue(viewer: Person, filters: Filters | None = None, *, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """The queue: open before reviewed before escalated before closed, high severity first, newest first.
    `cursor` is the `next` of the previous page."""
    filters = filters or Filters()
    concerns = visible_concerns(viewer)
    if filters.status:
        concerns = concerns.filter(status=filters.status)
    if filters.category:
        concerns = concerns.filter(category=filters.category)
    if filters.severity:
        concerns = concerns.filter(severity=filters.severity)
    if filters.assigned_to:
        concerns = concerns.filter(assigned_to_id=filters.assigned_to)
    start = int(cursor) if cursor and cursor.isdigit() else 0
    rows: list[Concern] = list(
        concerns.select_related("school", "conversation", *PEOPLE_SCHOOLS)
        .prefetch_related(*PEOPLE_ROLES)
        .annotate(status_rank=_rank("status", STATUS_ORDER), severity_rank=_rank("severity", SEVERITY_ORDER))
        .order_by("status_rank", "severity_rank", "-created_at", "-id")[start : start + limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    attach_revisions([c.message for c in rows if c.message is not None])
    return Page(rows, str(start + limit) if more else None)


def concern_for(viewer: Person, concern_id: int) -> Concern:
    """One concern the viewer may see; NotFound otherwise (a concern's existence is itself sensitive)."""
    concern = (
        visible_concerns(viewer)
        .select_related("school", "conversation", "closed_by", "organisation", *PEOPLE_SCHOOLS)
        .prefetch_related(*PEOPLE_ROLES)
        .filter(pk=concern_id)
        .first()
    )
    if concern is None:
        raise NotFound()
    return concern


def lock_concern(viewer: Person, concern_id: int) -> Concern:
    """The concern, locked for the rest of the transaction; NotFound if the viewer may not see it."""
    concern = visible_concerns(viewer).select_for_update().filter(pk=concern_id).first()
    if concern is None:
        raise NotFound()
    return concern


def leads_of(concern: Concern) -> QuerySet[Person]:
    """Active safeguarding leads who may work on the concern: its school's DSLs and deputies, and trust-wide ones."""
    where = Q(role_assignments__school__isnull=True)
    if concern.school_id:
        where |= Q(role_assignments__school_id=concern.school_id)
    return (
        Person.objects.filter(
            where,
            role_assignments__role__in=LEAD_ROLES,
            organisation_id=concern.organisation_id,
            is_active=True,
        )
        .distinct()
        .order_by("name", "id")
    )


def is_lead_for(person_id: int, concern: Concern) -> bool:
    """Whether the person is one of the concern's safeguarding leads (whom it may be assigned to)."""
    return leads_of(concern).filter(pk=person_id).exists()


def messages_in_context(concern: Concern, around: int = CONTEXT) -> list[Message]:
    """The concern's message with up to `around` messages before and after it in its conversation, deleted ones
    included (the DSL sees what was written)."""
    if concern.message is None:
        return []
    related = ("author__school", "deleted_by__school")
    thread = Message.objects.filter(conversation_id=concern.message.conversation_id)
    roles = ("author__role_assignments", "deleted_by__role_assignments")
    before = list(
        thread.filter(pk__lt=concern.message_id)
        .select_related(*related)
        .prefetch_related(*roles)
        .order_by("-pk")[:around]
    )
    after = list(
        thread.filter(pk__gte=concern.message_id)
        .select_related(*related)
        .prefetch_related(*roles)
        .order_by("pk")[: around + 1]
    )
    messages = [*reversed(before), *after]
    attach_revisions(messages)
    return messages


def attach_revisions(messages: list[Message]) -> None:
    """Load the earlier versions of these messages in one query (as `dsl_revisions`, oldest first)."""
    revisions: dict[int, list[MessageRevision]] = {}
    for revision in MessageRevision.objects.filter(message__in=messages).order_by("id"):
        revisions.setdefault(revision.message_id, []).append(revision)
    for message in messages:
        message.dsl_revisions = revisions.get(message.pk, [])  # type: ignore[attr-defined]


def notes_of(concern: Concern) -> list[Any]:
    """The concern's chronology, oldest first."""
    return list(
        concern.notes.select_related("author__school")
        .prefetch_related("author__role_assignments")
        .order_by("created_at", "id")
    )


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
