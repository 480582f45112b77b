"""What the designated safeguarding lead does with the queue (KCSIE): look at it, open a concern, assign it,
write notes, and move it open -> reviewed -> escalated (the referral recorded) -> closed (with the outcome).

Every look is audited (ids only, never the text); every change writes a note in the concern's chronology and an
audit entry. A closed concern may be reopened (with a note saying why): new information about a child often
comes after a case was closed, and the chronology must stay in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.messaging.models import Message
from staffroom.realtime import streams
from staffroom.safeguarding import queries
from staffroom.safeguarding.models import Concern, ConcernNote
from staffroom.text import clean as clean_text

S = Concern.Status
# Where a concern may go from each status. Closing is allowed from any open state; reopening only from closed.
MOVES: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.REVIEWED, S.ESCALATED, S.CLOSED}),
    S.REVIEWED: frozenset({S.ESCALATED, S.CLOSED}),
    S.ESCALATED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset({S.OPEN}),
}
MAX_TEXT = 10_000
# Tells update_concern to leave the assignment as it is (None takes it off whoever has it).
UNCHANGED: Any = object()


def list_concerns(*, acting: Person, filters: queries.Filters | None = None, cursor: str | None = None) -> queries.Page:
    """One page of the queue the acting lead may see; the look is audited (ids only)."""
    filters = filters or queries.Filters()
    if not queries.may_view_queue(acting):
        raise PermissionDenied()
    page = queries.queue(acting, filters, cursor=cursor)
    with transaction.atomic():
        audit.record(
            acting, AuditAction.CONCERNS_LISTED,
            data={"count": len(page.items), "concern_ids": [c.pk for c in page.items],
                  "filters": {k: v for k, v in vars(filters).items() if v}},
        )  # fmt: skip
    return page


@dataclass(frozen=True)
class OpenedConcern:
    concern: Concern
    context: list[Message]
    notes: list[ConcernNote]


def open_concern(concern_id: int, *, acting: Person) -> OpenedConcern:
    """One concern with its message in context and its notes; the look is audited (which messages were shown)."""
    concern = queries.concern_for(acting, concern_id)
    permissions.require(acting, "concern.view", queries.permission_target(concern))
    context = queries.messages_in_context(concern)
    notes = queries.notes_of(concern)
    with transaction.atomic():
        audit.record(
            acting, AuditAction.CONCERN_VIEWED, target=concern, conversation=concern.conversation_id,
            data={"concern_id": concern.pk, "message_ids": [m.pk for m in context],
                  "deleted_shown": sum(1 for m in context if m.deleted_at is not None),
                  "edited_shown": sum(1 for m in context if m.edited_at is not None)},
        )  # fmt: skip
    return OpenedConcern(concern, context, notes)


def _text(value: str | None, field: str) -> str:
    text = clean_text(value or "", multiline=True)
    if len(text) > MAX_TEXT:
        raise Invalid(field, _("Keep it under %(n)d characters.") % {"n": MAX_TEXT})
    return text


def update_concern(
    concern_id: int,
    *,
    acting: Person,
    status: str | None = None,
    assigned_to: int | None = UNCHANGED,
    note: str | None = None,
    referral: str | None = None,
    outcome: str | None = None,
) -> Concern:
    """Assign the concern (to one of its school's safeguarding leads, or nobody), move its status, add a note.
    Escalating needs the referral (to whom, and the reference); closing needs the outcome; reopening a closed
    concern needs a note saying why. Each change is a note in the chronology and an audit entry."""
    note_text = _text(note, "note")
    referral_text = _text(referral, "referral")
    outcome_text = _text(outcome, "outcome")
    if status is not None and status not in S.values:
        raise Invalid("status", _("Choose open, reviewed, escalated or closed."))
    with transaction.atomic():
        concern = queries.lock_concern(acting, concern_id)
        permissions.require(acting, "concern.manage", queries.permission_target(concern))
        apply_changes(
            concern, acting=acting, status=status, assigned_to=assigned_to,
            note=note_text, referral=referral_text, outcome=outcome_text,
        )  # fmt: skip
    return concern


def apply_changes(
    concern: Concern,
    *,
    acting: Person,
    status: str | None = None,
    assigned_to: int | None = UNCHANGED,
    note: str = "",
    referral: str = "",
    outcome: str = "",
) -> Concern:
    """The inside of `update_concern`, for a concern its caller has locked in its own transaction and whose
    permission it has checked (the photo check closes the concern raised for its photo: actions/photos.py):
    the same moves, the same notes in the chronology and the same audit entries. Texts are already cleaned."""
    note_text, referral_text, outcome_text = note, referral, outcome
    now = timezone.now()
    changes: list[tuple[AuditAction, dict[str, Any], str]] = []

    if assigned_to is not UNCHANGED and assigned_to != concern.assigned_to_id:
        assignee = None
        if assigned_to is not None:
            if not queries.is_lead_for(assigned_to, concern):
                raise Invalid(
                    "assigned_to", _("A concern can be given only to a safeguarding lead or deputy of its school.")
                )
            assignee = Person.objects.get(pk=assigned_to)
        previous, previous_name = concern.assigned_to_id, concern.assigned_to.name if concern.assigned_to else ""
        concern.assigned_to = assignee
        body = (
            _("Given to %(name)s.") % {"name": assignee.name}
            if assignee
            else _("Taken off %(name)s.") % {"name": previous_name}
        )
        changes.append((AuditAction.CONCERN_ASSIGNED, {"assigned_to": assigned_to, "previous": previous}, body))

    if status is not None and status != concern.status:
        if status not in MOVES[concern.status]:
            raise Invalid(
                "status",
                _("A concern that is %(now)s cannot be marked %(then)s.")
                % {"now": concern.get_status_display().lower(), "then": S(status).label.lower()},
            )
        body = str(S(status).label)
        if status == S.ESCALATED:
            if not referral_text:
                raise Invalid("referral", _("Say to whom it was referred (MASH, police, Prevent) and the reference."))
            concern.referral, concern.referred_at = referral_text, now
            body = _("Escalated: %(referral)s") % {"referral": referral_text}
        elif status == S.CLOSED:
            if not outcome_text:
                raise Invalid("outcome", _("Say what the outcome was before closing the concern."))
            concern.outcome, concern.closed_at, concern.closed_by = outcome_text, now, acting
            body = _("Closed: %(outcome)s") % {"outcome": outcome_text}
        elif status == S.OPEN:
            if not note_text:
                raise Invalid("note", _("Say why the concern is reopened."))
            concern.closed_at, concern.closed_by = None, None
            body = _("Reopened.")
        elif status == S.REVIEWED:
            body = _("Marked reviewed.")
        changes.append((AuditAction.CONCERN_STATUS_CHANGED, {"from": concern.status, "to": status}, body))
        concern.status = status

    if note_text:
        changes.append((AuditAction.CONCERN_NOTED, {}, note_text))
    if not changes:
        raise Invalid("note", _("Nothing to change: choose a status, a person, or write a note."))

    concern.updated_at = now
    concern.save()
    kinds = {
        AuditAction.CONCERN_ASSIGNED: ConcernNote.Kind.ASSIGNED,
        AuditAction.CONCERN_STATUS_CHANGED: ConcernNote.Kind.STATUS,
        AuditAction.CONCERN_NOTED: ConcernNote.Kind.NOTE,
    }
    ConcernNote.objects.bulk_create(
        [
            ConcernNote(concern=concern, author=acting, kind=kinds[action], body=body, created_at=now)
            for action, _data, body in changes
        ]
    )
    for action, data, _body in changes:
        audit.record(
            acting, action, target=concern, conversation=concern.conversation_id,
            data={"concern_id": concern.pk, **data},
        )  # fmt: skip
    return concern


def alert_leads(concern_id: int) -> list[int]:
    """Tell the school's safeguarding leads at once that a high-severity concern was raised: a live event with
    ids only (never the text). Returns who was told; lower severities wait in the queue and tell nobody."""
    with transaction.atomic():
        concern = Concern.objects.select_for_update().filter(pk=concern_id).first()
        if concern is None:
            raise NotFound()
        if concern.severity != Concern.Severity.HIGH:
            return []
        leads = list(queries.leads_of(concern).values_list("pk", flat=True))
        if not leads:
            return []
        streams.publish_on_commit(
            concern.organisation_id,
            "concern.raised",
            people=leads,
            data={"concern_id": concern.pk, "category": concern.category, "severity": concern.severity,
                  "conversation_id": concern.conversation_id},
        )  # fmt: skip
        audit.record(
            None, AuditAction.CONCERN_ALERTED, target=concern, organisation=concern.organisation_id,
            conversation=concern.conversation_id, data={"concern_id": concern.pk, "people": len(leads)},
        )  # fmt: skip
    return leads
