"""Investigation exports: who reaches which ones, what a scope means in messages, and how an export is shown
(never its content: only the scope, the reason, the decision and counts). The state changes are in
compliance/actions/investigations.py; docs/records.md ("Investigations") says the rules in plain words.

Reach. The data protection officer's grant is organisation-wide; a headteacher's is their own school's: the
people of that school, and the conversations of that school (not the trust-wide ones, as in the group register).
An export remembers the one school its whole scope lies in, if any (`InvestigationExport.school`): a headteacher
of that school may see and approve it; an export without one is the trust's, for trust-wide people only.

Scope. Messages of the export's organisation (of its school, when it has one), narrowed by each part given:
- conversations: in one of them (none listed: every conversation in reach);
- people: written by one of them, or mentioning one of them (@name);
- dates: written on or after `from` and on or before `to` (whole days, in the school's time zone);
- words: the text matches any of the words or phrases, as search matches it (every word of a phrase, each as a
  prefix), or an earlier version of an edited message contains one (plain substring).
Deleted messages and earlier versions are included: an investigation sees the whole record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.accounts.permissions import Scope
from staffroom.compliance.bundle import About
from staffroom.compliance.models import InvestigationExport
from staffroom.errors import NotFound, PermissionDenied
from staffroom.messaging.models import Conversation, Message, MessageRevision
from staffroom.messaging.search import containing_any

# How long after approval the requester and the approver may download it; after that it is expired and a new
# request (with a new approval) is needed.
DOWNLOAD_DAYS = 7
MAX_WORDS = 20
MAX_WORD_LENGTH = 100
MAX_IDS = 500
PERMISSIONS = ("investigation.request", "investigation.approve")


@dataclass(frozen=True)
class Reach:
    """Where a permission reaches for someone: the whole organisation, or these schools."""

    everywhere: bool
    schools: frozenset[int]

    def people(self, organisation_id: int) -> QuerySet[Person]:
        found = Person.objects.filter(organisation_id=organisation_id)
        return found if self.everywhere else found.filter(school_id__in=self.schools)

    def conversations(self, organisation_id: int) -> QuerySet[Conversation]:
        found = Conversation.objects.filter(organisation_id=organisation_id)
        return found if self.everywhere else found.filter(school_id__in=self.schools)

    def exports(self, organisation_id: int) -> QuerySet[InvestigationExport]:
        found = InvestigationExport.objects.filter(organisation_id=organisation_id)
        return found if self.everywhere else found.filter(school_id__in=self.schools)


def reach(viewer: Person, permission: str) -> Reach | None:
    """Where `permission` (investigation.request or .approve) reaches for the viewer; None when nowhere. A
    school-scope role held trust-wide reaches the whole organisation."""
    org_roles, org_schools = permissions.schools_with_scope(viewer, permission, Scope.ORGANISATION)
    everywhere, schools = permissions.schools_with_scope(viewer, permission, Scope.SCHOOL)
    if org_roles or org_schools or everywhere:
        return Reach(True, frozenset())
    return Reach(False, frozenset(schools)) if schools else None


def may_investigate(viewer: Person) -> bool:
    """Whether the viewer has the investigations console at all (the DPO, headteachers)."""
    return any(reach(viewer, permission) is not None for permission in PERMISSIONS)


def may_approve(viewer: Person, export: InvestigationExport) -> bool:
    """A second person (never the requester) whose approval reaches the export's whole scope."""
    found = reach(viewer, "investigation.approve")
    return (
        found is not None
        and export.requested_by_id != viewer.pk
        and (found.everywhere or (export.school_id is not None and export.school_id in found.schools))
    )


def may_download(viewer: Person, export: InvestigationExport, now: datetime) -> bool:
    """The requester or the approver, while the approval lasts."""
    return (
        export.status_at(now) == InvestigationExport.Status.APPROVED
        and viewer.pk in (export.requested_by_id, export.approved_by_id)
        and export_reach(viewer).exports(viewer.organisation_id).filter(pk=export.pk).exists()
    )


def export_reach(viewer: Person) -> Reach:
    """Where either investigation permission reaches for the viewer: the exports they may see."""
    reaches = [found for found in (reach(viewer, p) for p in PERMISSIONS) if found is not None]
    if not reaches:
        raise PermissionDenied(_("Only the data protection officer and headteachers handle investigation exports."))
    if any(found.everywhere for found in reaches):
        return Reach(True, frozenset())
    return Reach(False, frozenset().union(*(found.schools for found in reaches)))


def investigation_exports(viewer: Person) -> QuerySet[InvestigationExport]:
    """The exports the viewer may see, newest first. PermissionDenied for someone without either permission."""
    return (
        export_reach(viewer)
        .exports(viewer.organisation_id)
        .select_related("requested_by", "approved_by", "refused_by", "school")
        .order_by("-requested_at", "-id")
    )


