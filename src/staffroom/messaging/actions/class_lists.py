"""Who is in a class, and so in its class channels: pupils enrolled, teachers assigned, and the class channel
opened once the class has a teacher.

A class's lists and its channels change together, in one transaction, so a pupil is in a class channel exactly
while they are in the class (KCSIE: staff talk to pupils only where the school set it up), and its teachers are
there with them. Roster sync is the usual caller (`classes.manage`); an IT admin, or a headteacher for their own
school, may too. Each action takes several people at once, as a roster moves a whole class, and writes one
audit entry about the class naming them all. A pupil who leaves a class leaves every channel of it, archived
ones too; a teacher who stops teaching it leaves its channels unless they are the last member of staff in one
(a class channel always keeps an adult: the audit entry says where they stayed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

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


def _channels(school_class: SchoolClass, *, open_only: bool) -> list[Conversation]:
    """The class's channels, locked (after the class's row) in id order."""
    channels: QuerySet[Conversation] = Conversation.objects.filter(kind=Kind.CLASS, school_class=school_class)
    if open_only:
        channels = channels.filter(archived_at__isnull=True)
    return list(channels.select_for_update(no_key=True).order_by("pk"))


def _channel_role(person: Person) -> str:
    if any(role in RUNS_THE_CHANNEL for role in person.role_codes):
        return Membership.Role.OWNER
    return Membership.Role.MEMBER


def _people(
    school_class: SchoolClass, person_ids: Iterable[int], fits: Callable[[Person], bool], refusal: str
) -> list[Person]:
    """The people with these ids in the class's organisation, each of whom `fits`; Invalid for the first who
    does not (or whom nobody has), naming the id."""
    wanted = sorted({int(i) for i in person_ids})
    found = Person.objects.filter(pk__in=wanted, organisation_id=school_class.school.organisation_id)
    people = {p.pk: p for p in found.prefetch_related("role_assignments")}
    for person_id in wanted:
        if person_id not in people or not fits(people[person_id]):
            raise Invalid("person_ids", refusal % {"id": person_id})
    return [people[i] for i in wanted]


def _current_pupil(person: Person) -> bool:
    return person.is_pupil and person.is_active


def _current_teacher(person: Person) -> bool:
    return person.may_teach_a_class and person.is_active


def _anyone(person: Person) -> bool:
    return True


def _members(conversation: Conversation) -> set[int]:
    return set(Membership.objects.filter(conversation=conversation).values_list("person_id", flat=True))


def _staff_stay(conversation: Conversation, leaving: set[int]) -> bool:
    """Whether someone able to be with pupils stays in the class channel when `leaving` go."""
    others = Person.objects.filter(memberships__conversation=conversation, is_active=True).exclude(pk__in=leaving)
    return any(p.may_teach_a_class for p in others.prefetch_related("role_assignments"))


def enrol_pupils(class_id: int, person_ids: Iterable[int], *, acting: Actor) -> list[int]:
    """Pupils join a class, and with it each of its open class channels. Returns the ids of those who were not
    in it already (none: nothing changes, and nothing is recorded)."""
    with transaction.atomic():
        school_class = managed_class(acting, class_id, lock=True)
        pupils = _people(school_class, person_ids, _current_pupil, _("Person %(id)s is not a current pupil."))
        enrolled = set(school_class.pupils.values_list("pk", flat=True))
        joining = [p for p in pupils if p.pk not in enrolled]
        if not joining:
            return []
        school_class.pupils.add(*joining)
        conversation_ids = []
        for conversation in _channels(school_class, open_only=True):
            members = _members(conversation)
            new = [p for p in joining if p.pk not in members]
            if new:
                Membership.objects.bulk_create([Membership(conversation=conversation, person=p) for p in new])
                events.members_added(conversation, [p.pk for p in new])
                conversation_ids.append(conversation.pk)
        ids = [p.pk for p in joining]
        audit.record(
            acting, AuditAction.CLASS_PUPILS_ENROLLED, target=school_class,
            data={"person_ids": ids, "conversation_ids": conversation_ids},
        )  # fmt: skip
    return ids


def unenrol_pupils(class_id: int, person_ids: Iterable[int], *, acting: Actor) -> list[int]:
    """Pupils leave a class, and every channel of it (archived ones too): a pupil is in a class channel only
    while they are in the class. What they wrote stays. Returns the ids of those who were in it."""
    with transaction.atomic():
        school_class = managed_class(acting, class_id, lock=True)
        people = _people(school_class, person_ids, _anyone, _("Person %(id)s cannot be taken out of this class."))
        enrolled = set(school_class.pupils.values_list("pk", flat=True))
        leaving = [p for p in people if p.pk in enrolled]
        if not leaving:
            return []
        school_class.pupils.remove(*leaving)
        ids = [p.pk for p in leaving]
        conversation_ids = []
        for conversation in _channels(school_class, open_only=False):
            gone = sorted(_members(conversation) & set(ids))
            if gone:
                Membership.objects.filter(conversation=conversation, person_id__in=gone).delete()
                for person_id in gone:
                    events.member_removed(conversation, person_id)
                conversation_ids.append(conversation.pk)
        audit.record(
            acting, AuditAction.CLASS_PUPILS_UNENROLLED, target=school_class,
            data={"person_ids": ids, "conversation_ids": conversation_ids},
        )  # fmt: skip
    return ids


def assign_teachers(class_id: int, person_ids: Iterable[int], *, acting: Actor) -> list[int]:
    """Teachers (or teaching assistants) take a class and join its open class channels: a teacher runs them
    with the class, a teaching assistant is a member. Returns the ids of those who did not teach it already."""
    with transaction.atomic():
        school_class = managed_class(acting, class_id, lock=True)
        refusal = _("Person %(id)s cannot teach a class: only current teaching and safeguarding staff can.")
        teachers = _people(school_class, person_ids, _current_teacher, refusal)
        teaching = set(school_class.teachers.values_list("pk", flat=True))
        joining = [t for t in teachers if t.pk not in teaching]
        if not joining:
            return []
        school_class.teachers.add(*joining)
        conversation_ids = []
        for conversation in _channels(school_class, open_only=True):
            members = _members(conversation)
            new = [t for t in joining if t.pk not in members]
            if new:
                Membership.objects.bulk_create(
                    [Membership(conversation=conversation, person=t, role=_channel_role(t)) for t in new]
                )
                events.members_added(conversation, [t.pk for t in new])
                conversation_ids.append(conversation.pk)
        ids = [t.pk for t in joining]
        audit.record(
            acting, AuditAction.CLASS_TEACHERS_ASSIGNED, target=school_class,
            data={"person_ids": ids, "conversation_ids": conversation_ids},
        )  # fmt: skip
    return ids


def unassign_teachers(class_id: int, person_ids: Iterable[int], *, acting: Actor) -> list[int]:
    """Teachers stop teaching a class and leave its channels, except one where none of the staff would be left:
    a class channel never has pupils on their own. The audit entry lists who stayed where. Returns the ids of
    those who taught it."""
    with transaction.atomic():
        school_class = managed_class(acting, class_id, lock=True)
        people = _people(school_class, person_ids, _anyone, _("Person %(id)s cannot be taken off this class."))
        teaching = set(school_class.teachers.values_list("pk", flat=True))
        leaving = [p for p in people if p.pk in teaching]
        if not leaving:
            return []
        school_class.teachers.remove(*leaving)
        ids = [p.pk for p in leaving]
        conversation_ids, stayed = [], []
        for conversation in _channels(school_class, open_only=False):
            going = sorted(_members(conversation) & set(ids))
            if not going:
                continue
            if not _staff_stay(conversation, set(going)):
                # The one who has been in it longest stays; the others go.
                keep = (
                    Membership.objects.filter(conversation=conversation, person_id__in=going)
                    .order_by("joined_at", "pk")
                    .values_list("person_id", flat=True)
                    .first()
                )
                stayed.append([conversation.pk, keep])
                going = [p for p in going if p != keep]
            if going:
                Membership.objects.filter(conversation=conversation, person_id__in=going).delete()
                for person_id in going:
                    events.member_removed(conversation, person_id)
                conversation_ids.append(conversation.pk)
        audit.record(
            acting, AuditAction.CLASS_TEACHERS_UNASSIGNED, target=school_class,
            data={"person_ids": ids, "conversation_ids": conversation_ids, "stayed_in": stayed},
        )  # fmt: skip
    return ids


def open_class_channel(class_id: int, *, acting: Actor, title: str = "") -> Conversation:
    """The class channel of a class that has none: its current teachers and pupils in it (called after the
    class, `title` empty), the school's safeguarding leads overseeing it. A class that already has an open
    channel gets that one back, unchanged."""
    with transaction.atomic():
        school_class = managed_class(acting, class_id, lock=True)
        permissions.require(acting, "conversation.create.class", school_class.school)
        existing = next(iter(_channels(school_class, open_only=True)), None)
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
