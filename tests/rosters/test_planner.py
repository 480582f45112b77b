"""The planner: what a roster would change in Staffroom, matched against what is there, and what it refuses."""

import pytest

from staffroom.accounts import actions as people
from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import Person, Role
from staffroom.rosters import parser, planner
from staffroom.rosters.actions import import_roster
from staffroom.rosters.planner import ADD, DEACTIVATE, REACTIVATE, UPDATE
from tests import factories
from tests.rosters.conftest import enrollment, manifest, roster, school_class, user

pytestmark = pytest.mark.django_db


def plan(org, files, **options):
    return planner.plan(parser.parse(files), org, **options)


def apply(org, files, **options):
    outcome = import_roster(parser.parse(files), acting=ServiceActor(Service.ROSTER_SYNC, org.pk), **options)
    assert outcome.ok, outcome.plan.errors
    return outcome


def steps(result, kind):
    return [(s.name, s.changed, s.reason) for s in result.people_to(kind)]


def messages(problems):
    return [(p.file, p.line, p.message) for p in problems]


@pytest.fixture
def hill(db):
    """A trust with Hill Academy already in Staffroom (made by hand), no roster yet."""
    org = factories.organisation("Hill Trust")
    return org, factories.school(org, "Hill Academy")


def test_a_first_roster_adds_everyone_and_links_the_school_it_finds_by_name(hill):
    org, school = hill
    result = plan(org, roster())
    assert result.errors == []
    assert [(s.name, s.school_id, s.changed) for s in result.schools] == [("Hill Academy", school.pk, ("roster_id",))]
    assert [(s.name, s.email, s.roles, s.school_key) for s in result.people_to(ADD)] == [
        ("Ada Lovelace", "t-ada@hill.example", ("teacher",), "org-hill"),
        ("Ben Okafor", "p-ben@hill.example", ("pupil",), "org-hill"),
        ("Cal Singh", "p-cal@hill.example", ("pupil",), "org-hill"),
    ]
    ((step,),) = [result.classes]
    assert (step.name, step.class_id) == ("9X Science", None)
    (class_list,) = result.class_lists
    assert (class_list.assign, class_list.enrol, class_list.open_channel) == (["t-ada"], ["p-ben", "p-cal"], True)


def test_someone_added_by_hand_is_linked_by_their_address_and_keeps_the_roles_given_by_hand(hill):
    org, school = hill
    ada = factories.person(school, Role.TEACHER, Role.DSL, name="Ada King", email="T-Ada@Hill.example")
    result = plan(org, roster())
    assert steps(result, UPDATE) == [("Ada Lovelace", ("roster_id", "name"), "")]
    assert result.people_to(UPDATE)[0].roles == ("dsl", "teacher")
    apply(org, roster())
    ada.refresh_from_db()
    assert ada.roster_id == "t-ada" and sorted(ada.role_codes) == ["dsl", "teacher"]


def test_the_roster_s_role_replaces_the_roster_role_held_before(hill):
    org, _school = hill
    apply(org, roster())
    promoted = roster(
        users=[
            user("t-ada", "aide", given="Ada", family="Lovelace"),
            user("p-ben", given="Ben", family="Okafor"),
            user("p-cal", given="Cal", family="Singh"),
        ]
    )
    result = plan(org, promoted)
    assert [(s.name, s.changed, s.roles) for s in result.people_to(UPDATE)] == [
        ("Ada Lovelace", ("roles",), ("teaching_assistant",))
    ]


def test_a_pupil_in_the_roster_holding_staff_roles_by_hand_is_an_error(hill):
    org, school = hill
    factories.person(school, Role.DSL, email="p-ben@hill.example")
    result = plan(org, roster())
    assert messages(result.errors) == [
        ("users.csv", 3, f"{Person.objects.get(email='p-ben@hill.example').name} is a pupil in the roster but holds "
         "staff roles in Staffroom; take those away first.")
    ]  # fmt: skip
    assert not result.changes


