"""Reading OneRoster 1.1 CSV: the public samples other projects wrote, and broken files, each problem with the
file and line it is on."""

import io
from collections import Counter
from dataclasses import asdict

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffroom.rosters import files, parser
from staffroom.rosters.problems import Problem
from tests.rosters.conftest import (
    CLASS_COLUMNS,
    USER_COLUMNS,
    enrollment,
    manifest,
    roster,
    sample,
    sample_secrets,
    table,
    user,
)


def parse_sample(name):
    return parser.parse(files.read_path(sample(name)))


def roles(result):
    return dict(Counter(u.role for u in result.users))


def where(problems):
    return [(p.file, p.line) for p in problems]


# --- the public samples -----------------------------------------------------------------------------------


def test_moodle_full_sample_reads_with_its_parent_skipped_and_its_department_standing_in_for_a_school():
    result = parse_sample("moodle-full")
    assert result.errors == []
    assert result.modes == dict.fromkeys(parser.DATA_FILES, "bulk")
    assert roles(result) == {"teacher": 2, "pupil": 3}
    assert where(result.skipped) == [("users.csv", 4)]  # Thomas Jones, a parent
    assert "parent" in result.skipped[0].message
    assert [(c.sourced_id, c.active) for c in result.classes] == [("cls-222-123456", True), ("cls-222-123478", False)]
    assert len(result.enrollments) == 6
    assert Counter(e.enrolled_as for e in result.enrollments) == {"staff": 2, "pupil": 4}
    assert result.sessions == 5
    assert result.school_of == {"org-sch-222-456": "org-sch-222-456"}
    assert where(result.warnings) == [("orgs.csv", 2)]


def test_moodle_minimal_sample_reads_though_it_gives_no_statuses_and_no_email():
    result = parse_sample("moodle-minimal")
    assert result.errors == []
    assert roles(result) == {"teacher": 2, "pupil": 3}
    assert len(result.skipped) == 1
    assert all(u.email == "" and u.active for u in result.users)
    assert [c.active for c in result.classes] == [True, True]
    assert len(result.enrollments) == 6


def test_oat_sample_reads_past_its_extension_columns_and_upper_case_booleans():
    result = parse_sample("oat-sa-base")
    assert result.errors == [] and result.warnings == []
    assert [(o.sourced_id, o.type, o.name) for o in result.orgs] == [
        ("12345", "school", "School 1"),
        ("54321", "school", "School 2"),
    ]
    assert roles(result) == {"pupil": 2}
    assert [u.org_ids for u in result.users] == [("12345",), ("54321",)]
    assert [(c.sourced_id, c.school_org_id) for c in result.classes] == [
        ("class1", "12345"),
        ("class2", "12345"),
        ("class3", "54321"),
    ]
    assert len(result.enrollments) == 3 and result.sessions == 0


@pytest.mark.parametrize("name", ["moodle-full", "moodle-minimal"])
def test_no_phone_number_or_password_of_a_sample_is_in_what_was_read(name):
    secrets = sample_secrets(name)
    assert secrets  # the samples do have them
    read = repr(asdict(parse_sample(name)))
    assert not [s for s in secrets if s in read]


def test_a_parent_s_contact_details_are_not_kept_at_all():
    read = repr(asdict(parse_sample("moodle-full")))
    assert "thomas.jones@testemail.com" not in read and "Thomas" not in read


# --- files we wrote ---------------------------------------------------------------------------------------


def test_a_written_roster_reads_cleanly():
    result = parser.parse(roster())
    assert result.errors == [] and result.warnings == []
    assert [(u.sourced_id, u.role, u.email) for u in result.users] == [
        ("t-ada", "teacher", "t-ada@hill.example"),
        ("p-ben", "pupil", "p-ben@hill.example"),
        ("p-cal", "pupil", "p-cal@hill.example"),
    ]


def test_a_byte_order_mark_and_unknown_columns_are_no_trouble():
    users = table(
        [*USER_COLUMNS, "metadata.shoeSize", "ext_vendor_password"],
        [user("p-ben", **{"ext_vendor_password": "hunter2"})],
    )
    result = parser.parse(roster(users_csv="\ufeff" + users, enrollments=[]))
    assert result.errors == []
    assert [u.sourced_id for u in result.users] == ["p-ben"]
    assert "hunter2" not in repr(asdict(result))


