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
    actions.assign_teachers(fresh_class.pk, [world.teacher.pk, world.ta.pk], acting=roster_sync(world))
    actions.enrol_pupils(fresh_class.pk, [world.pupil.pk], acting=roster_sync(world))
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
    actions.enrol_pupils(fresh_class.pk, [world.pupil.pk], acting=roster_sync(world))
    with verify_refused(Invalid, field="class_id"):
        actions.open_class_channel(fresh_class.pk, acting=roster_sync(world))


@pytest.mark.parametrize("who", ["teacher", "dsl", "dpo", "office", "pupil"])
def test_only_those_who_keep_class_lists_open_a_channel_for_a_class(world, fresh_class, who):
    actions.assign_teachers(fresh_class.pk, [world.teacher.pk], acting=roster_sync(world))
    with verify_refused(PermissionDenied):
        actions.open_class_channel(fresh_class.pk, acting=getattr(world, who))


def test_enrolled_pupils_join_the_class_and_its_channel_together(world):
    channel = world.class_channel()
    three = factories.person(world.school, Role.PUPIL, name="Pupil Three")
    four = factories.person(world.school, Role.PUPIL, name="Pupil Four")
    with verify_action(audit=[A.CLASS_PUPILS_ENROLLED], events=["membership.added"]) as captured:
        joined = actions.enrol_pupils(world.klass.pk, [four.pk, three.pk, world.pupil.pk], acting=roster_sync(world))
    assert joined == sorted([three.pk, four.pk])  # Pupil One was in it already
    assert set(world.klass.pupils.values_list("pk", flat=True)) >= {three.pk, four.pk}
    assert members(channel)["Pupil Three"] == "member" and members(channel)["Pupil Four"] == "member"
    entry = captured.audit[0]
    assert (entry.target_type, entry.target_id) == ("accounts.schoolclass", str(world.klass.pk))
    assert entry.data == {"person_ids": sorted([three.pk, four.pk]), "conversation_ids": [channel.pk]}
    assert captured.event("membership.added").payload["person_ids"] == sorted([three.pk, four.pk])
    with verify_unchanged():
        assert actions.enrol_pupils(world.klass.pk, [three.pk], acting=roster_sync(world)) == []


@pytest.mark.parametrize("who", ["teacher", "ta", "external"])
def test_only_pupils_are_enrolled_and_one_who_is_not_refuses_them_all(world, who):
    newcomer = factories.person(world.school, Role.PUPIL)
    with verify_refused(Invalid, field="person_ids") as refused:
        actions.enrol_pupils(world.klass.pk, [newcomer.pk, getattr(world, who).pk], acting=roster_sync(world))
    assert str(getattr(world, who).pk) in refused.value.message


def test_a_leaver_or_someone_of_another_organisation_is_not_enrolled(world):
    leaver = factories.person(world.school, Role.PUPIL)
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    with verify_refused(Invalid, field="person_ids"):
        actions.enrol_pupils(world.klass.pk, [leaver.pk], acting=roster_sync(world))
    with verify_refused(Invalid, field="person_ids"):
        actions.enrol_pupils(world.klass.pk, [world.outsider.pk], acting=roster_sync(world))


def test_a_class_of_another_organisation_is_not_found(world):
    elsewhere = factories.school_class(world.outsider.school)
    with verify_refused(NotFound):
        actions.enrol_pupils(elsewhere.pk, [world.pupil.pk], acting=roster_sync(world))


@pytest.mark.parametrize("who", ["teacher", "dsl", "dpo", "governor", "pupil"])
def test_only_admins_headteachers_and_roster_sync_enrol_pupils(world, who):
    newcomer = factories.person(world.school, Role.PUPIL)
    with verify_refused(PermissionDenied):
        actions.enrol_pupils(world.klass.pk, [newcomer.pk], acting=getattr(world, who))


def test_a_headteacher_enrols_in_their_own_school_only(world):
    other_class = factories.school_class(world.other_school)
    primary_pupil = factories.person(world.other_school, Role.PUPIL)
    with verify_refused(PermissionDenied):
        actions.enrol_pupils(other_class.pk, [primary_pupil.pk], acting=world.head)
    newcomer = factories.person(world.school, Role.PUPIL)
    with verify_action(audit=[A.CLASS_PUPILS_ENROLLED], events=[]):
        actions.enrol_pupils(world.klass.pk, [newcomer.pk], acting=world.head)


