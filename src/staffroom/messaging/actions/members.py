"""Who is in a conversation: adding, joining, leaving and removing, under the conversation's lock."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person, SchoolClass
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.messaging import events, queries
from staffroom.messaging.actions.limits import MEMBERSHIP_LIMIT, _throttle
from staffroom.messaging.models import (
    Conversation,
    Membership,
)
from staffroom.text import clean as clean_text

Kind = Conversation.Kind
MAX_REASON_LENGTH = 500


def _cannot_add(field: str, person_id: int) -> Invalid:
    """The one refusal for an id the caller cannot add, whatever the reason: nobody has it, someone of another
    organisation or a leaver has it, or a pupil the caller may not look up. The directory hides pupils from
    staff on purpose; a different answer for each reason would give away who is a pupil and who exists."""
    return Invalid(field, _("Person %(id)s cannot be added here.") % {"id": person_id})


def _check_may_belong(
    kind: str, person: Person, *, school_class: SchoolClass | None = None, field: str = "member_ids"
) -> None:
    """Pupils belong only in the class channel of a class they are in, and the only adults there are the
    school's teaching and safeguarding staff (KCSIE: staff talk to pupils only where the school supervises).
    The message never names the person, nor says that they are a pupil."""
    if person.is_pupil:
        enrolled = school_class is not None and person.classes.filter(pk=school_class.pk).exists()
        if kind != Kind.CLASS or not enrolled:
            raise _cannot_add(field, person.pk)
    elif kind == Kind.CLASS and not person.may_teach_a_class:
        # Said plainly: the caller sees this person, and their role, in the directory.
        raise Invalid(
            field,
            _("Person %(id)s cannot be added here. Only teaching and safeguarding staff join class channels.")
            % {"id": person.pk},
        )


def _resolve_people(
    acting: Person,
    ids: Iterable[int],
    *,
    kind: str,
    school_class: SchoolClass | None = None,
    field: str = "member_ids",
) -> list[Person]:
    """The people with these ids, each of whom `acting` may add to a conversation of `kind`: people in their
    directory, and for a class channel the pupils of that class (whom its teacher may know). Any other id gets
    the same refusal as an id nobody has."""
    from staffroom.accounts.queries import directory

    wanted = sorted({int(i) for i in ids})
    found = {p.pk: p for p in directory(acting).filter(pk__in=wanted)}
    if kind == Kind.CLASS and school_class is not None:
        pupils = school_class.pupils.filter(organisation_id=acting.organisation_id, is_active=True, pk__in=wanted)
        found.update({p.pk: p for p in pupils})
    for person_id in wanted:
        if person_id not in found:
            raise _cannot_add(field, person_id)
        _check_may_belong(kind, found[person_id], school_class=school_class, field=field)
    return [found[i] for i in wanted]


def _managing_reason(conversation: Conversation, acting: Person, reason: str) -> str:
    """Check that `acting` may change who is in `conversation`, and return the reason to record (cleaned).

    Someone in the conversation who runs it (or a school leader in it) does so as ever, a reason optional.
    Anyone else does it only from the group register, with `register.manage_members` over the conversation,
    and only saying why: they act on a conversation they cannot read, so the audit entry must carry the reason."""
    reason = clean_text(reason)
    if len(reason) > MAX_REASON_LENGTH:
        raise Invalid("reason", _("Keep the reason to %(n)d characters.") % {"n": MAX_REASON_LENGTH})
    in_it = Membership.objects.filter(conversation=conversation, person=acting).exists()
    if in_it and permissions.allows(acting, "conversation.manage_members", conversation):
        return reason
    permissions.require(acting, "register.manage_members", conversation)
    if not queries.in_register(acting, conversation, "register.manage_members"):
        # permissions.allows counts a trust-wide conversation in every school's scope; the register does not.
        raise PermissionDenied()
    if not reason:
        raise Invalid("reason", _("Say why you are changing who is in this conversation; the reason is recorded."))
    return reason


def _lock_conversation(conversation: Conversation) -> None:
    """Hold the conversation's row until commit: the first lock of an action that changes who is in it."""
    Conversation.objects.select_for_update(no_key=True).filter(pk=conversation.pk).exists()