def get_investigation_export(viewer: Person, export_id: int, *, lock: bool = False) -> InvestigationExport:
    """One export the viewer may see (locked for an action); NotFound for any other id, another organisation's
    included."""
    exports = investigation_exports(viewer)
    if lock:
        exports = exports.select_for_update(of=("self",))
    export = exports.filter(pk=export_id).first()
    if export is None:
        raise NotFound()
    return export


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def scope_messages(export: InvestigationExport) -> QuerySet[Message]:
    """Every message in the export's scope (see the module's doc), deleted ones included."""
    messages = Message.objects.filter(conversation__organisation_id=export.organisation_id)
    if export.school_id is not None:
        messages = messages.filter(conversation__school_id=export.school_id)
    if export.conversation_ids:
        messages = messages.filter(conversation_id__in=export.conversation_ids)
    if export.person_ids:
        mentioning = Message.mentions.through.objects.filter(person_id__in=export.person_ids).values("message_id")
        messages = messages.filter(Q(author_id__in=export.person_ids) | Q(pk__in=mentioning))
    if export.date_from:
        messages = messages.filter(created_at__gte=_start(export.date_from))
    if export.date_to:
        messages = messages.filter(created_at__lt=_start(export.date_to + timedelta(days=1)))
    if export.words:
        earlier = Q()
        for word in export.words:
            earlier |= Q(body__icontains=word)
        edited = MessageRevision.objects.filter(earlier).values("message_id")
        messages = messages.filter(Q(pk__in=containing_any(Message.objects.all(), export.words).values("pk"))
                                   | Q(pk__in=edited))  # fmt: skip
    return messages


def scope_labels(export: InvestigationExport) -> dict[str, Any]:
    """The scope as a reader sees it: people by name, conversations by title (ids too), dates, words."""
    people = Person.objects.filter(organisation_id=export.organisation_id, pk__in=export.person_ids)
    conversations = Conversation.objects.filter(organisation_id=export.organisation_id, pk__in=export.conversation_ids)
    return {
        "people": [{"id": p.pk, "name": p.name} for p in people.order_by("name", "id")],
        "conversations": [{"id": c.pk, "title": str(c)} for c in conversations.order_by("title", "id")],
        "from": export.date_from.isoformat() if export.date_from else None,
        "to": export.date_to.isoformat() if export.date_to else None,
        "words": list(export.words),
        "school": export.school.name if export.school_id and export.school else None,
    }


def export_payload(export: InvestigationExport, *, viewer: Person, now: datetime | None = None,
                   count: bool = False) -> dict[str, Any]:  # fmt: skip
    """An export as the API and the console show it: scope, reason, decision, downloads; never any content.
    `count` adds how many messages the scope holds now (a number, no text)."""
    now = now or timezone.now()

    def who(person: Person | None) -> dict[str, Any] | None:
        return {"id": person.pk, "name": person.name} if person else None

    def when(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    labels = scope_labels(export)
    payload: dict[str, Any] = {
        "id": export.pk, "status": export.status_at(now), "reason": export.reason,
        "requested_by": who(export.requested_by), "requested_at": export.requested_at.isoformat(),
        "school": labels.pop("school"),
        "scope": {"person_ids": list(export.person_ids), "conversation_ids": list(export.conversation_ids),
                  "from": labels["from"], "to": labels["to"], "words": labels["words"],
                  "people": labels["people"], "conversations": labels["conversations"]},
        "approved_by": who(export.approved_by), "approved_at": when(export.approved_at),
        "expires_at": when(export.expires_at), "refused_by": who(export.refused_by),
        "refused_at": when(export.refused_at), "refusal_reason": export.refusal_reason,
        "downloads": export.downloads, "last_downloaded_at": when(export.last_downloaded_at),
        "may_approve": export.status_at(now) == InvestigationExport.Status.REQUESTED and may_approve(viewer, export),
        "may_download": may_download(viewer, export, now),
    }  # fmt: skip
    if count:
        payload["message_count"] = scope_messages(export).count()
    return payload


def bundle_about(export: InvestigationExport, *, acting: Person, now: datetime) -> About:
    """What the ZIP says about itself: the request, the reason, both people, the scope."""
    labels = scope_labels(export)
    approved_by = export.approved_by.name if export.approved_by else ""
    scope: dict[str, Any] = {
        "Request": f"{export.pk}",
        "Requested by": export.requested_by.name,
        "Approved by": approved_by,
        "Approved at": export.approved_at.isoformat(timespec="seconds") if export.approved_at else "",
        "Downloaded by": acting.name,
    }
    if labels["school"]:
        scope["School"] = labels["school"]
    if labels["people"]:
        scope["People (wrote or mentioned)"] = ", ".join(p["name"] for p in labels["people"])
    if labels["conversations"]:
        scope["Conversations"] = ", ".join(c["title"] for c in labels["conversations"])
    if labels["from"] or labels["to"]:
        scope["Dates"] = f"{labels['from'] or 'the start'} to {labels['to'] or 'now'}"
    if labels["words"]:
        scope["Words"] = ", ".join(labels["words"])
    return About(
        title=f"Investigation export {export.pk}", reason=export.reason,
        made_by=f"{acting.name} (requested by {export.requested_by.name}, approved by {approved_by})",
        scope=scope, made_at=now,
    )  # fmt: skip
