"""Scoped reads about people. Everything is limited to the caller's organisation."""

from typing import Any

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.actors import Actor, ServiceActor
from staffroom.accounts.models import (
    ApiToken,
    Person,
    PushSubscription,
    Role,
    School,
    SchoolClass,
    ScimToken,
    SignInProvider,
    hash_token,
)
from staffroom.accounts.permissions import Scope
from staffroom.errors import Invalid, NotFound, PermissionDenied


def _people() -> QuerySet[Person]:
    return Person.objects.select_related("school").prefetch_related("role_assignments")


def directory(viewer: Person, *, search: str = "", school_id: int | None = None) -> QuerySet[Person]:
    """Active people the viewer may look up. Staff see the staff of their organisation; pupils and externals
    see only people they share a conversation with. Pupils are never listed in the staff directory."""
    people = _people().filter(organisation_id=viewer.organisation_id, is_active=True)
    if permissions.allows(viewer, "directory.view", viewer.organisation):
        people = people.exclude(role_assignments__role=Role.PUPIL)
    else:
        people = people.filter(memberships__conversation__memberships__person=viewer)
    if search:
        people = people.filter(Q(name__icontains=search) | Q(handle__icontains=search))
    if school_id is not None:
        people = people.filter(school_id=school_id)
    return people.distinct().order_by("name", "id")


def get_person(viewer: Person, person_id: int) -> Person:
    """A person the viewer may see in the directory (or themselves), else NotFound."""
    if person_id == viewer.pk:
        return _people().get(pk=viewer.pk)
    person = directory(viewer).filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    return person


def person_for_token(raw: str) -> Person | None:
    """The active owner of an unrevoked API token, or None."""
    token = (
        ApiToken.objects.select_related("person__school")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, person__is_active=True)
        .first()
    )
    if token is None or not token.person.may_use_staffroom():
        return None
    token.person._api_token_id = token.pk  # type: ignore[attr-defined]
    return token.person


def scim_token(raw: str) -> ScimToken | None:
    """The unrevoked SCIM token with this raw value (with its organisation), or None. A person's API token is
    never one: the two are kept apart, so neither opens the other's endpoints."""
    if not raw:
        return None
    return (
        ScimToken.objects.select_related("organisation", "default_school")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )


def revoked_scim_token(raw: str) -> ScimToken | None:
    """The revoked SCIM token with this raw value, if it is one: a directory still calling with it is recorded."""
    if not raw:
        return None
    return ScimToken.objects.filter(key_hash=hash_token(raw), revoked_at__isnull=False).first()


def scim_tokens(viewer: Person) -> list[ScimToken]:
    """The organisation's SCIM tokens, newest first, for someone who manages them (else none)."""
    if not permissions.allows(viewer, "scim.manage_tokens", viewer.organisation):
        return []
    return list(
        ScimToken.objects.filter(organisation_id=viewer.organisation_id)
        .select_related("default_school", "created_by")
        .order_by("-created_at", "-pk")
    )


def school_classes(viewer: Person) -> list[SchoolClass]:
    """Classes the viewer may start a class channel for (their school's, or the trust's for trust-wide roles)."""
    classes = SchoolClass.objects.filter(school__organisation_id=viewer.organisation_id).select_related("school")
    return [
        c
        for c in classes.order_by("school__name", "name")
        if permissions.allows(viewer, "conversation.create.class", c.school)
    ]


# --- for the school's admins ------------------------------------------------------------------------------

STATUSES = ("active", "leaving", "inactive")


def _managed(viewer: Actor, permission: str = "people.manage") -> QuerySet[Person]:
    """Everyone `viewer` manages: the whole organisation for a trust-wide grant, else their schools' people."""
    people = _people().filter(organisation_id=viewer.organisation_id)
    if isinstance(viewer, ServiceActor):
        return people if permissions.allows(viewer, permission) else people.none()
    org_everywhere, org_schools = permissions.schools_with_scope(viewer, permission, Scope.ORGANISATION)
    if org_everywhere or org_schools:
        return people
    everywhere, schools = permissions.schools_with_scope(viewer, permission, Scope.SCHOOL)
    return people if everywhere else people.filter(school_id__in=schools)


