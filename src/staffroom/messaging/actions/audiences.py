"""Announcements to all staff of a school: the channel is started with every active member of staff there as a
member (computed here, never taken from the client), and staff who join the school later are added to it."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.actors import Actor
from staffroom.accounts.models import Person, School
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid
from staffroom.messaging import audiences, events
from staffroom.messaging.actions.conversations import create_conversation
from staffroom.messaging.models import Conversation, Membership, StaffAudience


def create_staff_announcement(
    *, acting: Person, school: School, title: str, description: str = "", include_governors: bool = False
) -> Conversation:
    """Start an announcement channel for all staff at `school` (governors only if `include_governors`): its
    members are the school's active staff now, and whoever joins its staff later."""
    if school.organisation_id != acting.organisation_id:
        raise Invalid("school_id", _("That school is not part of your organisation."))
    permissions.require(acting, "conversation.create.announcement", school)
    with transaction.atomic():
        staff = [p.pk for p in audiences.school_staff(school, include_governors=include_governors)]
        conversation = create_conversation(
            acting=acting, kind=Conversation.Kind.ANNOUNCEMENT, title=title, description=description,
            member_ids=staff, school=school,
        )  # fmt: skip
        StaffAudience.objects.create(conversation=conversation, school=school, include_governors=include_governors)
        audit.record(
            acting, AuditAction.STAFF_AUDIENCE_SET, target=conversation, conversation=conversation.pk,
            data={"school_id": school.pk, "include_governors": include_governors, "members": len(staff)},
        )  # fmt: skip
    return conversation


def add_to_staff_audiences(person: Person, *, acting: Actor) -> list[int]:
    """Add someone who has just become staff of a school to its "all staff" announcement channels; returns
    their ids. Runs inside the action that changed them (accounts.joining), whoever that was: the channel's
    creator chose "all staff", so this applies their choice, not the changer's own permission."""
    added = []
    for audience in audiences.audiences_for(person):
        conversation = audience.conversation
        Membership.objects.create(conversation=conversation, person=person)
        events.members_added(conversation, [person.pk])
        audit.record(
            acting, AuditAction.MEMBERSHIP_ADDED, target=person, conversation=conversation.pk,
            data={"staff_audience": True},
        )  # fmt: skip
        added.append(conversation.pk)
    return added


def on_joined(person: Person, acting: Actor) -> None:
    """The accounts.joining listener (registered in messaging's AppConfig.ready)."""
    add_to_staff_audiences(person, acting=acting)
