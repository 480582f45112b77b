"""Starters, changes and leavers: what the school's admins (and SCIM, roster sync and the worker) do to people.

Who may do what is in the permission table (`people.manage`, `people.deactivate`): an IT admin across the
trust, a headteacher for their own school. Two rules on top of the table, because they are about the roles being
handed out rather than about the person:
- trust roles (IT admin, DPO) are held trust-wide and only someone who manages people trust-wide grants,
  changes or takes them away; a headteacher cannot make anyone an IT admin, nor touch someone who is one;
- nobody changes their own roles, school or access: an admin who could would need no one else to escalate.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import joining, permissions, queries
from staffroom.accounts.actors import Actor, Service, ServiceActor
from staffroom.accounts.models import ROSTER_ID_MAX, Organisation, Person, Role, RoleAssignment, School
from staffroom.accounts.signout import sign_out_everywhere
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, PermissionDenied
from staffroom.text import clean as clean_text

# Held across the trust, never at one school.
TRUST_ROLES: Final = frozenset({Role.IT_ADMIN, Role.DPO})
# Externals are let in through a sponsor's request and an approval, never by giving someone the role.
ASSIGNABLE_ROLES: Final = tuple(r for r in Role if r != Role.EXTERNAL)
MAX_NAME = 150


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = _Unchanged()


def _manages_trust_wide(acting: Actor, organisation: Organisation, permission: str = "people.manage") -> bool:
    return permissions.allows(acting, permission, organisation)


def _clean_name(name: str) -> str:
    cleaned = clean_text(name or "")
    if not cleaned:
        raise Invalid("name", _("Enter the person's name as the school knows them."))
    if len(cleaned) > MAX_NAME:
        raise Invalid("name", _("A name can be at most %(n)d characters.") % {"n": MAX_NAME})
    return cleaned


def _clean_email(email: str, *, keep_for: Person | None = None) -> str:
    address = (email or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise Invalid("email", _("Enter the school email address this person signs in with.")) from None
    taken = Person.objects.filter(email__iexact=address)
    if keep_for is not None:
        taken = taken.exclude(pk=keep_for.pk)
    if taken.exists():
        raise AddressTaken("email", _("Someone already signs in to Staffroom with this address."))
    return address


class AddressTaken(Invalid):
    """The sign-in address belongs to someone else (SCIM answers this as a uniqueness conflict)."""


def _forget_other_addresses(person: Person) -> None:
    """After a change of sign-in address, no other address may still reset this person's password."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=person).exclude(email__iexact=person.email).delete()


def _clean_roles(roles: Sequence[str], *, acting: Actor, organisation: Organisation) -> list[Role]:
    chosen: list[Role] = []
    for code in roles:
        try:
            role = Role(code)
        except ValueError:
            raise Invalid("roles", _("%(role)r is not a role Staffroom knows.") % {"role": str(code)[:40]}) from None
        if role not in ASSIGNABLE_ROLES:
            raise Invalid("roles", _("Externals are added through a sponsor's request, not by giving the role."))
        if role not in chosen:
            chosen.append(role)
    if not chosen:
        raise Invalid("roles", _("Choose at least one role."))
    if Role.PUPIL in chosen and len(chosen) > 1:
        raise Invalid("roles", _("A pupil cannot also hold a staff role; use two accounts if someone is both."))
    if TRUST_ROLES & set(chosen) and not _manages_trust_wide(acting, organisation):
        raise PermissionDenied(_("Only someone who manages people across the trust can give the IT admin or DPO role."))
    return chosen


def _school(acting: Actor, organisation: Organisation, school_id: int | None, roles: Sequence[Role]) -> School | None:
    if school_id is None:
        if Role.PUPIL in roles:
            raise Invalid("school_id", _("A pupil belongs to a school: choose one."))
        if not _manages_trust_wide(acting, organisation):
            raise Invalid("school_id", _("Choose the school this person works at."))
        return None
    school = School.objects.filter(pk=school_id, organisation=organisation).first()
    if school is None or not permissions.allows(acting, "people.manage", school):
        raise Invalid("school_id", _("Choose one of the schools you manage people for."))
    return school


def _holds_trust_role(person: Person) -> bool:
    return any(Role(a.role) in TRUST_ROLES for a in person.assignments())


