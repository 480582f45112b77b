"""Starting conversations and changing what they are called."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person, School, SchoolClass
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid
from staffroom.messaging import events
from staffroom.messaging.actions.limits import CREATE_LIMIT, RENAME_LIMIT, _throttle
from staffroom.messaging.actions.members import _check_may_belong, _resolve_people
from staffroom.messaging.models import (
    Conversation,
    Membership,
)
from staffroom.text import clean as clean_text
from staffroom.text import was_only_invisible

Kind = Conversation.Kind
MAX_DIRECT_MEMBERS = 9


def _clean_title(kind: str, typed: str) -> str:
    title = clean_text(typed)
    if kind != Kind.DIRECT and not title:
        if was_only_invisible(typed, title):
            raise Invalid("title", _("This title has only invisible characters. Give the conversation a title."))
        raise Invalid("title", _("Give the conversation a title."))
    if len(title) > settings.STAFFROOM_MAX_TITLE_LENGTH:
        raise Invalid(
            "title", _("Titles can be at most %(n)d characters.") % {"n": settings.STAFFROOM_MAX_TITLE_LENGTH}
        )
    return title


def _clean_description(typed: str) -> str:
    description = clean_text(typed)
    if len(description) > 500:
        raise Invalid("description", _("Descriptions can be at most 500 characters."))
    return description


def create_conversation(
    *,
    acting: Person,
    kind: str,
    title: str = "",
    description: str = "",
    member_ids: Iterable[int] = (),
    school: School | None = None,
    trust_wide: bool = False,
    school_class: SchoolClass | None = None,
) -> Conversation:
    """Start a conversation of `kind` with `acting` as owner (in a direct message everyone is an equal member).
    A direct conversation with exactly the same people is returned rather than duplicated."""
    if kind not in Kind.values:
        raise Invalid("kind", _("Kind must be one of: %(kinds)s.") % {"kinds": ", ".join(Kind.values)})
    title = _clean_title(kind, title)
    description = _clean_description(description)
    if kind == Kind.CLASS and school_class is not None:
        school = school_class.school  # a class channel belongs to the class's school, whoever creates it
    if school is None and not trust_wide:
        school = acting.school
    if school is not None and school.organisation_id != acting.organisation_id:
        raise Invalid("school_id", _("That school is not part of your organisation."))
    permissions.require(acting, f"conversation.create.{kind}", school or acting.organisation)

    people = [p for p in _resolve_people(acting, member_ids, kind=kind, school_class=school_class) if p.pk != acting.pk]
    if kind == Kind.CLASS:
        if school_class is None:
            raise Invalid("school_class_id", _("Choose the class this channel is for."))
        if school_class.school.organisation_id != acting.organisation_id:
            raise Invalid("school_class_id", _("That class is not part of your organisation."))
        school = school_class.school
        pupils = list(school_class.pupils.filter(is_active=True))
        people = list({p.pk: p for p in [*people, *pupils]}.values())
    for person in [acting, *people]:
        _check_may_belong(kind, person, school_class=school_class)
    if kind == Kind.DIRECT:
        if not people:
            raise Invalid("member_ids", _("Choose at least one person to message."))
        if len(people) + 1 > MAX_DIRECT_MEMBERS:
            raise Invalid(
                "member_ids",
                _("Direct messages are for up to %(n)d people; start a group instead.") % {"n": MAX_DIRECT_MEMBERS},
            )
        existing = _find_direct(acting, people)
        if existing is not None:
            return existing
    _throttle(acting, "create", CREATE_LIMIT)

    with transaction.atomic():
        if kind == Kind.DIRECT:
            # Two people writing to each other at the same moment must end up in one conversation: lock their
            # rows (in id order, so two such starts queue rather than deadlock) and look again inside.
            list(Person.objects.select_for_update().filter(pk__in=[acting.pk, *(p.pk for p in people)]).order_by("pk"))
            existing = _find_direct(acting, people)
            if existing is not None:
                return existing
        conversation = Conversation.objects.create(
            organisation_id=acting.organisation_id,
            school=school,
            school_class=school_class if kind == Kind.CLASS else None,
            kind=kind,
            title=title,
            description=description,
            created_by=acting,
        )
        # Nobody runs a direct message: the one who wrote first must not be able to remove the other or hide
        # what they said.
        starter_role = Membership.Role.MEMBER if kind == Kind.DIRECT else Membership.Role.OWNER
        Membership.objects.create(conversation=conversation, person=acting, role=starter_role)
        Membership.objects.bulk_create([Membership(conversation=conversation, person=p) for p in people])
        # Safeguarding leads oversee a class channel without being members; their view must be live too.
        events.members_added(conversation, [acting.pk, *(p.pk for p in people)], also=events.overseers(conversation))
        audit.record(
            acting,
            AuditAction.CONVERSATION_CREATED,
            target=conversation,
            conversation=conversation,
            data={"kind": kind, "member_ids": sorted(p.pk for p in people)},
        )
    return conversation


def _find_direct(acting: Person, people: Sequence[Person]) -> Conversation | None:
    """The direct conversation with exactly these members, found in one query."""
    wanted = {acting.pk, *(p.pk for p in people)}
    return (
        Conversation.objects.filter(kind=Kind.DIRECT, organisation_id=acting.organisation_id)
        .annotate(
            members=Count("memberships", distinct=True),
            wanted=Count("memberships", filter=Q(memberships__person_id__in=wanted), distinct=True),
        )
        .filter(members=len(wanted), wanted=len(wanted))
        .order_by("id")
        .first()
    )


def update_conversation(
    conversation: Conversation, *, acting: Person, title: str | None = None, description: str | None = None
) -> Conversation:
    """Rename or re-describe a conversation."""
    permissions.require(acting, "conversation.manage", conversation)
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = _clean_title(conversation.kind, title)
    if description is not None:
        changes["description"] = _clean_description(description)
    with transaction.atomic():
        Conversation.objects.select_for_update(no_key=True).filter(pk=conversation.pk).exists()
        conversation.refresh_from_db(fields=["title", "description"])
        changes = {k: v for k, v in changes.items() if getattr(conversation, k) != v}
        if not changes:
            return conversation  # nothing to record, nobody to tell
        _throttle(acting, "rename", RENAME_LIMIT)
        before = {k: getattr(conversation, k) for k in changes}
        for key, value in changes.items():
            setattr(conversation, key, value)
        conversation.save(update_fields=list(changes))
        events.conversation_updated(conversation)
        audit.record(
            acting, AuditAction.CONVERSATION_UPDATED, target=conversation, conversation=conversation,
            data={"fields": sorted(changes)}, details={"before": before, "after": changes},
        )  # fmt: skip
    return conversation