def manages_people(viewer: Actor) -> bool:
    """Whether the viewer manages anyone at all (the admin console's people pages)."""
    if isinstance(viewer, ServiceActor):
        return permissions.allows(viewer, "people.manage")
    return any(permissions.schools_with_scope(viewer, "people.manage", scope) != (False, set()) for scope in Scope)


def managed_schools(viewer: Person) -> list[School]:
    """The schools whose people the viewer manages, in name order: every school of the trust for a trust-wide
    admin, a headteacher's own school otherwise. Where a starter may be placed, and what a list filters by."""
    schools = School.objects.filter(organisation_id=viewer.organisation_id).order_by("name", "id")
    return [school for school in schools if permissions.allows(viewer, "people.manage", school)]


def manages_trust_wide(viewer: Person) -> bool:
    """Whether the viewer manages people across the whole trust: only they place someone at no one school, and
    give or take away the trust roles (IT admin, DPO)."""
    return permissions.allows(viewer, "people.manage", viewer.organisation)


def managed_people(
    viewer: Actor, *, search: str = "", school_id: int | None = None, role: str = "", status: str = ""
) -> QuerySet[Person]:
    """People the viewer manages, with when each was last seen, filtered; pupils and leavers included."""
    from allauth.usersessions.models import UserSession

    people = _managed(viewer)
    if search:
        people = people.filter(Q(name__icontains=search) | Q(email__icontains=search) | Q(handle__icontains=search))
    if school_id is not None:
        people = people.filter(school_id=school_id)
    if role:
        if role not in Role.values:
            raise Invalid("role", _("Choose one of the roles listed."))
        people = people.filter(role_assignments__role=role)
    if status == "active":
        people = people.filter(is_active=True)
    elif status == "leaving":
        people = people.filter(is_active=True, access_ends_on__isnull=False)
    elif status == "inactive":
        people = people.filter(is_active=False)
    elif status:
        raise Invalid("status", _("Status is one of: active, leaving, inactive."))
    last_seen = UserSession.objects.filter(user=OuterRef("pk")).values("user").annotate(at=Max("last_seen_at"))
    return people.annotate(last_seen=Subquery(last_seen.values("at"))).distinct().order_by("name", "id")


def managed_person(viewer: Actor, person_id: int, *, lock: bool = False, permission: str = "people.manage") -> Person:
    """One person the viewer manages (locked for an action). PermissionDenied for someone who manages nobody;
    NotFound for ids outside the viewer's reach, exactly as for ids that do not exist."""
    if not (permissions.allows(viewer, permission) if isinstance(viewer, ServiceActor) else manages_people(viewer)):
        raise PermissionDenied()
    people = _managed(viewer, permission)
    if lock:
        people = people.select_for_update(of=("self",))
    person = people.filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    return person


# --- schools and classes ----------------------------------------------------------------------------------


def managed_school(viewer: Actor, school_id: int, *, permission: str, lock: bool = False) -> School:
    """A school of the viewer's organisation that `permission` lets them change (locked for an action).
    NotFound for another organisation's school, exactly as for one that does not exist."""
    schools = School.objects.filter(organisation_id=viewer.organisation_id)
    if lock:
        schools = schools.select_for_update()
    school = schools.filter(pk=school_id).first()
    if school is None:
        raise NotFound()
    permissions.require(viewer, permission, school)
    return school


def managed_class(viewer: Actor, class_id: int, *, lock: bool = False) -> SchoolClass:
    """A class whose lists the viewer keeps (`classes.manage` over its school), locked for an action."""
    classes = SchoolClass.objects.select_related("school").filter(school__organisation_id=viewer.organisation_id)
    if lock:
        classes = classes.select_for_update(of=("self",))
    school_class = classes.filter(pk=class_id).first()
    if school_class is None:
        raise NotFound()
    permissions.require(viewer, "classes.manage", school_class.school)
    return school_class


def sign_in_settings(viewer: Person) -> tuple[str, dict[str, SignInProvider]]:
    """The viewer's organisation's second-step rule and its single sign-on providers by kind, for its IT admins
    (anyone else: NotFound, so the console does not show itself)."""
    from staffroom.accounts.second_factor import rule_for

    if not permissions.allows(viewer, "signin.manage", viewer.organisation):
        raise NotFound()
    providers = SignInProvider.objects.filter(organisation_id=viewer.organisation_id).select_related("app")
    return rule_for(viewer.organisation_id), {p.kind: p for p in providers}