def _check_may_change(acting: Actor, person: Person, permission: str = "people.manage") -> None:
    permissions.require(acting, permission, person)
    if isinstance(acting, Person) and acting.pk == person.pk:
        raise PermissionDenied(_("You cannot change your own roles, school or access; ask another admin."))
    if _holds_trust_role(person) and not _manages_trust_wide(acting, person.organisation, permission):
        raise PermissionDenied(_("Only someone who manages people across the trust can change an IT admin or DPO."))


def _clean_roster_id(roster_id: str, organisation_id: int, *, person_id: int | None = None) -> str:
    """A roster's identifier for the person (OneRoster `sourcedId`), unique within the organisation."""
    cleaned = (roster_id or "").strip()
    if len(cleaned) > ROSTER_ID_MAX:
        raise Invalid("roster_id", _("A roster identifier can be at most %(n)d characters.") % {"n": ROSTER_ID_MAX})
    others = Person.objects.filter(organisation_id=organisation_id, roster_id=cleaned)
    if person_id is not None:
        others = others.exclude(pk=person_id)
    if cleaned and others.exists():
        raise Invalid("roster_id", _("Someone else already has this roster identifier."))
    return cleaned


def _check_leave_date(access_ends_on: date | None) -> None:
    if access_ends_on is not None and access_ends_on < timezone.localdate():
        raise Invalid(
            "leaves_on",
            _("A leave date cannot be in the past. To end someone's access now, deactivate them instead."),
        )


def _assign(person: Person, roles: Sequence[Role]) -> None:
    RoleAssignment.objects.filter(person=person).delete()
    RoleAssignment.objects.bulk_create(
        RoleAssignment(person=person, role=role, school=None if role in TRUST_ROLES else person.school)
        for role in roles
    )
    person.__dict__.pop("_assignment_cache", None)
    person.__dict__.pop("_role_codes", None)


def add_person(
    *,
    acting: Actor,
    email: str,
    name: str,
    school_id: int | None,
    roles: Sequence[str],
    leaves_on: date | None = None,
    roster_id: str = "",
) -> Person:
    """A starter: a person who signs in with their school address (by single sign-on, or after setting a
    password from the sign-in link the school sends). Nobody can sign in as them until then. `roster_id` is
    their identifier in the school's roster, for roster sync to find them again."""
    organisation = Organisation.objects.get(pk=acting.organisation_id)
    if not queries.manages_people(acting):
        raise PermissionDenied()
    chosen = _clean_roles(roles, acting=acting, organisation=organisation)
    school = _school(acting, organisation, school_id, chosen)
    cleaned_name = _clean_name(name)
    _check_leave_date(leaves_on)
    with transaction.atomic():
        address = _clean_email(email)  # inside: two admins adding the same address race to the unique index
        roster = _clean_roster_id(roster_id, organisation.pk)
        person = Person.objects.create_user(
            address,
            None,  # no password: single sign-on, or the sign-in link sets one
            organisation=organisation,
            school=school,
            name=cleaned_name,
            access_ends_on=leaves_on,
            roster_id=roster,
        )
        _assign(person, chosen)
        joining.joined(person, acting)
        audit.record(
            acting, AuditAction.PERSON_ADDED, target=person,
            data={"roles": [r.value for r in chosen], "school_id": school.pk if school else None,
                  "leaves_on": leaves_on.isoformat() if leaves_on else None},
            details={"roster_id": roster} if roster else None,
        )  # fmt: skip
    return person


