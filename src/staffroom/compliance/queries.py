"""Scoped reads of the audit log, for the data protection officer and IT admins (`audit.view`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import AuditEntry
from staffroom.errors import Invalid, PermissionDenied

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