def test_roles_map_conservatively_and_parents_guardians_and_relatives_are_skipped():
    people = [
        user("a", "administrator"), user("b", "aide"), user("c", "proctor"), user("d", "Teacher"),
        user("e", "guardian"), user("f", "relative"), user("g", "parent"),
    ]  # fmt: skip
    result = parser.parse(roster(users=people, enrollments=[]))
    assert [(u.sourced_id, u.role) for u in result.users] == [
        ("a", "support_staff"),
        ("b", "teaching_assistant"),
        ("c", "support_staff"),
        ("d", "teacher"),
    ]
    assert where(result.skipped) == [("users.csv", 6), ("users.csv", 7), ("users.csv", 8)]


def test_enrollments_of_parents_are_skipped_not_refused():
    people = [user("t-ada", "teacher"), user("g-pam", "guardian")]
    result = parser.parse(roster(users=people, enrollments=[enrollment("c-9x", "g-pam", "guardian")]))
    assert result.errors == [] and result.enrollments == [] and result.skipped_enrollments == 1


LATIN_1 = "sourcedId,orgSourcedIds,role,givenName,familyName\r\nx,org-hill,student,Zo\xe9,Roe\r\n".encode("latin-1")
NOWHERE = table(CLASS_COLUMNS, [{"sourcedId": "c-9x", "title": "9X", "schoolSourcedId": "org-nowhere"}])
SHORT_HEADER = "sourcedId,role,givenName\r\nx,student,Ann\r\n"


