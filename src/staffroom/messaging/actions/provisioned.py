"""Conversations a service keeps for the school: a group in the identity provider (SCIM) becomes a private
group conversation of the organisation whose members follow the directory's group.

Nobody owns such a conversation, and no person started it: the service creates, renames, changes the members
of and archives it (`conversation.provision`), and IT admins can still oversee it in the group register. Its
members are staff of the organisation; a pupil can never be put in one (pupils talk to staff only in class
channels). People who have left may stay members, as in any conversation: they can no longer sign in.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from staffroom.accounts import permissions
from staffroom.accounts.actors import ServiceActor
from staffroom.accounts.models import Organisation, Person
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import NotFound
from staffroom.messaging import events
from staffroom.messaging.actions.conversations import _clean_title
from staffroom.messaging.actions.members import _cannot_add, _check_may_belong, _lock_conversation
from staffroom.messaging.models import Conversation, Membership

Kind = Conversation.Kind


def _members(acting: ServiceActor, ids: Iterable[int]) -> list[Person]:
    """People of the service's organisation who may be in a group: staff and governors, never a pupil, never an
    external (they are let in only through a sponsor's approved request). Any other id: one refusal."""
    wanted = sorted({int(i) for i in ids})
    found = {p.pk: p for p in Person.objects.filter(organisation_id=acting.organisation_id, pk__in=wanted)}
    for person_id in wanted:
        person = found.get(person_id)
        if person is None or person.external:
            raise _cannot_add("member_ids", person_id)
        _check_may_belong(Kind.GROUP, person)
    return [found[i] for i in wanted]


def _provisioned(acting: ServiceActor, conversation_id: int, *, lock: bool = False) -> Conversation:
    conversations = Conversation.objects.filter(
        pk=conversation_id, organisation_id=acting.organisation_id, provisioned_by=acting.service.value
    )
    if lock:
        conversations = conversations.select_for_update(no_key=True, of=("self",))
    conversation = conversations.select_related("school").first()
    if conversation is None:
        raise NotFound()
    permissions.require(acting, "conversation.provision", conversation)
    return conversation


def provision_conversation(*, acting: ServiceActor, title: str, member_ids: Iterable[int] = ()) -> Conversation:
    """A group the directory keeps: a private, trust-wide group conversation with these members."""
    permissions.require(acting, "conversation.provision", Organisation.objects.get(pk=acting.organisation_id))
    title = _clean_title(Kind.GROUP, title)
    people = _members(acting, member_ids)
    with transaction.atomic():
        conversation = Conversation.objects.create(
            organisation_id=acting.organisation_id, kind=Kind.GROUP, title=title,
            provisioned_by=acting.service.value,
        )  # fmt: skip
        Membership.objects.bulk_create([Membership(conversation=conversation, person=p) for p in people])
        if people:
            events.members_added(conversation, [p.pk for p in people])
        audit.record(
            acting, AuditAction.CONVERSATION_CREATED, target=conversation, conversation=conversation,
            data={"kind": conversation.kind, "member_ids": [p.pk for p in people]},
        )  # fmt: skip
    return conversation


def change_provisioned_conversation(
    conversation_id: int, *, acting: ServiceActor, title: str | None = None, member_ids: Iterable[int] | None = None
) -> Conversation:
    """The directory renamed its group (`title`) or changed who is in it (`member_ids`: exactly these, from
    now). Those added hear of it and start receiving the conversation, those removed stop at once. All the
    events go out before the audit entries (one per change, as when a person makes it), so the audit chain
    head stays the last lock taken."""
    new_title = _clean_title(Kind.GROUP, title) if title is not None else None
    with transaction.atomic():
        conversation = _provisioned(acting, conversation_id, lock=True)
        _lock_conversation(conversation)
        before = conversation.title
        renamed = new_title is not None and new_title != before
        joining: list[Person] = []
        leaving: list[int] = []
        if member_ids is not None:
            wanted = set(member_ids)
            current = set(Membership.objects.filter(conversation=conversation).values_list("person_id", flat=True))
            joining = _members(acting, wanted - current)
            leaving = sorted(current - wanted)
        # Rows first, then the events: each event's payload is built from the conversation as it now stands,
        # as its stored copy will be rebuilt.
        if renamed:
            conversation.title = new_title or before
            conversation.save(update_fields=["title"])
        Membership.objects.bulk_create([Membership(conversation=conversation, person=p) for p in joining])
        Membership.objects.filter(conversation=conversation, person_id__in=leaving).delete()
        if renamed:
            events.conversation_updated(conversation)
        if joining:
            events.members_added(conversation, [p.pk for p in joining])
        for person_id in leaving:
            events.member_removed(conversation, person_id)
        if renamed:
            audit.record(
                acting, AuditAction.CONVERSATION_UPDATED, target=conversation, conversation=conversation,
                data={"fields": ["title"]}, details={"before": {"title": before}, "after": {"title": new_title}},
            )  # fmt: skip
        for person in joining:
            audit.record(acting, AuditAction.MEMBERSHIP_ADDED, target=person, conversation=conversation)
        for left in Person.objects.filter(pk__in=leaving).order_by("pk"):
            audit.record(acting, AuditAction.MEMBERSHIP_REMOVED, target=left, conversation=conversation)
    return conversation


def archive_provisioned_conversation(conversation_id: int, *, acting: ServiceActor) -> Conversation:
    """The directory deleted its group: the conversation is closed (nobody can post in it) and kept, with its
    messages and members, for the school's records; the directory no longer keeps it."""
    with transaction.atomic():
        conversation = _provisioned(acting, conversation_id, lock=True)
        conversation.archived_at = conversation.archived_at or timezone.now()
        conversation.provisioned_by = ""
        conversation.save(update_fields=["archived_at", "provisioned_by"])
        events.conversation_updated(conversation)
        audit.record(acting, AuditAction.CONVERSATION_ARCHIVED, target=conversation, conversation=conversation)
    return conversation
