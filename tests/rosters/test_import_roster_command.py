"""`staffroom import_roster DIR-or-ZIP [--dry-run]` end to end: on the public samples and on rosters written here."""

import json
import logging

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from staffroom.accounts.models import Person, School, SchoolClass
from staffroom.compliance import audit
from staffroom.compliance.models import AuditEntry
from staffroom.messaging.models import Conversation, Membership
from tests import factories
from tests.rosters.conftest import enrollment, roster, sample, sample_secrets, user, write, zipped
from tests.verify import verify_unchanged

pytestmark = pytest.mark.django_db

ZERO = {"created": 0, "updated": 0, "deactivated": 0, "reactivated": 0, "classes": 0, "schools": 0}


def run(path, *args) -> tuple[int, dict]:
    """Run the command; its exit status and the one JSON line it printed."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("import_roster", str(path), *args, stdout=out)
        status = 0
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1, out.getvalue()
    return status, json.loads(lines[0])


def changes(counts: dict) -> dict:
    return {k: counts[k] for k in ZERO}


@pytest.fixture
def trust(db):
    return factories.organisation("Hill Trust")


# --- the public samples -----------------------------------------------------------------------------------

SAMPLE_RUNS = [
    # (sample, extra arguments, what the first run changes, lines skipped)
    ("moodle-full", [], {**ZERO, "created": 5, "classes": 1, "schools": 1}, 1),
    ("moodle-minimal", [], {**ZERO, "classes": 2, "schools": 1}, 6),
    ("moodle-minimal", ["--email-domain", "myschool.example"], {**ZERO, "created": 5, "classes": 2, "schools": 1}, 1),
    ("oat-sa-base", [], {**ZERO, "classes": 3, "schools": 2}, 2),
    ("oat-sa-base", ["--email-domain", "oat.example"], {**ZERO, "created": 2, "classes": 3, "schools": 2}, 0),
]


@pytest.mark.parametrize(("name", "args", "first", "skipped"), SAMPLE_RUNS)
def test_a_public_sample_imports_once_and_a_second_run_changes_nothing(trust, name, args, first, skipped):
    with verify_unchanged():
        status, dry = run(sample(name), "--dry-run", *args)
    assert status == 0 and dry["dry_run"] is True and changes(dry) == first

    status, counts = run(sample(name), *args)
    assert status == 0 and counts["errors"] == [] and changes(counts) == first
    assert counts["skipped"] == skipped
    assert audit.verify(trust).ok

    with verify_unchanged():
        status, again = run(sample(name), *args)
    assert status == 0 and changes(again) == ZERO


def test_moodle_full_becomes_a_school_with_a_physics_class_channel(trust):
    run(sample("moodle-full"))
    (school,) = School.objects.filter(organisation=trust)
    assert (school.name, school.roster_id) == ("History Department", "org-sch-222-456")
    people = {p.name: (p.email, p.role_codes, p.roster_id) for p in Person.objects.filter(organisation=trust)}
    assert people == {
        "John Doe": ("john.doe@myschool.com", ["teacher"], "usr-222-123456"),
        "Jim Smith": ("jim.smith@myschool.com", ["teacher"], "usr-222-987654"),
        "Mary Jones": ("mary.jones@myschool.com", ["pupil"], "usr-222-66778899"),
        "mmichel Jones": ("mmichel.jones2@myschool.com", ["pupil"], "usr-222-1234561232"),
        "Anna Brown": ("anna.brown@myschool.com", ["pupil"], "usr-222-567891"),
    }
    assert not Person.objects.filter(name__contains="Thomas").exists()  # the parent
    (physics,) = SchoolClass.objects.filter(school=school)  # History - 2 is marked tobedeleted
    (channel,) = Conversation.objects.filter(school_class=physics)
    assert channel.kind == "class" and channel.title == "Introduction to Physics"
    members = dict(Membership.objects.filter(conversation=channel).values_list("person__name", "role"))
    # Jim Smith is enrolled as a student, but users.csv makes him a teacher: left out, and said so.
    assert members == {"John Doe": "owner", "mmichel Jones": "member"}
    assert not Person.objects.filter(organisation=trust).exclude(password__startswith="!").exists()


def test_moodle_full_leaves_no_phone_number_or_password_in_the_database_the_output_or_the_log(trust, caplog):
    secrets = sample_secrets("moodle-full")
    caplog.set_level(logging.DEBUG)
    _status, counts = run(sample("moodle-full"))
    assert counts["created"] == 5
    printed = json.dumps(counts)
    stored = []
    for model in apps.get_models():
        stored += [repr(row) for row in model._default_manager.values()]
    dump = "\n".join(stored)
    for secret in secrets:
        assert secret not in dump, f"{secret!r} was stored"
        assert secret not in printed and secret not in caplog.text
    assert "thomas.jones@testemail.com" not in dump  # nor anything of the parent's


def test_moodle_minimal_after_moodle_full_finds_the_same_people_without_their_emails(trust):
    run(sample("moodle-full"))
    status, counts = run(sample("moodle-minimal"))
    # The same sourcedIds: nobody new; History - 2 is active in this file, with John Doe teaching it.
    assert status == 0 and changes(counts) == {**ZERO, "classes": 1}
    assert Person.objects.filter(organisation=trust).count() == 5


def test_a_zip_imports_as_the_folder_does(trust, tmp_path):
    path = tmp_path / "roster.zip"
    path.write_bytes(zipped(roster(), folder="export/"))
    status, counts = run(path)
    assert status == 0 and changes(counts) == {**ZERO, "created": 3, "classes": 1, "schools": 1}


# --- rosters written here ---------------------------------------------------------------------------------


def test_the_import_is_done_by_roster_sync_and_recorded_last(trust, tmp_path):
    run(write(tmp_path / "r", roster()))
    entries = list(AuditEntry.objects.filter(organisation=trust).order_by("pk"))
    assert {e.actor_service for e in entries} == {"roster_sync"} and {e.channel for e in entries} == {"cli"}
    assert [e.action for e in entries] == [
        "school.added",
        "person.added",
        "person.added",
        "person.added",
        "class.added",
        "class.teachers_assigned",
        "class.pupils_enrolled",
        "conversation.created",
        "roster.imported",
    ]
    assert entries[-1].data == {
        "created": 3, "updated": 0, "deactivated": 0, "reactivated": 0, "classes": 1, "schools": 1, "skipped": 0,
    }  # fmt: skip


def test_a_pupil_no_longer_in_the_roster_is_deactivated_and_one_back_again_reactivated(trust, tmp_path):
    run(write(tmp_path / "one", roster()))
    cal = Person.objects.get(roster_id="p-cal")
    without_cal = roster(
        users=[user("t-ada", "teacher", given="Ada", family="Lovelace"), user("p-ben", given="Ben", family="Okafor")],
        enrollments=[enrollment("c-9x", "t-ada", "teacher"), enrollment("c-9x", "p-ben")],
    )
    status, counts = run(write(tmp_path / "two", without_cal))
    assert status == 0 and changes(counts) == {**ZERO, "deactivated": 1}
    cal.refresh_from_db()
    assert not cal.is_active
    entry = AuditEntry.objects.get(action="person.deactivated", target_id=str(cal.pk))
    assert (entry.actor_service, entry.reason) == ("roster_sync", "Not in the roster any more")
    # A leaver keeps their place in the class channel, as in every conversation: they just receive nothing.
    assert cal.classes.exists()

    status, counts = run(write(tmp_path / "three", roster()))
    assert status == 0 and changes(counts) == {**ZERO, "reactivated": 1}
    cal.refresh_from_db()
    assert cal.is_active


def test_a_pupil_who_leaves_a_class_leaves_its_channel(trust, tmp_path):
    run(write(tmp_path / "one", roster()))
    moved = roster(enrollments=[enrollment("c-9x", "t-ada", "teacher"), enrollment("c-9x", "p-ben")])
    status, counts = run(write(tmp_path / "two", moved))
    assert status == 0 and changes(counts) == {**ZERO, "classes": 1}
    channel = Conversation.objects.get(school_class__roster_id="c-9x")
    assert not Membership.objects.filter(conversation=channel, person__roster_id="p-cal").exists()
    assert Person.objects.get(roster_id="p-cal").is_active


def test_someone_added_by_hand_is_never_deactivated_by_the_roster(trust, tmp_path):
    hill = factories.school(trust, "Hill Academy")
    by_hand = factories.person(hill, "teacher", name="Hand Made")
    status, counts = run(write(tmp_path / "r", roster()))
    assert status == 0 and counts["deactivated"] == 0 and counts["schools"] == 1  # Hill Academy linked by its name
    by_hand.refresh_from_db()
    assert by_hand.is_active and by_hand.roster_id == ""


@pytest.mark.parametrize(
    ("broken", "where"),
    [
        ({"users_csv": "sourcedId,role\r\nx,student\r\n"}, {"file": "users.csv", "line": 1}),
        ({"enrollments": [enrollment("c-missing", "p-ben")]}, {"file": "enrollments.csv", "line": 2}),
        (
            {"enrollments": [enrollment("c-9x", "p-ben", beginDate="2025-02-30")]},
            {"file": "enrollments.csv", "line": 2},
        ),
        ({"users": [user("p-ben"), user("p-ben")], "enrollments": []}, {"file": "users.csv", "line": 3}),
        ({"users_csv": b"\x00\x01\x02 not a csv"}, {"file": "users.csv", "line": None}),
    ],
)
def test_a_bad_roster_changes_nothing_and_says_where_the_problem_is(trust, tmp_path, broken, where):
    with verify_unchanged():
        status, counts = run(write(tmp_path / "r", roster(**broken)))
    assert status == 1
    assert changes(counts) == ZERO
    assert {"file": counts["errors"][0]["file"], "line": counts["errors"][0]["line"]} == where


def test_a_roster_that_cannot_be_read_at_all_is_an_error_too(trust, tmp_path):
    (tmp_path / "roster.zip").write_bytes(b"not a zip")
    status, counts = run(tmp_path / "roster.zip")
    assert status == 1 and counts["errors"][0]["file"] == "roster.zip"


def test_with_several_organisations_the_command_asks_which(trust, tmp_path):
    factories.organisation("Other Trust")
    with pytest.raises(CommandError, match="--organisation"):
        run(write(tmp_path / "r", roster()))
    status, counts = run(write(tmp_path / "r", roster()), "--organisation", trust.slug)
    assert status == 0 and counts["created"] == 3


def test_a_bad_email_domain_is_refused(trust, tmp_path):
    with pytest.raises(CommandError, match="email-domain"):
        run(write(tmp_path / "r", roster()), "--email-domain", "not a domain")
