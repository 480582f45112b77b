"""The roster context: a school's pupils' names, read from the database, and nothing else."""

import pytest

from staffroom.accounts.models import Role
from staffroom.safeguarding import detectors
from staffroom.safeguarding.roster import organisation_roster, school_roster
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_schools_roster_holds_its_pupils_names_only():
    school = factories.school()
    factories.person(school, Role.PUPIL, name="Amelia Hughes")
    factories.person(school, Role.PUPIL, name="Jake Wilson")
    factories.person(school, Role.TEACHER, name="Sam Teacher")
    factories.person(factories.school(school.organisation), Role.PUPIL, name="Other School Pupil")
    assert school_roster(school).names == ("Amelia Hughes", "Jake Wilson")


def test_pupils_who_left_or_were_deactivated_are_not_on_it():
    school = factories.school()
    factories.person(school, Role.PUPIL, name="Still Here")
    gone = factories.person(school, Role.PUPIL, name="Gone Away")
    gone.is_active = False
    gone.save()
    assert school_roster(school).names == ("Still Here",)


def test_an_organisations_roster_covers_its_schools_and_is_empty_when_there_is_none():
    org = factories.organisation()
    factories.person(factories.school(org), Role.PUPIL, name="Ava Okafor")
    factories.person(factories.school(org), Role.PUPIL, name="Leo Thompson")
    assert organisation_roster(org.slug).names == ("Ava Okafor", "Leo Thompson")
    assert organisation_roster("no-such-trust") is detectors.EMPTY_ROSTER


def test_the_roster_is_what_the_detectors_read_names_from():
    school = factories.school()
    factories.person(school, Role.PUPIL, name="Amelia Hughes")
    result = detectors.scan("Amelia was excluded today", school_roster(school))
    assert "pupil_name" in result.identifiers
