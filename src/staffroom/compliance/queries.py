"""Scoped reads of the audit log, for the data protection officer and IT admins (`audit.view`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.accounts.permissions import Scope
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import AuditEntry, Breach, SubjectAccessPause, SubjectAccessRequest
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


# --- subject access requests ------------------------------------------------------------------------------


def may_view_sars(viewer: Person) -> bool:
    """The DPO, or a headteacher (`records.view` anywhere)."""
    everywhere = permissions.schools_with_scope(viewer, "records.view", Scope.ORGANISATION)[0]
    return everywhere or bool(permissions.schools_with_scope(viewer, "records.view", Scope.SCHOOL)[1])


def _sar_scope(viewer: Person) -> QuerySet[SubjectAccessRequest]:
    """Requests the viewer may see: all of the organisation's for the DPO, their own school's people's for a
    headteacher (`records.view`); PermissionDenied for anyone else."""
    everywhere, schools = permissions.schools_with_scope(viewer, "records.view", Scope.ORGANISATION)
    if not everywhere:
        schools = permissions.schools_with_scope(viewer, "records.view", Scope.SCHOOL)[1]
        if not schools and not permissions.allows(viewer, "records.view", viewer.organisation):
            raise PermissionDenied(
                _("Only the data protection officer, and headteachers, see subject access requests.")
            )
    requests = SubjectAccessRequest.objects.filter(organisation_id=viewer.organisation_id)
    if not everywhere:
        requests = requests.filter(subject__school_id__in=schools)
    return requests.select_related("subject__school", "logged_by", "identity_checked_by", "extended_by",
                                   "answered_by").prefetch_related("pauses")  # fmt: skip


def subject_access_requests(viewer: Person, *, open_only: bool = False) -> QuerySet[SubjectAccessRequest]:
    """The requests the viewer may see: open ones first, soonest due first; then closed ones, latest first."""
    requests = _sar_scope(viewer)
    if open_only:
        requests = requests.filter(status__in=SubjectAccessRequest.OPEN_STATUSES)
    still_open = Case(When(status__in=SubjectAccessRequest.OPEN_STATUSES, then=Value(0)), default=Value(1))
    return requests.annotate(closed=still_open).order_by("closed", "due_on", "pk")


def subject_access_request(viewer: Person, sar_id: int) -> SubjectAccessRequest:
    """One request the viewer may see; NotFound for any other."""
    found = _sar_scope(viewer).filter(pk=sar_id).first()
    if found is None:
        raise NotFound()
    return found


def sar_subject_candidates(viewer: Person, name: str, *, limit: int = 20) -> list[Person]:
    """People of the organisation (leavers too: they may ask) whose name contains `name`, for the DPO logging
    a request."""
    permissions.require(viewer, "sar.manage", viewer.organisation)
    name = " ".join(name.split())
    if not name:
        return []
    return list(
        Person.objects.filter(organisation_id=viewer.organisation_id, name__icontains=name)
        .select_related("school")
        .order_by("name", "pk")[:limit]
    )


def open_pause(request: SubjectAccessRequest) -> SubjectAccessPause | None:
    return next((p for p in request.pauses.all() if p.ended_on is None), None)


def sar_next_step(request: SubjectAccessRequest) -> str:
    """What the DPO does next, in words."""
    Status = SubjectAccessRequest.Status
    if request.status == Status.ANSWERED:
        return _("Nothing: answered.")
    if request.status == Status.WITHDRAWN:
        return _("Nothing: withdrawn.")
    if request.status == Status.WAITING_FOR_ID:
        return _("Check the requester's identity: the clock starts when it is done.")
    if open_pause(request) is not None:
        return _("Wait for the requester to clarify, then restart the clock.")
    if not request.export_digest:
        return _("Review the messages found, then download the export.")
    return _("Send the export to the requester, then mark the request answered.")


def sar_days_left(request: SubjectAccessRequest, today: date) -> int | None:
    """Days until the due date (negative: overdue); None when closed or while the clock is stopped."""
    if not request.is_open or open_pause(request) is not None:
        return None
    return (request.due_on - today).days


def sar_due_in_words(request: SubjectAccessRequest, today: date) -> str:
    left = sar_days_left(request, today)
    if left is None:
        if request.is_open:
            return _("Clock stopped: the due date moves on a day for each day it stays stopped.")
        return ""
    if left < 0:
        return ngettext("Overdue by %(n)d day", "Overdue by %(n)d days", -left) % {"n": -left}
    if left == 0:
        return _("Due today")
    return ngettext("%(n)d day left", "%(n)d days left", left) % {"n": left}


def sar_payload(request: SubjectAccessRequest, today: date | None = None) -> dict[str, Any]:
    """A request as the API and the dashboard show it: dates, status and steps, never message content."""
    today = today or timezone.localdate()

    def who(person: Person | None) -> dict[str, Any] | None:
        return {"id": person.pk, "name": person.name} if person else None

    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    pause = open_pause(request)
    subject = request.subject
    return {
        "id": request.pk,
        "subject": {"id": subject.pk, "name": subject.name, "school": subject.school.name if subject.school else None,
                    "active": subject.is_active},
        "received_on": request.received_on.isoformat(), "due_on": request.due_on.isoformat(),
        "status": request.status, "reason": request.reason, "notes": request.notes,
        "identity_checked": request.identity_checked, "identity_checked_by": who(request.identity_checked_by),
        "identity_checked_at": request.identity_checked_at.isoformat() if request.identity_checked_at else None,
        "paused": pause is not None, "paused_since": day(pause.started_on) if pause else None,
        "pause_kind": pause.kind if pause else None,
        "pauses": [{"kind": p.kind, "from": p.started_on.isoformat(), "to": day(p.ended_on), "note": p.note}
                   for p in request.pauses.all()],
        "extended": request.extended_at is not None, "extended_reason": request.extended_reason,
        "answered_on": day(request.answered_on), "answer_digest": request.answer_digest or None,
        "withdrawn_reason": request.withdrawn_reason,
        "days_left": sar_days_left(request, today), "due_in_words": sar_due_in_words(request, today),
        "next_step": sar_next_step(request),
        "search_from": day(request.search_from), "search_to": day(request.search_to),
        "exported_at": request.exported_at.isoformat() if request.exported_at else None,
        "export_digest": request.export_digest or None,
        "logged_by": who(request.logged_by), "logged_at": request.logged_at.isoformat(),
    }  # fmt: skip


def sars_needing_attention(viewer: Person, today: date | None = None) -> list[SubjectAccessRequest]:
    """Open requests (clock running) due within 7 days or overdue: the reminder the dashboard and the console's
    navigation show."""
    today = today or timezone.localdate()
    if (
        not permissions.allows(viewer, "records.view", viewer.organisation)
        and not permissions.schools_with_scope(viewer, "records.view", Scope.SCHOOL)[1]
    ):
        return []
    soon = subject_access_requests(viewer, open_only=True).filter(due_on__lte=today + timedelta(days=7))
    return [r for r in soon if sar_days_left(r, today) is not None]
