"""Scoped reads about people. Everything is limited to the caller's organisation."""

from django.db.models import Q, QuerySet

from staffroom.accounts import permissions
from staffroom.accounts.models import ApiToken, Person, Role, SchoolClass, hash_token
from staffroom.errors import NotFound


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


def school_classes(viewer: Person) -> list[SchoolClass]:
    """Classes the viewer may start a class channel for (their school's, or the trust's for trust-wide roles)."""
    classes = SchoolClass.objects.filter(school__organisation_id=viewer.organisation_id).select_related("school")
    return [
        c
        for c in classes.order_by("school__name", "name")
        if permissions.allows(viewer, "conversation.create.class", c.school)
    ]
