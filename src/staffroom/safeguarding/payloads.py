"""Concerns as the API shows them to a safeguarding lead, and messages as the lead sees them: the text as it is
now even after its author deleted it, every earlier version of an edited message, and who deleted it and when.
Only the text of a person whose data was erased is gone (and an erasure is refused while a concern involves
them)."""

from __future__ import annotations

from typing import Any

from staffroom.accounts.payloads import person_payload
from staffroom.messaging.models import Message
from staffroom.safeguarding.models import Concern, ConcernNote


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def _person(person: Any) -> dict[str, Any] | None:
    return person_payload(person) if person is not None else None


def message_as_lead_sees(message: Message) -> dict[str, Any]:
    """A message with nothing hidden: current text, earlier versions (oldest first), deletion."""
    erased = message.erased_at is not None
    revisions = getattr(message, "dsl_revisions", None)
    if revisions is None:
        revisions = list(message.revisions.select_related("replaced_by").order_by("id"))
    history = [
        {"body": "" if erased else r.body, "written_at": _when(r.written_at), "replaced_at": _when(r.replaced_at)}
        for r in revisions
    ]
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "author": person_payload(message.author),
        "body": "" if erased else message.body,
        "original_body": history[0]["body"] if history else ("" if erased else message.body),
        "created_at": _when(message.created_at),
        "edited_at": _when(message.edited_at),
        "edits": history,
        "deleted": message.deleted_at is not None,
        "deleted_at": _when(message.deleted_at),
        "deleted_by": _person(message.deleted_by) if message.deleted_by_id else None,
        "erased": erased,
    }


def note_payload(note: ConcernNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "kind": note.kind,
        "author": _person(note.author),
        "body": note.body,
        "created_at": _when(note.created_at),
    }


def concern_payload(concern: Concern) -> dict[str, Any]:
    """One concern in the queue, with its message as the lead sees it."""
    message = concern.message
    return {
        "id": concern.pk,
        "category": concern.category,
        "category_label": str(concern.get_category_display()),
        "severity": concern.severity,
        "status": concern.status,
        "source": concern.source,
        "message": message_as_lead_sees(message) if message is not None else None,
        "conversation_id": concern.conversation_id,
        "conversation": concern.conversation.title if concern.conversation_id and concern.conversation else None,
        "school_id": concern.school_id,
        "school": concern.school.name if concern.school_id and concern.school else None,
        "about": _person(concern.about),
        "raised_by": _person(concern.raised_by),
        "assigned_to": _person(concern.assigned_to),
        "findings": list(concern.findings or []),
        "note": concern.note,
        "referral": concern.referral,
        "referred_at": _when(concern.referred_at),
        "outcome": concern.outcome,
        "closed_at": _when(concern.closed_at),
        "created_at": _when(concern.created_at),
        "updated_at": _when(concern.updated_at),
    }


def concern_detail_payload(concern: Concern, context: list[Message], notes: list[ConcernNote]) -> dict[str, Any]:
    """One concern opened: its message in context (a few before and after), the people, the notes."""
    return {
        **concern_payload(concern),
        "context": [message_as_lead_sees(m) for m in context],
        "notes": [note_payload(n) for n in notes],
        "closed_by": _person(concern.closed_by),
    }
