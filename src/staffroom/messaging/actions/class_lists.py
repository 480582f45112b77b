"""Who is in a class, and so in its class channels: pupils enrolled, teachers assigned, and the class channel
opened once the class has a teacher.

A class's lists and its channels change together, in one transaction, so a pupil is in a class channel exactly
while they are in the class (KCSIE: staff talk to pupils only where the school set it up), and its teachers are
there with them. Roster sync is the usual caller (`classes.manage`); an IT admin, or a headteacher for their own
school, may too. A pupil who leaves a class leaves every channel of it, archived ones too; a teacher who stops
teaching it leaves its channels unless they are the last member of staff in one (a class channel always keeps
an adult: the audit entry says where they stayed).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.actors import Actor
from staffroom.accounts.models import Person, Role, SchoolClass
from staffroom.accounts.queries import managed_class
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid
from staffroom.messaging import events
from staffroom.messaging.actions.conversations import _clean_title
from staffroom.messaging.models import Conversation, Membership

Kind = Conversation.Kind
# Staff who run a class channel with the class; a teaching assistant is a member of it.
RUNS_THE_CHANNEL = frozenset({Role.HEADTEACHER, Role.DSL, Role.DEPUTY_DSL, Role.TEACHER})


def _channels(school_class: SchoolClass, *, open_only: bool) -> QuerySet[Conversation]:
    """The class's channels, locked (after the class's row) in id order."""
    channels = Conversation.objects.filter(kind=Kind.CLASS, school_class=school_class)
    if open_only:
        channels = channels.filter(archived_at__isnull=True)
    return channels.select_for_update(no_key=True).order_by("pk")


def _channel_role(person: Person) -> str:
    if any(role in RUNS_THE_CHANNEL for role in person.role_codes):
        return Membership.Role.OWNER
    return Membership.Role.MEMBER


def _person(school_class: SchoolClass, person_id: int) -> Person:
    person = Person.objects.filter(pk=person_id, organisation_id=school_class.school.organisation_id).first()
    if person is None:
        raise Invalid("person_id", _("Person %(id)s cannot be added here.") % {"id": person_id})
    return person


def _active_pupil(school_class: SchoolClass, person_id: int) -> Person:
    person = _person(school_class, person_id)
    if not person.is_pupil or not person.is_active:
        raise Invalid("person_id", _("Only a current pupil can be enrolled in a class."))
    return person


def _active_teacher(school_class: SchoolClass, person_id: int) -> Person:
    person = _person(school_class, person_id)
    if not person.may_teach_a_class or not person.is_active:
        raise Invalid(
            "person_id", _("Only current teaching and safeguarding staff can teach a class and join its channels.")
        )
    return person


def _staff_stay(conversation: Conversation, leaving: Person) -> bool:
    """Whether someone able to be with pupils stays in the class channel when `leaving` goes."""
    others = Person.objects.filter(memberships__conversation=conversation, is_active=True).exclude(pk=leaving.pk)
    return any(p.may_teach_a_class for p in others.prefetch_related("role_assignments"))


def enrol_pupil(class_id: int, person_id: int, *, acting: Actor) -> SchoolClass:
    """A pupil joins a class, and with it each of its open class channels. Enrolling them again changes nothing."""
    with transaction.atomic():
        school_class = managed_class(acting, class_id, lock=True)
        pupil = _active_pupil(school_class, person_id)
        if school_class.pupils.filter(pk=pupil.pk).exists():
            return school_class
        school_class.pupils.add(pupil)
        joined = []
        for conversation in _channels(school_class, open_only=True):
            _membership, created = Membership.objects.get_or_create(conversation=conversation, person=pupil)
            if created:
                events.members_added(conversation, [pupil.pk])
                joined.append(conversation.pk)
        audit.record(
            acting, AuditAction.CLASS_PUPIL_ENROLLED, target=pupil,
            data={"class_id": school_class.pk, "conversation_ids": joined},
        )  # fmt: skip
    return school_class


def unenrol_pupil(class_id: int, person_id: int, *, acting: Actor) -> SchoolClass:
    """A pupil leaves a class, and every channel of it (archived ones too): a pupil is in a class channel only
    while they are in the class. What they wrote stays."""
    with transaction.atomic():
        school_class = managed_class(acting, class_id, lock=True)
        pupil = _person(school_class, person_id)
        if not school_class.pupils.filter(pk=pupil.pk).exists():
            return school_class
        school_class.pupils.remove(pupil)
        left = []
        for conversation in _channels(school_class, open_only=False):
            removed, _kinds = Membership.objects.filter(conversation=conversation, person=pupil).delete()
            if removed:
                events.member_removed(conversation, pupil.pk)
                left.append(conversation.pk)
        audit.record(
            acting, AuditAction.CLASS_PUPIL_UNENROLLED, target=pupil,
            data={"class_id": school_class.pk, "conversation_ids": left},
        )  # fmt: skip
    return school_class


def assign_teacher(class_id: int, person_id: int, *, acting: Actor) -> SchoolClass:
    """A teacher (or teaching assistant) takes a class and joins its open class channels: a teacher runs them
    with the class, a teaching assistant is a member. Assigning them again changes nothing."""
    with transaction.atomic():
        school_class = managed_class(acting, class_id, lock=True)
        teacher = _active_teacher(school_class, person_id)
        if school_class.teachers.filter(pk=teacher.pk).exists():
            return school_class
        school_class.teachers.add(teacher)
        joined = []
        for conversation in _channels(school_class, open_only=True):
            _membership, created = Membership.objects.get_or_create(
                conversation=conversation, person=teacher, defaults={"role": _channel_role(teacher)}
            )
            if created:
                events.members_added(conversation, [teacher.pk])
                joined.append(conversation.pk)
        audit.record(
            acting, AuditAction.CLASS_TEACHER_ASSIGNED, target=teacher,
            data={"class_id": school_class.pk, "conversation_ids": joined},
        )  # fmt: skip
    return school_class


def unassign_teacher(class_id: int, person_id: int, *, acting: Actor) -> SchoolClass:
    """A teacher stops teaching a class and leaves its channels, except one where they are the last member of
    staff: a class channel never has pupils on their own. The audit entry lists where they stayed."""
    with transaction.atomic():
        school_class = managed_class(acting, class_id, lock=True)
        teacher = _person(school_class, person_id)
        if not school_class.teachers.filter(pk=teacher.pk).exists():
            return school_class
        school_class.teachers.remove(teacher)
        left, stayed = [], []
        for conversation in _channels(school_class, open_only=False):
            membership = Membership.objects.filter(conversation=conversation, person=teacher).first()
            if membership is None:
                continue
            if not _staff_stay(conversation, teacher):
                stayed.append(conversation.pk)
                continue
            membership.delete()
            events.member_removed(conversation, teacher.pk)
            left.append(conversation.pk)
        audit.record(
            acting, AuditAction.CLASS_TEACHER_UNASSIGNED, target=teacher,
            data={"class_id": school_class.pk, "conversation_ids": left, "stayed_in": stayed},
        )  # fmt: skip
    return school_class


def open_class_channel(class_id: int, *, acting: Actor, title: str = "") -> Conversation:
    """The class channel of a class that has none: its current teachers and pupils in it (called after the
    class, `title` empty), the school's safeguarding leads overseeing it. A class that already has an open
    channel gets that one back, unchanged."""
    with transaction.atomic():
        school_class = managed_class(acting, class_id, lock=True)
        permissions.require(acting, "conversation.create.class", school_class.school)
        existing = _channels(school_class, open_only=True).first()
        if existing is not None:
            return existing
        teachers = list(school_class.teachers.filter(is_active=True).prefetch_related("role_assignments"))
        teachers = [t for t in teachers if t.may_teach_a_class]
        if not teachers:
            raise Invalid("class_id", _("A class channel needs a teacher: give the class a teacher first."))
        pupils = list(school_class.pupils.filter(is_active=True).order_by("pk"))
        conversation = Conversation.objects.create(
            organisation_id=school_class.school.organisation_id,
            school=school_class.school,
            school_class=school_class,
            kind=Kind.CLASS,
            title=_clean_title(Kind.CLASS, title or school_class.name),
            created_by=acting if isinstance(acting, Person) else None,
        )
        Membership.objects.bulk_create(
            [Membership(conversation=conversation, person=t, role=_channel_role(t)) for t in teachers]
            + [Membership(conversation=conversation, person=p) for p in pupils]
        )
        member_ids = sorted(p.pk for p in [*teachers, *pupils])
        events.members_added(conversation, member_ids, also=events.overseers(conversation))
        audit.record(
            acting, AuditAction.CONVERSATION_CREATED, target=conversation, conversation=conversation,
            data={"kind": Kind.CLASS.value, "member_ids": member_ids, "class_id": school_class.pk},
        )  # fmt: skip
    return conversation
