"""Who is in a class, and so in its class channels: each change leaves its audit entry and events
(tests/verify.py), and keeps pupils in a class channel exactly while they are in the class."""

import pytest

from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import Role
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.messaging import actions
from staffroom.messaging.models import Conversation, Membership
from tests import factories
from tests.verify import verify_action, verify_refused, verify_unchanged

pytestmark = pytest.mark.django_db

A = AuditAction


def roster_sync(world):
    return ServiceActor(Service.ROSTER_SYNC, world.org.pk)


def members(conversation):
    return dict(Membership.objects.filter(conversation=conversation).values_list("person__name", "role"))


@pytest.fixture
def fresh_class(world):
    """A class nobody is in yet, with no channel."""
    return factories.school_class(world.school, "10Y Maths")


def test_roster_sync_opens_a_class_channel_with_its_teachers_running_it_and_its_pupils_in_it(world, fresh_class):
    actions.assign_teacher(fresh_class.pk, world.teacher.pk, acting=roster_sync(world))
    actions.assign_teacher(fresh_class.pk, world.ta.pk, acting=roster_sync(world))
    actions.enrol_pupil(fresh_class.pk, world.pupil.pk, acting=roster_sync(world))
    with verify_action(audit=[A.CONVERSATION_CREATED], events=["membership.added"]) as captured:
        channel = actions.open_class_channel(fresh_class.pk, acting=roster_sync(world))
    assert (channel.kind, channel.title, channel.school_class, channel.created_by) == (
        "class",
        "10Y Maths",
        fresh_class,
        None,
    )
    assert members(channel) == {"Tara Teacher": "owner", "Tia Assistant": "member", "Pupil One": "member"}
    assert world.dsl.pk in captured.event("membership.added").people  # overseeing it
    assert captured.audit[0].actor_service == "roster_sync"
    assert captured.audit[0].data["class_id"] == fresh_class.pk


def test_a_class_with_a_channel_gets_that_one_back(world):
    channel = world.class_channel()
    with verify_unchanged():
        assert actions.open_class_channel(world.klass.pk, acting=roster_sync(world)) == channel


def test_a_class_channel_is_not_opened_without_a_teacher(world, fresh_class):
    actions.enrol_pupil(fresh_class.pk, world.pupil.pk, acting=roster_sync(world))
    with verify_refused(Invalid, field="class_id"):
        actions.open_class_channel(fresh_class.pk, acting=roster_sync(world))


@pytest.mark.parametrize("who", ["teacher", "dsl", "dpo", "office", "pupil"])
def test_only_those_who_keep_class_lists_open_a_channel_for_a_class(world, fresh_class, who):
    actions.assign_teacher(fresh_class.pk, world.teacher.pk, acting=roster_sync(world))
    with verify_refused(PermissionDenied):
        actions.open_class_channel(fresh_class.pk, acting=getattr(world, who))


def test_an_enrolled_pupil_joins_the_class_and_its_channel(world):
    channel = world.class_channel()
    newcomer = factories.person(world.school, Role.PUPIL, name="Pupil Three")
    with verify_action(audit=[A.CLASS_PUPIL_ENROLLED], events=["membership.added"]) as captured:
        actions.enrol_pupil(world.klass.pk, newcomer.pk, acting=roster_sync(world))
    assert world.klass.pupils.filter(pk=newcomer.pk).exists()
    assert members(channel)["Pupil Three"] == "member"
    assert captured.audit[0].data == {"class_id": world.klass.pk, "conversation_ids": [channel.pk]}
    with verify_unchanged():
        actions.enrol_pupil(world.klass.pk, newcomer.pk, acting=roster_sync(world))


@pytest.mark.parametrize("who", ["teacher", "ta", "external"])
def test_only_a_pupil_is_enrolled(world, who):
    with verify_refused(Invalid, field="person_id"):
        actions.enrol_pupil(world.klass.pk, getattr(world, who).pk, acting=roster_sync(world))


def test_a_leaver_or_someone_of_another_organisation_is_not_enrolled(world):
    leaver = factories.person(world.school, Role.PUPIL)
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    with verify_refused(Invalid, field="person_id"):
        actions.enrol_pupil(world.klass.pk, leaver.pk, acting=roster_sync(world))
    with verify_refused(Invalid, field="person_id"):
        actions.enrol_pupil(world.klass.pk, world.outsider.pk, acting=roster_sync(world))