def person_by_sign_in_address(viewer: Person, email: str) -> Person:
    """Anyone in the viewer's organisation by their sign-in address, for the IT admins helping them sign in
    (a lost second step); NotFound otherwise."""
    if not permissions.allows(viewer, "signin.reset_second_factor", viewer.organisation):
        raise NotFound()
    person = Person.objects.filter(organisation_id=viewer.organisation_id, email__iexact=email.strip()).first()
    if person is None:
        raise NotFound(_("Nobody in your organisation signs in with that address."))
    return person


def name_order_page(people: QuerySet[Person], *, after: int | None, limit: int) -> tuple[list[Person], int | None]:
    """One page of people in name order, going on after the person `after` (the last one shown), and the id
    to go on from next (None on the last page). Invalid when `after` is no longer in the list."""
    if after is not None:
        anchor = people.filter(pk=after).values_list("name", flat=True).first()
        if anchor is None:
            raise Invalid("after", _("This page marker is no longer valid; start again from the first page."))
        people = people.filter(Q(name__gt=anchor) | Q(name=anchor, pk__gt=after))
    page = list(people[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, (page[-1].pk if more else None)


def class_schools(viewer: Person) -> list[School]:
    """The schools whose classes the viewer keeps (`classes.manage`): the trust's for an IT admin, a
    headteacher's own. The schools-and-classes page, its API and the console's navigation all ask this."""
    schools = School.objects.filter(organisation_id=viewer.organisation_id).order_by("name", "id")
    return [school for school in schools if permissions.allows(viewer, "classes.manage", school)]


def own_devices(viewer: Person) -> list[PushSubscription]:
    """The devices on which `viewer` turned notifications on, newest first."""
    return list(PushSubscription.objects.filter(person=viewer).order_by("-created_at", "-pk"))


def notification_scopes(viewer: Person) -> list[School | None]:
    """Whose default working hours the viewer may set: None (the whole organisation) and every school for an IT
    admin, a headteacher's own school. Empty: no console page, and the API answers 404."""
    schools = School.objects.filter(organisation_id=viewer.organisation_id).order_by("name", "id")
    scopes: list[School | None] = (
        [None] if permissions.allows(viewer, "notifications.manage", viewer.organisation) else []
    )
    return scopes + [s for s in schools if permissions.allows(viewer, "notifications.manage", s)]


def notification_defaults(viewer: Person, school_id: int | None) -> dict[str, Any]:
    """The organisation's (no school) or one school's notification defaults as set, and the hours in force there:
    `{school_id, show_titles, quiet_hours (as set, or None), in_force (hours), inherited (bool)}`. NotFound for a
    scope the viewer may not set."""
    from staffroom.accounts import working_hours
    from staffroom.accounts.models import NotificationPolicy

    scopes = notification_scopes(viewer)
    if not any((s.pk if s else None) == school_id for s in scopes):
        raise NotFound()
    rows = {p.school_id: p for p in NotificationPolicy.objects.filter(organisation_id=viewer.organisation_id)}
    own = working_hours.set_on(rows.get(school_id))
    organisation = rows.get(None)
    if school_id is None:
        in_force = own or working_hours.DEFAULT
    else:
        in_force = working_hours.school_hours(viewer.organisation_id, school_id)
    return {
        "school_id": school_id,
        "show_titles": bool(organisation and organisation.show_titles),
        "quiet_hours": own.as_dict() if own else None,
        "in_force": in_force,
        "inherited": own is None,
    }


def calendar_schools(viewer: Person) -> list[School]:
    """The schools whose closures (term holidays, INSET days) the viewer keeps: every school for an IT admin, a
    headteacher's own."""
    schools = School.objects.filter(organisation_id=viewer.organisation_id).order_by("name", "id")
    return [s for s in schools if permissions.allows(viewer, "school_calendar.manage", s)]


def school_closures(viewer: Person, school_id: int) -> list[Any]:
    """A school's closures, earliest first; NotFound for a school whose calendar the viewer does not keep."""
    from staffroom.accounts.models import SchoolClosure

    if not any(s.pk == school_id for s in calendar_schools(viewer)):
        raise NotFound()
    return list(SchoolClosure.objects.filter(school_id=school_id).order_by("starts_on", "pk"))