def update_person(
    person_id: int,
    *,
    acting: Actor,
    name: str | _Unchanged = UNCHANGED,
    school_id: int | _Unchanged | None = UNCHANGED,
    roles: Sequence[str] | _Unchanged = UNCHANGED,
    leaves_on: date | _Unchanged | None = UNCHANGED,
    email: str | _Unchanged = UNCHANGED,
    roster_id: str | _Unchanged = UNCHANGED,
    reason: str = "",
) -> Person:
    """Change a person's name, sign-in address, school, roles, leave date (None clears it) or roster identifier.
    Only what differs is recorded. A new sign-in address (the school renamed the account) must be free; the old
    one stops working."""
    with transaction.atomic():
        person = queries.managed_person(acting, person_id, lock=True)
        _check_may_change(acting, person)
        before = _snapshot(person)
        organisation = person.organisation
        new_roles = (
            _clean_roles(roles, acting=acting, organisation=organisation)
            if not isinstance(roles, _Unchanged)
            else [Role(r) for r in person.role_codes]
        )
        if not isinstance(school_id, _Unchanged) and school_id != person.school_id:
            person.school = _school(acting, organisation, school_id, new_roles)
        elif Role.PUPIL in new_roles and person.school_id is None:
            raise Invalid("school_id", _("A pupil belongs to a school: choose one."))
        if not isinstance(name, _Unchanged):
            person.name = _clean_name(name)
        if not isinstance(email, _Unchanged) and email.strip().lower() != person.email:
            person.email = _clean_email(email, keep_for=person)
        if not isinstance(leaves_on, _Unchanged):
            if leaves_on != person.access_ends_on:
                _check_leave_date(leaves_on)
            person.access_ends_on = leaves_on
        if not isinstance(roster_id, _Unchanged):
            person.roster_id = _clean_roster_id(roster_id, person.organisation_id, person_id=person.pk)
        after = {**_snapshot(person), "roles": sorted(r.value for r in new_roles)}
        changed = sorted(k for k in after if after[k] != before[k])
        if not changed:
            return person
        person.save(update_fields=["name", "email", "school", "access_ends_on", "roster_id"])
        if "roles" in changed or "school_id" in changed:
            _assign(person, new_roles)
            joining.joined(person, acting)
        if "email" in changed:
            _forget_other_addresses(person)
        change = {k: {"before": before[k], "after": after[k]} for k in changed}
        audit.record(
            acting, AuditAction.PERSON_UPDATED, target=person, reason=reason,
            data={"changed": changed, **{k: v for k, v in change.items() if k not in _READABLE}},
            details={k: v for k, v in change.items() if k in _READABLE} or None,
        )  # fmt: skip
    return person


# What an erasure may blank: kept in an entry's `details`, not its `data`.
_READABLE = frozenset({"name", "email", "roster_id"})


def _snapshot(person: Person) -> dict[str, Any]:
    return {
        "name": person.name,
        "email": person.email,
        "roster_id": person.roster_id,
        "school_id": person.school_id,
        "roles": sorted(person.role_codes),
        "leaves_on": person.access_ends_on.isoformat() if person.access_ends_on else None,
    }


def deactivate_person(
    person: Person | int, *, acting: Actor, reason: str = "", hand_over_to: int | None = None
) -> Person:
    """A leaver loses access at once, on every device (DESIGN.md invariant 6): sessions, tokens and open
    sockets end. Their messages stay, shown as from a former member. Conversations only they ran pass to
    `hand_over_to` (a member of staff of the same organisation), so no group is left without an owner."""
    person_id = person.pk if isinstance(person, Person) else person
    with transaction.atomic():
        target = queries.managed_person(acting, person_id, lock=True, permission="people.deactivate")
        _check_may_change(acting, target, "people.deactivate")
        if not target.is_active:
            return target
        successor = _successor(acting, target, hand_over_to)
        handed_over = _hand_over(target, successor) if successor is not None else []
        target.is_active = False
        target.left_at = timezone.now()
        target.save(update_fields=["is_active", "left_at"])
        ended = sign_out_everywhere(target)
        audit.record(
            acting, AuditAction.PERSON_DEACTIVATED, target=target, reason=reason,
            data={"sessions_ended": ended, "handed_over_to": successor.pk if successor else None,
                  "conversations_handed_over": handed_over},
        )  # fmt: skip
    return target


