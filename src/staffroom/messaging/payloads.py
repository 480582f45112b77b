"""The JSON shapes of conversations and messages, shared by the API and the realtime events."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from staffroom.accounts.models import ExternalAccessRequest
from staffroom.accounts.payloads import person_payload
from staffroom.messaging.models import Attachment, Conversation, Membership, MembershipReview, Message
from staffroom.messaging.queries import RegisterRow


def attachment_payload(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": str(attachment.id),
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "width": attachment.width,
        "height": attachment.height,
        "url": reverse("web:attachment", args=[attachment.id]),
        # Held for review: the file answers only its sender and those who may release it until then.
        "held": attachment.held,
        # Removed after review: the file answers nobody in the conversation.
        "removed": attachment.removed,
    }


def reactions_payload(message: Message) -> list[dict[str, Any]]:
    grouped: dict[str, list[int]] = {}
    for reaction in sorted(message.reactions.all(), key=lambda r: r.pk):
        grouped.setdefault(reaction.emoji, []).append(reaction.person_id)
    return [{"emoji": e, "count": len(ids), "person_ids": ids} for e, ids in grouped.items()]


def message_payload(message: Message) -> dict[str, Any]:
    """A message as clients see it; a deleted message keeps its place but shows no content. A message the
    safeguarding lead hid shows as deleted, with `hidden: true`, to everyone (the DSL reads its text through
    the audited history, messaging.actions.view_message_history)."""
    hidden = message.hidden_at is not None
    deleted = message.deleted_at is not None or hidden
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "author": person_payload(message.author),
        "body": "" if deleted else message.body,
        "html": "" if deleted else message.html,
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": deleted,
        "hidden": hidden,
        "reply_to": message.reply_to_id,
        "client_id": message.client_id or None,
        "mentions": [] if deleted else sorted(p.pk for p in message.mentions.all()),
        "attachments": [] if deleted else [attachment_payload(a) for a in message.attachments.all()],
        "reactions": [] if deleted else reactions_payload(message),
        "acknowledgements": len(message.acknowledgements.all())
        if message.conversation.kind == Conversation.Kind.ANNOUNCEMENT
        else None,
    }


def conversation_payload(
    conversation: Conversation, *, unread: int = 0, member_count: int | None = None
) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "kind": conversation.kind,
        "title": conversation.title,
        "description": conversation.description,
        "school": conversation.school.name if conversation.school_id and conversation.school else None,
        "school_id": conversation.school_id,
        "member_count": member_count
        if member_count is not None
        else getattr(conversation, "member_count", None) or conversation.memberships.count(),
        "unread": unread,
        "last_message_at": conversation.last_message_at.isoformat() if conversation.last_message_at else None,
    }


def external_request_payload(request: ExternalAccessRequest) -> dict[str, Any]:
    """A request for an outsider, as its sponsor and the people deciding it see it."""
    return {
        "id": request.pk,
        "name": request.name,
        "email": request.email,
        "organisation_name": request.organisation_name,
        "reason": request.reason,
        "conversation_ids": list(request.conversation_ids),
        "access_ends_on": request.access_ends_on.isoformat(),
        "status": request.status,
        "sponsor": {"id": request.sponsor_id, "name": request.sponsor.name},
        "created_at": request.created_at.isoformat(),
        "decided_by": {"id": request.decided_by_id, "name": request.decided_by.name} if request.decided_by else None,
        "decided_at": request.decided_at.isoformat() if request.decided_at else None,
        "decision_reason": request.decision_reason,
        "person_id": request.person_id,
    }


def member_payload(membership: Membership) -> dict[str, Any]:
    """A member of a conversation: the person, and their role in it (`owner`, `admin` or `member`)."""
    return {**person_payload(membership.person), "membership_role": membership.role}


def register_payload(row: RegisterRow) -> dict[str, Any]:
    """A conversation as the group register shows it: what it is, who runs it, how many are in it and when it
    was used and reviewed. Nothing anyone wrote in it."""
    return {
        "id": row.id,
        "kind": row.kind,
        "title": row.title,
        "school": row.school,
        "school_id": row.school_id,
        "owners": [{"id": owner.id, "name": owner.name} for owner in row.owners],
        "member_count": row.member_count,
        "external_count": row.external_count,
        "created_at": row.created_at.isoformat(),
        "last_activity_at": row.last_activity_at.isoformat(),
        "last_reviewed_at": row.last_reviewed_at.isoformat() if row.last_reviewed_at else None,
        "archived": row.archived,
        "review_due": row.review_due,
        "review_overdue": row.review_overdue,
    }


def review_payload(review: MembershipReview) -> dict[str, Any]:
    """A termly membership review: who confirmed the members, when, how many stayed and who was taken out."""
    return {
        "reviewed_at": review.reviewed_at.isoformat(),
        "reviewed_by": {"id": review.reviewed_by_id, "name": review.reviewed_by.name},
        "kept": review.kept,
        "removed_ids": list(review.removed_ids),
    }
