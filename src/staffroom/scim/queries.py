"""What a SCIM token may see: the people and groups of its own organisation that the directory keeps.

People: staff and governors of the organisation (through accounts' `managed_people`, as the SCIM service).
Pupils come from the roster and externals through a sponsor, so SCIM never sees them; nor people the directory
deleted (they stay, deactivated, for the records). Groups: the conversations kept for the directory and not
deleted by it. Anything else, another organisation's included, is 404.
"""

from __future__ import annotations

import uuid

from django.db.models import Case, CharField, F, Q, QuerySet, When
from django.db.models.functions import Coalesce, Lower

from staffroom.accounts import queries as people
from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import Person, Role
from staffroom.messaging.models import Conversation, Membership
from staffroom.scim import errors
from staffroom.scim.filters import Field
from staffroom.scim.mapping import GroupRecord, UserRecord
from staffroom.scim.models import ScimGroup, ScimUser

USER_FIELDS = {
    "id": Field("pk", kind="id"),
    "username": Field("scim_user_name"),
    "externalid": Field("scim__external_id", case_exact=True),
    "displayname": Field("scim_display_name"),
    "name.formatted": Field("scim__name__formatted"),
    "name.givenname": Field("scim__name__givenName"),
    "name.familyname": Field("scim__name__familyName"),
    "active": Field("is_active", kind="boolean"),
    "meta.created": Field("created_at", kind="date"),
}
GROUP_FIELDS = {
    "id": Field("scim__id", kind="id"),
    "displayname": Field("title"),
    "externalid": Field("scim__external_id", case_exact=True),
    "members": Field("memberships__person_id", kind="id"),
    "members.value": Field("memberships__person_id", kind="id"),
    "meta.created": Field("scim__created_at", kind="date"),
}


def users(acting: ServiceActor) -> QuerySet[Person]:
    """The people of the organisation SCIM shows, with the directory's record of each (if any), by id."""
    return (
        people.managed_people(acting)
        .exclude(role_assignments__role=Role.PUPIL)
        .exclude(external=True)
        .exclude(scim__removed_at__isnull=False)
        .select_related("scim", "scim__school")
        .annotate(
            # People the directory has not yet touched show their sign-in address and Staffroom name.
            scim_user_name=Lower(Coalesce("scim__user_name", "email", output_field=CharField())),
            scim_display_name=Case(
                When(scim__isnull=True, then=F("name")), default=F("scim__display_name"), output_field=CharField()
            ),
        )
        .order_by("pk")
    )


def user(acting: ServiceActor, user_id: str, *, lock: bool = False) -> Person:
    """One person SCIM shows, locked for an action; 404 for any other id, of another organisation too."""
    if not user_id.isdigit():
        raise errors.not_found()
    person = users(acting).filter(pk=int(user_id)).first()
    if person is None:
        raise errors.not_found()
    if lock:
        # Through accounts' scoped query: the person's row is the first lock of every action on them.
        people.managed_person(acting, person.pk, lock=True)
    return person


def user_name_taken(acting: ServiceActor, user_name: str, *, other_than: int | None = None) -> bool:
    found = users(acting).filter(Q(scim_user_name=user_name.lower()))
    if other_than is not None:
        found = found.exclude(pk=other_than)
    return found.exists()


def groups(acting: ServiceActor) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(
            organisation_id=acting.organisation_id,
            provisioned_by=Service.SCIM.value,
            scim__isnull=False,
            scim__removed_at__isnull=True,
        )
        .select_related("scim")
        .order_by("scim__created_at", "pk")
    )


def group(acting: ServiceActor, group_id: str, *, lock: bool = False) -> Conversation:
    try:
        uid = uuid.UUID(group_id)
    except ValueError:
        raise errors.not_found() from None
    found = groups(acting).filter(scim__id=uid)
    if lock:
        found = found.select_for_update(of=("self",))
    conversation = found.first()
    if conversation is None:
        raise errors.not_found()
    return conversation


def member_ids(acting: ServiceActor, conversation: Conversation) -> list[int]:
    """The group's members that SCIM shows (people it cannot see, such as a deleted user, are left out)."""
    in_it = Membership.objects.filter(conversation=conversation).values("person_id")
    return list(users(acting).filter(pk__in=in_it).values_list("pk", flat=True))


def scim_group(conversation: Conversation) -> ScimGroup:
    found: ScimGroup = conversation.scim
    return found


def visible(acting: ServiceActor, person_ids: list[int]) -> set[int]:
    return set(users(acting).filter(pk__in=person_ids).values_list("pk", flat=True))


def filtered(queryset: QuerySet, q: Q) -> QuerySet:
    return queryset.filter(q).distinct()


def user_record(person: Person) -> UserRecord:
    """The directory's record of `person`; for someone it never touched, their sign-in address and name."""
    link: ScimUser | None = getattr(person, "scim", None)
    if link is None:
        return UserRecord(user_name=person.email, active=person.is_active, display_name=person.name)
    return UserRecord(
        user_name=link.user_name,
        active=person.is_active,
        external_id=link.external_id,
        display_name=link.display_name,
        name=dict(link.name or {}),
        roles=list(link.roles) if link.roles else None,
        school=link.school.name if link.school else None,
    )


def group_record(acting: ServiceActor, conversation: Conversation) -> GroupRecord:
    return GroupRecord(
        display_name=conversation.title,
        external_id=scim_group(conversation).external_id,
        members=[str(i) for i in member_ids(acting, conversation)],
    )
