"""`staffroom scan`: one message per line in, one JSON object per line out (DESIGN.md "Commands")."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from staffroom.demo import seed as demo


def run(text: str) -> list[dict]:
    out = StringIO()
    call_command("scan", stdin=StringIO(text), stdout=out, stderr=StringIO())
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.django_db
def test_one_json_object_per_line_in_the_designs_shape_without_a_demo_school():
    lines = run("Year 9 are a nightmare\ni want to k1ll mys3lf\nUPN B801200005001, on a CP plan\n\n")
    assert lines == [
        {"identifiers": [], "categories": [], "severity": None},
        {"identifiers": [], "categories": ["self_harm"], "severity": "high"},
        {"identifiers": ["upn", "child_protection"], "categories": [], "severity": "high"},
        {"identifiers": [], "categories": [], "severity": None},
    ]


@pytest.mark.django_db
def test_the_demo_schools_pupils_are_the_context():
    demo.seed("demo-password-for-tests")
    assert run("Pupil One was excluded today\nthe pupil was excluded today\n") == [
        {"identifiers": ["pupil_name"], "categories": [], "severity": "medium"},
        {"identifiers": [], "categories": [], "severity": None},
    ]


@pytest.mark.django_db
def test_the_matched_text_is_never_printed():
    out = run("Her NHS number is 943 476 5919\n")
    assert "943" not in json.dumps(out)
    assert out == [{"identifiers": ["nhs_number"], "categories": [], "severity": "high"}]


def test_works_with_no_database_at_all(monkeypatch):
    from django.db import DatabaseError

    from staffroom.safeguarding.management.commands import scan as command

    def no_database(slug):
        raise DatabaseError("no such table: accounts_organisation")

    monkeypatch.setattr(command, "organisation_roster", no_database)
    assert run("kys\n") == [{"identifiers": [], "categories": ["bullying"], "severity": "high"}]