def test_unenrolled_pupils_leave_every_channel_of_the_class_archived_ones_too(world):
    channel = world.class_channel()
    old = world.class_channel()
    Conversation.objects.filter(pk=old.pk).update(archived_at=channel.created_at)
    removed = ["membership.removed"] * 4
    with verify_action(audit=[A.CLASS_PUPILS_UNENROLLED], events=removed) as captured:
        left = actions.unenrol_pupils(world.klass.pk, [world.pupil.pk, world.pupil2.pk], acting=world.admin)
    assert left == sorted([world.pupil.pk, world.pupil2.pk])
    assert not world.klass.pupils.exists()
    assert "Pupil One" not in members(channel) and "Pupil Two" not in members(old)
    assert captured.audit[0].data == {"person_ids": left, "conversation_ids": [channel.pk, old.pk]}
    with verify_unchanged():
        actions.unenrol_pupils(world.klass.pk, [world.pupil.pk], acting=world.admin)
    with verify_refused(PermissionDenied):
        actions.unenrol_pupils(world.klass.pk, [world.pupil2.pk], acting=world.teacher)


def test_assigned_teachers_join_the_class_s_channels_a_teacher_running_them(world):
    channel = world.class_channel()
    with verify_action(audit=[A.CLASS_TEACHERS_ASSIGNED], events=["membership.added"]):
        actions.assign_teachers(world.klass.pk, [world.teacher2.pk, world.ta.pk], acting=roster_sync(world))
    assert members(channel)["Tom Teacher"] == "owner" and members(channel)["Tia Assistant"] == "member"
    assert set(world.klass.teachers.values_list("pk", flat=True)) == {world.teacher2.pk, world.ta.pk}
    with verify_unchanged():
        actions.assign_teachers(world.klass.pk, [world.teacher2.pk], acting=roster_sync(world))


@pytest.mark.parametrize("who", ["office", "governor", "pupil", "external"])
def test_only_teaching_and_safeguarding_staff_teach_a_class(world, who):
    with verify_refused(Invalid, field="person_ids"):
        actions.assign_teachers(world.klass.pk, [getattr(world, who).pk], acting=roster_sync(world))


def test_unassigned_teachers_leave_the_channels_but_one_stays_where_no_other_adult_would(world):
    shared = world.class_channel()  # started by world.teacher
    actions.assign_teachers(world.klass.pk, [world.teacher.pk, world.teacher2.pk], acting=roster_sync(world))
    only_teacher2 = actions.create_conversation(
        acting=world.teacher2, kind="class", title="9X Science homework", school_class=world.klass
    )
    with verify_action(audit=[A.CLASS_TEACHERS_UNASSIGNED], events=["membership.removed"]) as captured:
        actions.unassign_teachers(world.klass.pk, [world.teacher2.pk], acting=roster_sync(world))
    assert "Tom Teacher" not in members(shared)
    assert "Tom Teacher" in members(only_teacher2)  # pupils are never left on their own
    assert captured.audit[0].data == {
        "person_ids": [world.teacher2.pk],
        "conversation_ids": [shared.pk],
        "stayed_in": [[only_teacher2.pk, world.teacher2.pk]],
    }
    with verify_unchanged():
        actions.unassign_teachers(world.klass.pk, [world.teacher2.pk], acting=roster_sync(world))
    with verify_refused(PermissionDenied):
        actions.unassign_teachers(world.klass.pk, [world.teacher.pk], acting=world.teacher2)


def test_when_every_teacher_goes_the_longest_in_the_channel_stays_with_the_pupils(world):
    channel = world.class_channel()  # world.teacher first
    actions.assign_teachers(world.klass.pk, [world.teacher.pk, world.teacher2.pk], acting=roster_sync(world))
    with verify_action(audit=[A.CLASS_TEACHERS_UNASSIGNED], events=["membership.removed"]) as captured:
        actions.unassign_teachers(world.klass.pk, [world.teacher.pk, world.teacher2.pk], acting=roster_sync(world))
    assert captured.audit[0].data["stayed_in"] == [[channel.pk, world.teacher.pk]]
    assert "Tara Teacher" in members(channel) and "Tom Teacher" not in members(channel)
    assert not world.klass.teachers.exists()