def test_a_class_of_another_organisation_is_not_found(world):
    elsewhere = factories.school_class(world.outsider.school)
    with verify_refused(NotFound):
        actions.enrol_pupil(elsewhere.pk, world.pupil.pk, acting=roster_sync(world))


@pytest.mark.parametrize("who", ["teacher", "dsl", "dpo", "governor", "pupil"])
def test_only_admins_headteachers_and_roster_sync_enrol_pupils(world, who):
    newcomer = factories.person(world.school, Role.PUPIL)
    with verify_refused(PermissionDenied):
        actions.enrol_pupil(world.klass.pk, newcomer.pk, acting=getattr(world, who))


def test_a_headteacher_enrols_in_their_own_school_only(world):
    other_class = factories.school_class(world.other_school)
    primary_pupil = factories.person(world.other_school, Role.PUPIL)
    with verify_refused(PermissionDenied):
        actions.enrol_pupil(other_class.pk, primary_pupil.pk, acting=world.head)


def test_an_unenrolled_pupil_leaves_every_channel_of_the_class_archived_ones_too(world):
    channel = world.class_channel()
    old = world.class_channel()
    Conversation.objects.filter(pk=old.pk).update(archived_at=channel.created_at)
    with verify_action(
        audit=[A.CLASS_PUPIL_UNENROLLED], events=["membership.removed", "membership.removed"]
    ) as captured:
        actions.unenrol_pupil(world.klass.pk, world.pupil.pk, acting=world.admin)
    assert not world.klass.pupils.filter(pk=world.pupil.pk).exists()
    assert "Pupil One" not in members(channel) and "Pupil One" not in members(old)
    assert captured.audit[0].data == {"class_id": world.klass.pk, "conversation_ids": [channel.pk, old.pk]}
    with verify_unchanged():
        actions.unenrol_pupil(world.klass.pk, world.pupil.pk, acting=world.admin)
    with verify_refused(PermissionDenied):
        actions.unenrol_pupil(world.klass.pk, world.pupil2.pk, acting=world.teacher)


def test_an_assigned_teacher_joins_the_class_s_channels(world):
    channel = world.class_channel()
    with verify_action(audit=[A.CLASS_TEACHER_ASSIGNED], events=["membership.added"]):
        actions.assign_teacher(world.klass.pk, world.teacher2.pk, acting=roster_sync(world))
    assert members(channel)["Tom Teacher"] == "owner"
    assert world.klass.teachers.filter(pk=world.teacher2.pk).exists()
    with verify_unchanged():
        actions.assign_teacher(world.klass.pk, world.teacher2.pk, acting=roster_sync(world))


@pytest.mark.parametrize("who", ["office", "governor", "pupil", "external"])
def test_only_teaching_and_safeguarding_staff_teach_a_class(world, who):
    with verify_refused(Invalid, field="person_id"):
        actions.assign_teacher(world.klass.pk, getattr(world, who).pk, acting=roster_sync(world))


def test_an_unassigned_teacher_leaves_the_channels_but_not_one_they_are_the_last_adult_in(world):
    shared = world.class_channel()  # started by world.teacher
    actions.assign_teacher(world.klass.pk, world.teacher.pk, acting=roster_sync(world))
    actions.assign_teacher(world.klass.pk, world.teacher2.pk, acting=roster_sync(world))  # joins it
    only_teacher2 = actions.create_conversation(
        acting=world.teacher2, kind="class", title="9X Science homework", school_class=world.klass
    )
    with verify_action(audit=[A.CLASS_TEACHER_UNASSIGNED], events=["membership.removed"]) as captured:
        actions.unassign_teacher(world.klass.pk, world.teacher2.pk, acting=roster_sync(world))
    assert "Tom Teacher" not in members(shared)
    assert "Tom Teacher" in members(only_teacher2)  # pupils are never left on their own
    assert captured.audit[0].data == {
        "class_id": world.klass.pk,
        "conversation_ids": [shared.pk],
        "stayed_in": [only_teacher2.pk],
    }
    with verify_unchanged():
        actions.unassign_teacher(world.klass.pk, world.teacher2.pk, acting=roster_sync(world))
    with verify_refused(PermissionDenied):
        actions.unassign_teacher(world.klass.pk, world.teacher.pk, acting=world.teacher2)
