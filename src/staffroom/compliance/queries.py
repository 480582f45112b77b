"""Scoped reads of the school's records: the audit log (the DPO and IT admins, `audit.view`), the breach register
and erasure requests (the DPO)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import AuditEntry, Breach, ErasureRequest
from staffroom.errors import Invalid, NotFound, PermissionDenied

PAGE = 100
MAX_PAGE = 500


@dataclass(frozen=True)
class AuditFilters:
    """What the log is narrowed to: who acted (a person, or a service), what, to which target or conversation,
    between which days (inclusive)."""

    actor_id: int | None = None
    service: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    conversation_id: int | None = None
    since: date | None = None
    until: date | None = None
    q: str = ""  # words in the readable labels and the reason


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_log(viewer: Person, filters: AuditFilters | None = None) -> QuerySet[AuditEntry]:
    """The viewer's organisation's audit entries that match, newest first. PermissionDenied for anyone
    without `audit.view`."""
    if not permissions.allows(viewer, "audit.view", viewer.organisation):
        raise PermissionDenied(_("Only the data protection officer and IT admins read the audit log."))
    filters = filters or AuditFilters()
    entries = AuditEntry.objects.filter(organisation_id=viewer.organisation_id).select_related("actor")
    if filters.actor_id is not None:
        entries = entries.filter(actor_id=filters.actor_id)
    if filters.service:
        entries = entries.filter(actor_service=filters.service)
    if filters.action:
        if filters.action not in AuditAction.__members__.values():
            raise Invalid("action", _("This is not one of the audit log's actions (see docs/audit.md)."))
        entries = entries.filter(action=filters.action)
    if filters.target_type:
        entries = entries.filter(target_type=filters.target_type)
    if filters.target_id:
        entries = entries.filter(target_id=filters.target_id)
    if filters.conversation_id is not None:
        entries = entries.filter(conversation_id=filters.conversation_id)
    if filters.since and filters.until and filters.until < filters.since:
        raise Invalid("until", _("The last day is before the first day."))
    if filters.since:
        entries = entries.filter(created_at__gte=_start(filters.since))
    if filters.until:
        entries = entries.filter(created_at__lt=_start(filters.until + timedelta(days=1)))
    words = filters.q.strip()
    if len(words) > 200:
        raise Invalid("q", _("Search for at most 200 characters."))
    if words:
        entries = entries.filter(
            Q(actor_label__icontains=words) | Q(target_label__icontains=words) | Q(reason__icontains=words)
        )
    return entries.order_by("-id")


def breach_register(viewer: Person) -> QuerySet[Breach]:
    """The organisation's breaches, open ones first, then newest first: for whoever keeps the register."""
    permissions.require(viewer, "breach.manage", viewer.organisation)
    return (
        Breach.objects.filter(organisation_id=viewer.organisation_id)
        .select_related("reported_by", "person", "decided_by")
        .order_by("-status", "-aware_at")  # "open" sorts after "closed": descending puts open first
    )


def breach_payload(breach: Breach) -> dict[str, Any]:
    def who(person: Person | None) -> dict[str, Any] | None:
        return {"id": person.pk, "name": person.name} if person else None

    def when(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "id": breach.pk, "kind": breach.kind, "title": breach.title, "description": breach.description,
        "aware_at": breach.aware_at.isoformat(), "ico_deadline": ico_deadline(breach).isoformat(),
        "reported_by": who(breach.reported_by), "person": who(breach.person), "risk": breach.risk,
        "notify_ico": breach.notify_ico, "decision_reason": breach.decision_reason,
        "decided_at": when(breach.decided_at), "ico_notified_at": when(breach.ico_notified_at),
        "people_told_at": when(breach.people_told_at), "status": breach.status, "outcome": breach.outcome,
        "closed_at": when(breach.closed_at),
    }  # fmt: skip


ICO_HOURS = 72


def ico_deadline(breach: Breach) -> datetime:
    """UK GDPR Art. 33: the ICO is told within 72 hours of the school becoming aware."""
    return breach.aware_at + timedelta(hours=ICO_HOURS)


# --- erasure requests -------------------------------------------------------------------------------------


def _decides_erasures(viewer: Person) -> None:
    if not permissions.allows(viewer, "erasure.decide", viewer.organisation):
        raise PermissionDenied(_("Only the data protection officer handles erasure requests."))


def erasure_subject(viewer: Person, person_id: int, *, lock: bool = False) -> Person:
    """A person of the viewer's organisation an erasure request may be about (locked for an action). NotFound for
    another organisation's person, exactly as for one that does not exist."""
    _decides_erasures(viewer)
    people = Person.objects.filter(organisation_id=viewer.organisation_id)
    if lock:
        people = people.select_for_update()
    person = people.filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    return person


def erasure_candidates(viewer: Person, words: str, *, limit: int = 20) -> list[Person]:
    """People of the viewer's organisation whose name contains `words`, active or not (leavers are who ask most),
    for choosing the subject of a request. Erased people are not offered again."""
    _decides_erasures(viewer)
    words = words.strip()
    if not words:
        return []
    if len(words) > 150:
        raise Invalid("q", _("Search for at most 150 characters."))
    erased = ErasureRequest.objects.filter(status=ErasureRequest.Status.ERASED).values("subject_id")
    people = Person.objects.filter(organisation_id=viewer.organisation_id, name__icontains=words).exclude(pk__in=erased)
    return list(people.select_related("school").order_by("name", "pk")[:limit])


def erasure_requests(viewer: Person) -> QuerySet[ErasureRequest]:
    """The organisation's erasure requests, open ones first, then the most recently received."""
    _decides_erasures(viewer)
    return (
        ErasureRequest.objects.filter(organisation_id=viewer.organisation_id)
        .select_related("subject", "logged_by", "decided_by")
        .order_by(Case(When(status=ErasureRequest.Status.OPEN, then=0), default=1), "-received_on", "-pk")
    )


def erasure_request(viewer: Person, request_id: int, *, lock: bool = False) -> ErasureRequest:
    """One erasure request of the viewer's organisation (locked for an action); NotFound for any other."""
    _decides_erasures(viewer)
    requests = ErasureRequest.objects.filter(organisation_id=viewer.organisation_id)
    if lock:
        requests = requests.select_for_update(of=("self",))  # not the joined people (nullable on PostgreSQL)
    request = requests.filter(pk=request_id).select_related("subject", "logged_by", "decided_by").first()
    if request is None:
        raise NotFound()
    return request


def erasure_payload(request: ErasureRequest) -> dict[str, Any]:
    """An erasure request as the API shows it; an open one says what stands in the way of erasing now."""
    from staffroom.compliance.erasure import reasons_to_refuse  # it reads legal holds through this module

    def who(person: Person | None) -> dict[str, Any] | None:
        return {"id": person.pk, "name": person.name} if person else None

    is_open = request.status == ErasureRequest.Status.OPEN
    return {
        "id": request.pk, "subject": who(request.subject), "received_on": request.received_on.isoformat(),
        "reason": request.reason, "logged_by": who(request.logged_by), "logged_at": request.logged_at.isoformat(),
        "status": request.status, "decision": request.decision or None, "decision_reason": request.decision_reason,
        "decided_by": who(request.decided_by),
        "decided_at": request.decided_at.isoformat() if request.decided_at else None,
        "erased": request.erased, "reasons_to_refuse": reasons_to_refuse(request.subject) if is_open else [],
    }  # fmt: skip
