"""What the directory does through SCIM, as the SCIM service (accounts/actors.py), through the people and
messaging actions: they check permission, write the audit entries (their actor is the SCIM service) and end a
leaver's sessions, tokens and sockets at once. The directory's own record (scim/models.py) is written in the
same transaction, so a refused change leaves neither.

Lock order, as every action's (docs/architecture.md): the person's (or conversation's) row first, then the
directory's record, then what the people and messaging actions lock (the audit chain head last). A new person
is the one exception: their directory record can only follow their creation, and is new, so nothing waits on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import actions as people
from staffroom.accounts.actions.people import AddressTaken
from staffroom.accounts.actors import ServiceActor
from staffroom.accounts.models import Person, School, ScimToken
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.messaging import actions as messaging
from staffroom.messaging.models import Conversation
from staffroom.scim import errors, queries
from staffroom.scim.mapping import GroupRecord, UserRecord
from staffroom.scim.models import ScimGroup, ScimUser

FROM_DIRECTORY = "From the identity provider (SCIM)"
DEFAULT_ROLES = ["teacher"]


# --- people -----------------------------------------------------------------------------------------------


def _sign_in_address(user_name: str, token: ScimToken) -> str:
    """userName is the sign-in address; a bare name ("jsmith") is completed with the token's domain."""
    if "@" in user_name:
        return user_name
    if not token.domain:
        raise errors.invalid_value(
            "userName must be the school email address the person signs in with (this token has no domain "
            "to complete a bare name with)."
        )
    return f"{user_name}@{token.domain}"


def _staffroom_name(record: UserRecord, fallback: str) -> str:
    """The name Staffroom shows: displayName, else the formatted name, else given and family names."""
    if record.display_name:
        return record.display_name
    if record.name.get("formatted"):
        return record.name["formatted"]
    joined = " ".join(p for p in (record.name.get("givenName"), record.name.get("familyName")) if p)
    return joined or fallback


def _school(name: str | None, organisation_id: int) -> School | None:
    if name is None:
        return None
    school = School.objects.filter(organisation_id=organisation_id, name__iexact=name).first()
    if school is None:
        names = ", ".join(School.objects.filter(organisation_id=organisation_id).values_list("name", flat=True))
        raise errors.invalid_value(f"There is no school called {name[:80]!r} here. Schools: {names}.")
    return school


def _default_school(token: ScimToken) -> School:
    if token.default_school_id is not None and token.default_school is not None:
        return token.default_school
    schools = list(School.objects.filter(organisation_id=token.organisation_id).order_by("pk")[:2])
    if len(schools) != 1:
        raise errors.invalid_value(
            "Say which school this person works at: send the school in the "
            "urn:staffroom:scim:schemas:extension:2.0:User extension, or give this token a default school."
        )
    return schools[0]


def _link_values(record: UserRecord, organisation_id: int) -> dict[str, Any]:
    return {
        "organisation_id": organisation_id,
        "user_name": record.user_name,
        "external_id": record.external_id,
        "display_name": record.display_name,
        "name": record.name,
        "roles": record.roles,
        "school": _school(record.school, organisation_id),
        "updated_at": timezone.now(),
    }


def create_user(record: UserRecord, *, acting: ServiceActor, token: ScimToken) -> Person:
    """A starter from the directory (POST /Users). A userName the directory deleted before brings that person
    back, with their records, rather than making a second account."""
    with transaction.atomic():
        earlier = (
            ScimUser.objects.select_for_update()
            .filter(organisation_id=acting.organisation_id, user_name=record.user_name, removed_at__isnull=False)
            .first()
        )
        if earlier is not None:
            ScimUser.objects.filter(pk=earlier.pk).update(removed_at=None)
            return change_user(str(earlier.person_id), lambda _current: record, acting=acting, token=token)
        if queries.user_name_taken(acting, record.user_name):
            raise errors.uniqueness(_("A user with this userName is already here: look them up by userName."))
        address = _sign_in_address(record.user_name, token)
        school = _school(record.school, acting.organisation_id) or _default_school(token)
        try:
            person = people.add_person(
                acting=acting,
                email=address,
                name=_staffroom_name(record, fallback=record.user_name.split("@")[0]),
                school_id=school.pk,
                roles=record.roles or DEFAULT_ROLES,
            )
        except AddressTaken:
            raise errors.uniqueness(_("Someone already signs in to Staffroom with this address.")) from None
        ScimUser.objects.create(person=person, **_link_values(record, acting.organisation_id))
        if not record.active:
            people.deactivate_person(person.pk, acting=acting, reason=FROM_DIRECTORY)
    return queries.user(acting, str(person.pk))