def add_member(conversation: Conversation, person_id: int, *, acting: Person, reason: str = "") -> Membership:
    """Add someone `acting` may look up (for a class channel, also a pupil of its class) to a conversation;
    any other id is refused with one answer, so refusals say nothing about who has it. From the group register
    (`acting` not in the conversation) a reason is required, and kept in the audit entry."""
    reason = _managing_reason(conversation, acting, reason)
    if conversation.kind == Kind.DIRECT:
        raise Invalid("person_id", _("People cannot be added to a direct message; start a group instead."))
    (person,) = _resolve_people(
        acting, [person_id], kind=conversation.kind, school_class=conversation.school_class, field="person_id"
    )
    _throttle(acting, "members", MEMBERSHIP_LIMIT)
    with transaction.atomic():
        _lock_conversation(conversation)
        membership, created = Membership.objects.get_or_create(conversation=conversation, person=person)
        if created:
            events.members_added(conversation, [person.pk])
            audit.record(acting, AuditAction.MEMBERSHIP_ADDED, target=person, conversation=conversation, reason=reason)
    return membership


def join_channel(conversation: Conversation, *, acting: Person) -> Membership:
    """Join an open channel of one's school or trust."""
    if conversation.kind != Kind.CHANNEL or conversation.archived_at is not None:
        raise NotFound()
    if not permissions.allows(acting, "conversation.join", conversation):
        raise NotFound()
    with transaction.atomic():
        _lock_conversation(conversation)
        membership, created = Membership.objects.get_or_create(conversation=conversation, person=acting)
        if created:
            events.members_added(conversation, [acting.pk])
            audit.record(acting, AuditAction.MEMBERSHIP_JOINED, target=acting, conversation=conversation)
    return membership


def remove_member(conversation: Conversation, member_id: int, *, acting: Person, reason: str = "") -> Person:
    """Take a member out of `conversation` (or leave it, when `member_id` is the acting person's); their open
    sockets stop receiving it at once. Returns who was removed; NotFound if they were not a member. From the
    group register (`acting` not in the conversation) a reason is required, and kept in the audit entry."""
    leaving = member_id == acting.pk
    if leaving:
        reason = clean_text(reason)
    else:
        if conversation.kind == Kind.DIRECT:
            # Not even a trust-wide admin in it: a direct message is between equals, and either may leave.
            raise PermissionDenied(_("Nobody can be removed from a direct message; anyone in it may leave."))
        reason = _managing_reason(conversation, acting, reason)
    if conversation.kind == Kind.CLASS and leaving and acting.is_pupil:
        raise PermissionDenied(_("Pupils cannot leave a class channel; ask your teacher."))
    with transaction.atomic():
        # Transaction first, then the lock, then the checks: two teachers leaving a class channel at once must
        # not both see the other as the adult who stays (the conversation row orders them).
        _lock_conversation(conversation)
        membership = (
            Membership.objects.select_related("person").filter(conversation=conversation, person_id=member_id).first()
        )
        if membership is None:
            raise NotFound(_("That person is not a member of this conversation."))
        member = membership.person
        if conversation.kind == Kind.CLASS and not member.is_pupil:
            staff_left = [
                p
                for p in Person.objects.filter(memberships__conversation=conversation).exclude(pk=member.pk)
                if p.may_teach_a_class
            ]
            if not staff_left:
                raise Invalid(
                    "person_id",
                    _("A class channel must always have a member of staff in it. Add another colleague first."),
                )
        if membership.role == Membership.Role.OWNER and not leaving:
            permissions.require(acting, "conversation.manage", conversation)
        _throttle(acting, "members", MEMBERSHIP_LIMIT)
        membership.delete()
        events.member_removed(conversation, member.pk)
        audit.record(
            acting, AuditAction.MEMBERSHIP_LEFT if leaving else AuditAction.MEMBERSHIP_REMOVED,
            target=member, conversation=conversation, reason=reason,
        )  # fmt: skip
    return member


NOTIFY_CHOICES = ("", "all", "mentions", "none")


def set_notify(conversation: Conversation, *, acting: Person, notify: str) -> Membership:
    """Choose which new messages of one conversation notify `acting`'s devices: "" (as their own setting says),
    "all", "mentions" (mentions only) or "none" (muted). Only their own membership; others never see it."""
    if notify not in NOTIFY_CHOICES:
        raise Invalid("notify", _("Choose all, mentions or none (or empty, to follow your own setting)."))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(conversation=conversation, person=acting).first()
        if membership is None:
            raise NotFound()
        if membership.notify == notify:
            return membership
        membership.notify = notify
        membership.save(update_fields=["notify"])
        audit.record(
            acting, AuditAction.MEMBERSHIP_NOTIFY_CHANGED, target=conversation, conversation=conversation,
            data={"notify": notify or "default"},
        )  # fmt: skip
    return membership
