"""The termly membership review: whoever runs a conversation confirms who stays, taking out who should not."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid
from staffroom.messaging.actions.members import _lock_conversation, remove_member
from staffroom.messaging.models import Conversation, Membership, MembershipReview
from staffroom.text import clean as clean_text

REVIEW_REASON = "Termly membership review"


def review_members(
    conversation: Conversation, *, acting: Person, remove_ids: Sequence[int] = (), note: str = ""
) -> MembershipReview:
    """Confirm the members of a conversation one runs, taking out `remove_ids` first; all of it or none."""
    permissions.require(acting, "conversation.manage_members", conversation)
    if conversation.kind == Conversation.Kind.DIRECT:
        raise Invalid("conversation", _("Direct messages are between two people and are not reviewed."))
    note = clean_text(note or "", multiline=True)
    if len(note) > 2000:
        raise Invalid("note", _("A note can be at most 2,000 characters."))
    removing = sorted({int(i) for i in remove_ids})
    if acting.pk in removing:
        raise Invalid("remove_ids", _("To leave the conversation yourself, use Leave on its members page."))
    with transaction.atomic():
        _lock_conversation(conversation)
        present = set(Membership.objects.filter(conversation=conversation).values_list("person_id", flat=True))
        missing = [i for i in removing if i not in present]
        if missing:
            raise Invalid("remove_ids", _("Person %(id)s is not a member of this conversation.") % {"id": missing[0]})
        for person_id in removing:
            remove_member(conversation, person_id, acting=acting, reason=REVIEW_REASON)
        now = timezone.now()
        review = MembershipReview.objects.create(
            conversation=conversation, reviewed_by=acting, reviewed_at=now, kept=len(present) - len(removing),
            removed_ids=removing, note=note,
        )  # fmt: skip
        Conversation.objects.filter(pk=conversation.pk).update(last_reviewed_at=now)
        conversation.last_reviewed_at = now
        audit.record(
            acting, AuditAction.MEMBERS_REVIEWED, target=conversation, conversation=conversation,
            data={"kept": review.kept, "removed": removing}, details={"note": note} if note else None,
        )  # fmt: skip
    return review