def change_user(
    user_id: str, change: Callable[[UserRecord], UserRecord], *, acting: ServiceActor, token: ScimToken
) -> Person:
    """PUT or PATCH /Users/{id}: `change` turns the directory's current record into the new one, under the
    person's lock. `active: false` ends their access at once (a leaver); true restores it."""
    with transaction.atomic():
        person = queries.user(acting, user_id, lock=True)
        before = queries.user_record(person)
        after = change(before)
        changes: dict[str, Any] = {}
        if after.user_name != before.user_name:
            if queries.user_name_taken(acting, after.user_name, other_than=person.pk):
                raise errors.uniqueness(_("Another user here already has this userName."))
            changes["email"] = _sign_in_address(after.user_name, token)
        name = _staffroom_name(after, fallback=person.name)
        if name != person.name:
            changes["name"] = name
        if after.roles is not None:
            changes["roles"] = after.roles
        school = _school(after.school, acting.organisation_id)
        if school is not None and school.pk != person.school_id:
            changes["school_id"] = school.pk
        values = _link_values(after, acting.organisation_id)
        ScimUser.objects.update_or_create(person=person, defaults=values)
        active = after.active if after.active != person.is_active else None
        try:
            people.change_person(person.pk, acting=acting, active=active, reason=FROM_DIRECTORY, **changes)
        except AddressTaken:
            raise errors.uniqueness(_("Someone already signs in to Staffroom with this address.")) from None
    return queries.user(acting, user_id)


def remove_user(user_id: str, *, acting: ServiceActor) -> None:
    """DELETE /Users/{id}: the person is deactivated, as a leaver, and no longer shown to the directory. Nothing
    is deleted: their messages and records stay for the school (DESIGN.md invariant 4)."""
    with transaction.atomic():
        person = queries.user(acting, user_id, lock=True)
        values = {**_link_values(queries.user_record(person), acting.organisation_id), "removed_at": timezone.now()}
        ScimUser.objects.update_or_create(person=person, defaults=values)
        if person.is_active:
            people.deactivate_person(person.pk, acting=acting, reason=FROM_DIRECTORY)
        audit.record(acting, AuditAction.SCIM_USER_REMOVED, target=person)


# --- groups -----------------------------------------------------------------------------------------------


def _member_ids(acting: ServiceActor, members: list[str]) -> list[int]:
    """Users SCIM shows, by their SCIM ids; anyone else is refused with one answer."""
    wanted = [int(m) for m in members if m.isdigit()]
    seen = queries.visible(acting, wanted)
    for member in members:
        if not member.isdigit() or int(member) not in seen:
            raise errors.invalid_value(f"members: there is no user {member[:40]!r} here that can be in a group.")
    return wanted


def create_group(record: GroupRecord, *, acting: ServiceActor) -> Conversation:
    """POST /Groups: a private group conversation of the organisation with these members."""
    member_ids = _member_ids(acting, record.members)
    with transaction.atomic():
        conversation = messaging.provision_conversation(acting=acting, title=record.display_name, member_ids=member_ids)
        ScimGroup.objects.create(
            conversation=conversation, organisation_id=acting.organisation_id, external_id=record.external_id
        )
    return queries.groups(acting).get(pk=conversation.pk)


def change_group(group_id: str, change: Callable[[GroupRecord], GroupRecord], *, acting: ServiceActor) -> Conversation:
    """PUT or PATCH /Groups/{id}: rename it and change its members. People SCIM does not show (a user it
    deleted, say) stay in the conversation whatever the directory sends."""
    with transaction.atomic():
        conversation = queries.group(acting, group_id, lock=True)
        before = queries.group_record(acting, conversation)
        after = change(before)
        wanted = _member_ids(acting, after.members)
        title = after.display_name if after.display_name != conversation.title else None
        members = None
        if set(wanted) != {int(m) for m in before.members}:
            unseen = set(conversation.memberships.values_list("person_id", flat=True)) - {
                int(m) for m in before.members
            }
            members = [*wanted, *unseen]
        if after == before:
            return conversation
        ScimGroup.objects.filter(conversation=conversation).update(
            external_id=after.external_id, updated_at=timezone.now()
        )
        if title is not None or members is not None:
            messaging.change_provisioned_conversation(conversation.pk, acting=acting, title=title, member_ids=members)
    return queries.groups(acting).get(pk=conversation.pk)


def remove_group(group_id: str, *, acting: ServiceActor) -> None:
    """DELETE /Groups/{id}: the conversation is closed and kept for the records; the directory no longer sees it."""
    with transaction.atomic():
        conversation = queries.group(acting, group_id, lock=True)
        ScimGroup.objects.filter(conversation=conversation).update(removed_at=timezone.now())
        messaging.archive_provisioned_conversation(conversation.pk, acting=acting)
