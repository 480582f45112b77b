"""The lines KCSIE draws, held by the actions: pupils only in their own class channel with school staff, a
member of staff always present, and nothing said about a pupil to someone who may not know them."""

import pytest

from staffroom.accounts.models import Person
from staffroom.errors import Invalid, PermissionDenied
from staffroom.messaging import actions
from staffroom.messaging.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


def test_pupils_of_other_classes_cannot_be_added_to_a_class_channel(world):
    conv = world.class_channel()
    other_pupil = factories.person(world.school, "pupil", name="Pupil Elsewhere")
    with pytest.raises(Invalid):
        actions.add_member(conv, other_pupil.pk, acting=world.teacher)


def test_enrolled_pupils_can_be_added_back(world):
    conv = world.class_channel()
    actions.remove_member(conv, world.pupil.pk, acting=world.teacher)
    actions.add_member(conv, world.pupil.pk, acting=world.teacher)
    assert Membership.objects.filter(conversation=conv, person=world.pupil).exists()


@pytest.mark.parametrize("role", ["external", "governor", "office"])
def test_only_teaching_and_safeguarding_staff_join_class_channels(world, role):
    conv = world.class_channel()
    with pytest.raises(Invalid):
        actions.add_member(conv, getattr(world, role).pk, acting=world.teacher)


def test_the_last_member_of_staff_cannot_leave_pupils_alone(world):
    conv = world.class_channel()
    with pytest.raises(Invalid):
        actions.remove_member(conv, world.teacher.pk, acting=world.teacher)
    actions.add_member(conv, world.ta.pk, acting=world.teacher)
    actions.remove_member(conv, world.teacher.pk, acting=world.teacher)  # the TA is still there


def test_refusing_a_pupil_never_names_them(world):
    with pytest.raises(Invalid) as error:
        actions.create_conversation(acting=world.governor, kind="group", title="x", member_ids=[world.pupil.pk])
    assert world.pupil.name not in error.value.message


def _probes(world) -> dict[str, int]:
    """Ids a member of staff may not learn anything about: a pupil (the directory hides pupils on purpose), a
    pupil of another class, someone of another organisation, a leaver, and an id nobody has."""
    leaver = factories.person(world.school, "teacher", name="Lee Leaver")
    Person.objects.filter(pk=leaver.pk).update(is_active=False)
    elsewhere = factories.person(world.school, "pupil", name="Pupil Elsewhere")
    factories.school_class(world.school, "8Y", [elsewhere])
    return {
        "pupil": world.pupil.pk,
        "pupil of another class": elsewhere.pk,
        "other organisation": world.outsider.pk,
        "leaver": leaver.pk,
        "nobody": Person.objects.order_by("-pk").first().pk + 1000,
    }


def _answer(error: Invalid, probe: int) -> tuple[str | None, str]:
    return error.field, error.message.replace(str(probe), "<id>")


ATTEMPTS = {
    "start a group": lambda world, pk: actions.create_conversation(
        acting=world.teacher, kind="group", title="Probe", member_ids=[world.teacher2.pk, pk]
    ),
    "start a direct message": lambda world, pk: actions.create_conversation(
        acting=world.teacher, kind="direct", member_ids=[pk]
    ),
    "add to a group": lambda world, pk: actions.add_member(world.group(world.teacher2), pk, acting=world.teacher),
    "add to a class channel": lambda world, pk: actions.add_member(world.class_channel(), pk, acting=world.teacher),
}


@pytest.mark.parametrize("attempt", ATTEMPTS)
def test_refusals_cannot_tell_pupils_from_leavers_outsiders_or_nobody(world, attempt):
    answers = {}
    probes = _probes(world)
    if attempt == "add to a class channel":
        del probes["pupil"]  # in the class: its teacher may know them (next test)
    for name, probe in probes.items():
        with pytest.raises(Invalid) as refused:
            ATTEMPTS[attempt](world, probe)
        answers[name] = _answer(refused.value, probe)
        assert "pupil" not in refused.value.message.lower()
    assert len(set(answers.values())) == 1, answers


def test_a_teacher_may_know_their_own_class_pupils(world):
    conv = world.class_channel()
    actions.remove_member(conv, world.pupil.pk, acting=world.teacher)
    actions.add_member(conv, world.pupil.pk, acting=world.teacher)
    assert Membership.objects.filter(conversation=conv, person=world.pupil).exists()


def test_tokens_are_only_issued_to_oneself(world):
    from staffroom.accounts import actions as account_actions

    with pytest.raises(PermissionDenied):
        account_actions.create_token(world.teacher, acting=world.head)
    with pytest.raises(PermissionDenied):
        account_actions.create_token(world.teacher, acting=world.admin)


def test_a_school_leader_cannot_manage_trust_wide_people(world):
    from staffroom.accounts import permissions

    assert world.admin.school_id is not None  # trust-wide by role, not by school
    trust_person = factories.person(world.school, "teacher", name="Trust Teacher")
    trust_person.school = None
    assert not permissions.allows(world.head, "people.manage", trust_person)
    assert permissions.allows(world.admin, "people.manage", trust_person)


@pytest.mark.parametrize("emoji", ["👍", "❤️", "👍🏽", "👨‍👩‍👧", "🇬🇧", "1️⃣", "✅"])
def test_real_emoji_are_reactions(world, emoji):
    conv = world.group(world.teacher2)
    message, _ = actions.send_message(conv, acting=world.teacher, body="Well done")
    actions.react(message, emoji, acting=world.teacher2)


@pytest.mark.parametrize("text", ["<img/src=x/onerror=alert(1)>", "ok", "👍 👍", "", "👍" * 40])
def test_anything_else_is_not_a_reaction(world, text):
    conv = world.group(world.teacher2)
    message, _ = actions.send_message(conv, acting=world.teacher, body="Well done")
    with pytest.raises(Invalid):
        actions.react(message, text, acting=world.teacher2)


def test_mention_handles_come_from_names_not_email_addresses(world):
    person = factories.person(world.school, "teacher", name="Jo Bloggs", email="j.bloggs.private@school.example")
    assert person.handle == "jo-bloggs"
    twin = factories.person(world.school, "teacher", name="Jo Bloggs")
    assert twin.handle == "jo-bloggs-2"


def test_overseeing_dsl_receives_a_class_channels_events(world):
    conv = world.class_channel()
    message, _ = actions.send_message(conv, acting=world.teacher, body="Homework is on page 12")
    events = factories.stream_of(world.dsl, "message.new")
    assert [e.payload["message"]["id"] for e in events] == [message.pk]
    assert not factories.stream_of(world.teacher2, "message.new")