@pytest.mark.parametrize(
    ("files_", "expected"),
    [
        ({"manifest_csv": None}, ("manifest.csv", None, "There is no manifest.csv")),
        ({"users_csv": None}, ("manifest.csv", 5, "file.users is bulk, but there is no users.csv")),
        ({"manifest_csv": manifest(users="sometimes")}, ("manifest.csv", 5, "must be bulk, delta or absent")),
        ({"users_csv": SHORT_HEADER}, ("users.csv", 1, "Required column missing: orgSourcedIds, familyName")),
        ({"users_csv": ""}, ("users.csv", None, "This file is empty")),
        ({"users_csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}, ("users.csv", None, "not a CSV file")),
        ({"users_csv": LATIN_1}, ("users.csv", None, "not in UTF-8")),
        ({"classes_csv": NOWHERE}, ("classes.csv", 2, "schoolSourcedId org-nowhere is not in orgs.csv")),
    ],
)
def test_a_broken_roster_says_which_file_and_line(files_, expected):
    result = parser.parse(roster(**files_))
    file, line, message = expected
    assert any(p.file == file and p.line == line and message in p.message for p in result.errors), result.errors


def test_a_duplicate_sourced_id_names_both_lines():
    result = parser.parse(roster(users=[user("p-ben"), user("t-ada", "teacher"), user("p-ben")], enrollments=[]))
    assert [(p.file, p.line, p.message) for p in result.errors] == [
        ("users.csv", 4, "sourcedId p-ben is also on line 2.")
    ]


def test_bad_values_are_each_reported_on_their_line():
    people = [
        user("a", "wizard"),
        user("b", status="gone"),
        user("c", enabledUser="yes"),
        user("d", email="not-an-address"),
        user("e", givenName="", familyName=""),
        user("f", dateLastModified="yesterday"),
    ]
    result = parser.parse(roster(users=people, enrollments=[]))
    assert where(result.errors) == [("users.csv", n) for n in range(2, 8)]
    assert "wizard" in result.errors[0].message and "gone" in result.errors[1].message


def test_an_enrollment_to_a_class_or_person_not_in_the_roster_is_refused():
    result = parser.parse(roster(enrollments=[enrollment("c-none", "p-ben"), enrollment("c-9x", "p-nobody")]))
    assert [(p.file, p.line) for p in result.errors] == [("enrollments.csv", 2), ("enrollments.csv", 3)]
    assert "classSourcedId c-none" in result.errors[0].message
    assert "userSourcedId p-nobody" in result.errors[1].message


def test_bad_dates_are_refused_with_the_column():
    result = parser.parse(
        roster(
            enrollments=[
                enrollment("c-9x", "p-ben", beginDate="2025-13-01"),
                enrollment("c-9x", "p-cal", endDate="22/07/2026"),
            ]
        )
    )
    assert [(p.line, p.message) for p in result.errors] == [
        (2, "beginDate '2025-13-01' is not a date (YYYY-MM-DD)."),
        (3, "endDate '22/07/2026' is not a date (YYYY-MM-DD)."),
    ]
    sessions = "sourcedId,title,type,startDate,endDate\r\nt1,Autumn,term,2025-09-01,sometime\r\n"
    result = parser.parse(roster(manifest_csv=manifest(academicSessions="bulk"), academicSessions_csv=sessions))
    assert where(result.errors) == [("academicSessions.csv", 2)]


def test_a_line_with_the_wrong_number_of_values_is_refused():
    users = table(USER_COLUMNS, [user("p-ben")]) + "p-cal,active,,true,org-hill,student\r\n"
    result = parser.parse(roster(users_csv=users, enrollments=[]))
    assert [(p.line, p.message) for p in result.errors] == [
        (3, "This line has 6 values but the header has 18 columns.")
    ]


def test_quoted_line_breaks_keep_the_line_numbers_right():
    users = table(USER_COLUMNS, [user("p-ben", middleName="Anne\nMarie"), user("p-cal", role="wizard")])
    result = parser.parse(roster(users_csv=users, enrollments=[]))
    assert where(result.errors) == [("users.csv", 4)]


def test_a_file_the_manifest_says_is_absent_is_not_read():
    result = parser.parse(roster(manifest_csv=manifest(enrollments="absent")))
    assert result.enrollments == [] and where(result.warnings) == [("enrollments.csv", None)]


def test_a_delta_file_leaves_references_it_cannot_see_to_the_planner():
    result = parser.parse(
        roster(
            manifest_csv=manifest(orgs="absent", classes="absent", users="delta"),
            orgs_csv=None,
            classes_csv=None,
            enrollments=[enrollment("c-elsewhere", "p-ben")],
        )
    )
    assert result.errors == []


def test_problems_never_quote_a_column_the_import_does_not_read():
    people = [user("a", "wizard", phone="07700900999", password="Sekrit-99", sms="07700900888")]
    result = parser.parse(roster(users=people, enrollments=[]))
    assert result.errors
    shown = " ".join(str(p) for p in result.errors)
    assert "07700900999" not in shown and "Sekrit-99" not in shown and "07700900888" not in shown


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=600), st.text(max_size=600).map(str.encode)))
def test_whatever_users_csv_holds_the_parser_answers_with_problems_not_a_crash(data):
    result = parser.parse(roster(users_csv=data, enrollments=[]))
    for problem in [*result.errors, *result.warnings]:
        assert isinstance(problem, Problem) and problem.file in files.ROSTER_FILES


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12), min_size=4, max_size=4),
        max_size=8,
    )
)
def test_whatever_rows_enrollments_csv_has_every_problem_names_a_line_in_the_file(rows):
    text = table(
        ["sourcedId", "classSourcedId", "userSourcedId", "role"],
        [dict(zip(["sourcedId", "classSourcedId", "userSourcedId", "role"], r, strict=True)) for r in rows],
    )
    result = parser.parse(roster(enrollments_csv=text))
    lines = len(io.StringIO(text, newline="").readlines())  # as an editor counts them: \r, \n or both
    for problem in result.errors:
        assert problem.file == "enrollments.csv" and (problem.line is None or 1 <= problem.line <= lines)


def test_the_roster_survives_its_trip_through_the_page():
    result = parser.parse(roster())
    assert parser.Roster.from_data(result.to_data()) == result


def test_problems_are_in_the_language_of_the_page_that_shows_them():
    files = roster(users=[user("p-ben", given="Ben"), user("p-ben", given="Ben")], enrollments=[])
    with translation.override("cy"):
        result = parser.parse(files)
        assert [p.message for p in result.errors] == ["Mae sourcedId p-ben hefyd ar linell 2."]
        assert str(result.errors[0]) == "users.csv llinell 3: Mae sourcedId p-ben hefyd ar linell 2."
    with translation.override("en-gb"):
        assert str(parser.parse(files).errors[0]) == "users.csv line 3: sourcedId p-ben is also on line 2."