def _successor(acting: Actor, leaver: Person, person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    successor = (
        Person.objects.filter(pk=person_id, organisation_id=leaver.organisation_id, is_active=True, external=False)
        .exclude(pk=leaver.pk)
        .first()
    )
    if successor is None or successor.is_pupil:
        raise Invalid("hand_over_to", _("Choose an active member of staff to take over this person's groups."))
    return successor


def _hand_over(leaver: Person, successor: Person) -> list[int]:
    """Conversations the leaver ran with no other owner: the successor becomes an owner (joining if need be)."""
    from staffroom.messaging.models import Membership

    owned = Membership.objects.filter(person=leaver, role=Membership.Role.OWNER).values_list(
        "conversation_id", flat=True
    )
    orphaned = [
        conversation_id
        for conversation_id in owned
        if not Membership.objects.filter(conversation_id=conversation_id, role=Membership.Role.OWNER)
        .exclude(person=leaver)
        .exists()
    ]
    for conversation_id in orphaned:
        Membership.objects.update_or_create(
            conversation_id=conversation_id, person=successor, defaults={"role": Membership.Role.OWNER}
        )
    return sorted(orphaned)


def change_person(
    person_id: int,
    *,
    acting: Actor,
    active: bool | None = None,
    hand_over_to: int | None = None,
    reason: str = "",
    **changes: Any,
) -> Person:
    """Several changes at once (the API's PATCH): the details first, then the access, in one transaction, so
    either all of it happens or none. `changes` are `update_person`'s keywords."""
    with transaction.atomic():
        person = update_person(person_id, acting=acting, reason=reason, **changes) if changes else None
        if active is False:
            person = deactivate_person(person_id, acting=acting, reason=reason, hand_over_to=hand_over_to)
        elif active is True:
            person = reactivate_person(person_id, acting=acting, reason=reason)
        return person if person is not None else queries.managed_person(acting, person_id)


def reactivate_person(person_id: int, *, acting: Actor, reason: str = "") -> Person:
    """Undo a deactivation made in error, or welcome someone back. They sign in afresh: nothing of their old
    sessions or tokens returns. A leave date already passed is cleared. They join what staff of their school
    join (accounts/joining.py), as a new starter would."""
    with transaction.atomic():
        person = queries.managed_person(acting, person_id, lock=True)
        _check_may_change(acting, person)
        if person.is_active:
            return person
        person.is_active = True
        person.left_at = None
        if person.access_ends_on is not None and person.access_ends_on < timezone.localdate():
            person.access_ends_on = None
        person.save(update_fields=["is_active", "left_at", "access_ends_on"])
        # Back as staff of their school: what joining brings (an "all staff" channel made while they were away).
        joining.joined(person, acting)
        audit.record(acting, AuditAction.PERSON_REACTIVATED, target=person, reason=reason)
    return person


def end_sessions(person_id: int, *, acting: Actor, reason: str) -> int:
    """Sign a person out everywhere now (a lost or stolen phone): web sessions, API tokens and open sockets.
    They can sign in again. Returns how many sessions and tokens ended."""
    if not (reason or "").strip():
        raise Invalid("reason", _("Say why, for the record (for example: phone reported lost)."))
    with transaction.atomic():
        person = queries.managed_person(acting, person_id, lock=True)
        _check_may_change(acting, person)
        ended = sign_out_everywhere(person)
        audit.record(acting, AuditAction.SESSION_ALL_ENDED, target=person, reason=reason.strip(), data={"ended": ended})
    return ended


def send_sign_in_link(person_id: int, *, acting: Actor) -> Person:
    """Email a person a link to set their password and sign in: a starter's first sign-in, or someone who has
    forgotten theirs. It goes only to the school address they sign in with, and works once, for a few days.

    The mail is allauth's own password reset, sent after commit through the site's address as the current web
    request gives it; a mail server that fails is logged, never shown (accounts.adapter), so the page says the
    same whatever happens to the mail."""
    from allauth.core import context

    with transaction.atomic():
        person = queries.managed_person(acting, person_id, lock=True)
        _check_may_change(acting, person)
        request = context.request
        if request is None:
            raise Invalid("active", _("Sign-in links are sent from the web or the API, which know the site's address."))
        if not person.may_use_staffroom():
            raise Invalid(
                "active", _("This person cannot use Staffroom now. Restore their access first, then send the link.")
            )
        audit.record(acting, AuditAction.PERSON_SIGN_IN_LINK_SENT, target=person)
        address = person.email
        transaction.on_commit(lambda: _mail_sign_in_link(request, address))
    return person


def _mail_sign_in_link(request: Any, address: str) -> None:
    from allauth.account.forms import ResetPasswordForm
    from allauth.core.context import request_context

    # allauth builds the link from the request it is given and from the one it holds as current: the same here,
    # should this run after the request (a commit deferred by an outer transaction).
    with request_context(request):
        form = ResetPasswordForm(data={"email": address})
        if form.is_valid():
            form.save(request)


def end_leavers(organisation_id: int, *, today: date | None = None) -> list[int]:
    """The worker's daily round: everyone whose last day (their leave date, or an external's end date) has
    passed is deactivated as a leaver would be. Returns their ids."""
    today = today or timezone.localdate()
    worker = ServiceActor(Service.WORKER, organisation_id)
    due = list(
        Person.objects.filter(organisation_id=organisation_id, is_active=True, access_ends_on__lt=today)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for person_id in due:
        deactivate_person(person_id, acting=worker, reason="Leave date passed")
    return due