def test_an_address_used_in_another_organisation_is_an_error(hill):
    org, _school = hill
    elsewhere = factories.school(factories.organisation("Elsewhere"))
    factories.person(elsewhere, email="p-ben@hill.example")
    result = plan(org, roster())
    assert messages(result.errors) == [("users.csv", 3, "Someone already signs in to Staffroom with this address.")]


def test_two_people_of_the_roster_with_one_address_is_an_error(hill):
    org, _school = hill
    result = plan(org, roster(users=[user("p-ben"), user("p-cal", email="p-ben@hill.example")], enrollments=[]))
    assert messages(result.errors) == [("users.csv", 3, "email p-ben@hill.example is also on line 2.")]


def test_people_without_an_email_are_skipped_unless_an_email_domain_is_given(hill):
    org, _school = hill
    files = roster(users=[user("p-ben", email="", username="ben.okafor")], enrollments=[enrollment("c-9x", "p-ben")])
    result = plan(org, files)
    assert result.people == [] and [(p.file, p.line) for p in result.skipped] == [("users.csv", 2)]
    assert result.skipped_enrollments == 1
    result = plan(org, files, email_domain="Hill.Example")
    assert [s.email for s in result.people_to(ADD)] == ["ben.okafor@hill.example"]


def test_someone_disabled_or_marked_to_be_deleted_is_deactivated(hill):
    org, _school = hill
    apply(org, roster())
    gone = roster(users=[
        user("t-ada", "teacher", given="Ada", family="Lovelace", enabledUser="false"),
        user("p-ben", given="Ben", family="Okafor", status="tobedeleted"),
        user("p-cal", given="Cal", family="Singh"),
    ])  # fmt: skip
    result = plan(org, gone)
    assert steps(result, DEACTIVATE) == [
        ("Ada Lovelace", (), "Disabled in the roster"),
        ("Ben Okafor", (), "Marked to be deleted in the roster"),
    ]


def test_a_delta_file_deactivates_only_whom_it_says(hill):
    org, _school = hill
    apply(org, roster())
    delta = roster(
        manifest_csv=manifest(users="delta", enrollments="delta", classes="absent"),
        classes_csv=None,
        users=[user("p-ben", given="Ben", family="Okafor", status="tobedeleted")],
        enrollments=[],
    )
    result = plan(org, delta)
    assert result.errors == []
    assert steps(result, DEACTIVATE) == [("Ben Okafor", (), "Marked to be deleted in the roster")]


def test_a_complete_users_file_naming_nobody_is_refused_rather_than_deactivating_everyone(hill):
    org, _school = hill
    apply(org, roster())
    result = plan(org, roster(users=[], enrollments=[]))
    assert messages(result.errors) == [
        ("users.csv", None, "users.csv names nobody, but is complete (bulk): everyone would be deactivated.")
    ]


def test_the_roster_brings_back_whom_it_deactivated_but_not_whom_an_admin_did(hill):
    org, _school = hill
    apply(org, roster())
    apply(org, roster(users=[user("t-ada", "teacher", given="Ada", family="Lovelace")], enrollments=[]))
    cal = Person.objects.get(roster_id="p-cal")
    admin = factories.person(hill[1], Role.IT_ADMIN, trust_wide=True)
    people.reactivate_person(cal.pk, acting=admin)
    people.deactivate_person(cal.pk, acting=admin, reason="Suspended")
    result = plan(org, roster())
    assert steps(result, REACTIVATE) == [("Ben Okafor", (), "")]
    assert (
        "users.csv",
        4,
        "Cal Singh was deactivated by an admin, so stays so; an admin can reactivate them.",
    ) in messages(result.warnings)


def test_classes_with_the_same_title_at_a_school_are_told_apart(hill):
    org, _school = hill
    classes = [
        school_class("c-1", "Maths", classCode="9X"),
        school_class("c-2", "Maths", classCode="9Y"),
        school_class("c-3", "Maths"),
    ]
    result = plan(org, roster(classes=[*classes[:2], {**classes[2], "schoolSourcedId": "org-hill"}], enrollments=[]))
    assert [s.name for s in result.classes] == ["Maths (9X)", "Maths (9Y)", "Maths (c-3)"]


def test_a_class_without_a_teacher_gets_no_channel_yet_and_the_plan_says_so(hill):
    org, _school = hill
    result = plan(org, roster(enrollments=[enrollment("c-9x", "p-ben")]))
    (class_list,) = result.class_lists
    assert class_list.enrol == ["p-ben"] and not class_list.open_channel
    assert ("classes.csv", 2, "c-9x has no teacher, so it has no class channel yet.") in messages(result.warnings)


def test_an_enrollment_that_does_not_fit_the_person_is_left_out_with_a_warning(hill):
    org, _school = hill
    result = plan(org, roster(enrollments=[enrollment("c-9x", "t-ada"), enrollment("c-9x", "p-ben", "teacher")]))
    assert [m[:2] for m in messages(result.warnings)] == [
        ("enrollments.csv", 2),
        ("enrollments.csv", 3),
        ("classes.csv", 2),
    ]
    assert result.skipped_enrollments == 2 and result.class_lists == []


def test_a_class_the_roster_removes_loses_the_people_it_brought_but_keeps_those_added_by_hand(hill):
    org, school = hill
    apply(org, roster())
    by_hand = factories.person(school, Role.PUPIL, name="Hand Made")
    from staffroom.messaging import actions as messaging

    klass = Person.objects.get(roster_id="p-ben").classes.get()
    messaging.enrol_pupils(klass.pk, [by_hand.pk], acting=ServiceActor(Service.ROSTER_SYNC, org.pk))
    result = plan(org, roster(classes=[school_class("c-9x", "9X Science", status="tobedeleted")]))
    (class_list,) = result.class_lists
    ids = set(Person.objects.filter(roster_id__in=["p-ben", "p-cal"]).values_list("pk", flat=True))
    assert set(class_list.unenrol) == ids and by_hand.pk not in class_list.unenrol
    assert class_list.unassign == [Person.objects.get(roster_id="t-ada").pk]
    apply(org, roster(classes=[school_class("c-9x", "9X Science", status="tobedeleted")]))
    assert list(klass.pupils.all()) == [by_hand]


def test_a_class_the_roster_renames_is_renamed(hill):
    org, _school = hill
    apply(org, roster())
    result = plan(org, roster(classes=[school_class("c-9x", "9X Physics")]))
    assert [(s.name, s.changed) for s in result.classes] == [("9X Physics", ("name",))]


def test_an_unknown_org_of_a_person_is_an_error(hill):
    org, _school = hill
    files = roster(
        manifest_csv=manifest(orgs="absent"),
        orgs_csv=None,
        users=[user("p-ben", orgSourcedIds="org-x")],
        enrollments=[],
    )
    files["classes.csv"] = roster(classes=[])["classes.csv"]
    result = plan(org, files)
    assert messages(result.errors) == [
        ("users.csv", 2, "orgSourcedIds names org-x: not a school in orgs.csv nor in Staffroom.")
    ]


def test_the_digest_changes_with_the_plan(hill):
    org, _school = hill
    first = plan(org, roster())
    assert first.digest() == plan(org, roster()).digest()
    apply(org, roster())
    assert plan(org, roster()).digest() != first.digest()


def test_two_people_of_the_roster_cannot_both_be_linked_to_someone_added_by_hand(hill):
    org, school = hill
    factories.person(school, Role.PUPIL, email="p-ben@hill.example")
    result = plan(org, roster(users=[user("p-ben"), user("p-cal", email="P-Ben@hill.example")], enrollments=[]))
    assert messages(result.errors) == [("users.csv", 3, "email p-ben@hill.example is also on line 2.")]
