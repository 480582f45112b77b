"""The roster import is one action: it leaves exactly its entries (each change's, by roster sync, then its own,
naming who imported), and a refused or empty import leaves nothing (tests/verify.py)."""

import pytest

from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import Person
from staffroom.compliance.audit import AuditAction
from staffroom.errors import PermissionDenied
from staffroom.messaging.models import Conversation
from staffroom.rosters import actions, parser
from tests.rosters.conftest import enrollment, roster
from tests.verify import public_functions, verified_in, verify_action, verify_refused, verify_unchanged

pytestmark = pytest.mark.django_db

A = AuditAction


def test_every_public_action_is_run_through_verify_action_and_refused_or_left_unchanged():
    runs = verified_in(__file__, "actions")
    for name in sorted(public_functions(actions)):
        assert name in runs["verify_action"], f"actions.{name} has no test run through verify_action"
        assert name in runs["verify_refused"] | runs["verify_unchanged"], name


def test_an_it_admin_imports_a_roster_and_the_changes_are_roster_sync_s(world):
    # No teacher, so no class channel and no event: verify_action's check that nothing is published after an
    # audit entry holds for one action; the import runs many, having taken both heads first (rosters/applier.py).
    files = roster(
        orgs=[{"sourcedId": "org-hill", "name": "High School", "type": "school"}],
        enrollments=[enrollment("c-9x", "p-ben"), enrollment("c-9x", "p-cal")],
    )
    changes = [A.SCHOOL_UPDATED, A.PERSON_ADDED, A.PERSON_ADDED, A.PERSON_ADDED, A.CLASS_UPDATED,
               A.CLASS_PUPILS_ENROLLED]  # fmt: skip
    with verify_action(audit=[*changes, A.ROSTER_IMPORTED], events=[]) as captured:
        outcome = actions.import_roster(parser.parse(files), acting=world.admin)
    assert outcome.applied and outcome.ok
    assert {e.actor_service for e in captured.audit[:-1]} == {"roster_sync"}
    last = captured.audit[-1]
    assert (last.actor, last.data["created"], last.data["classes"]) == (world.admin, 3, 1)
    # High School's 9X Science, made by hand, is linked by its name; its pupils added by hand stay.
    assert set(world.klass.pupils.values_list("name", flat=True)) == {
        "Pupil One",
        "Pupil Two",
        "Ben Okafor",
        "Cal Singh",
    }


def test_the_class_channel_an_import_opens_reaches_its_members_and_overseers(world):
    from staffroom.realtime import streams

    files = roster(orgs=[{"sourcedId": "org-hill", "name": "High School", "type": "school"}])
    actions.import_roster(parser.parse(files), acting=world.admin)
    ada = Person.objects.get(roster_id="t-ada")
    channel = Conversation.objects.get(school_class=world.klass)
    for person in (ada, world.pupil, world.dsl):
        events, _ = streams.events_for(person.pk, 0, limit=100)
        assert [e.type for e in events if e.conversation_id == channel.pk] == ["membership.added"]
    assert channel.memberships.get(person=ada).role == "owner"


def test_a_dry_run_and_a_second_import_change_nothing(world):
    files = roster()
    with verify_unchanged():
        outcome = actions.import_roster(parser.parse(files), acting=world.admin, dry_run=True)
    assert outcome.plan.counts()["created"] == 3
    actions.import_roster(parser.parse(files), acting=world.admin)
    with verify_unchanged():
        outcome = actions.import_roster(parser.parse(files), acting=world.admin)
    assert not outcome.applied and outcome.ok


@pytest.mark.parametrize("who", ["head", "dpo", "dsl", "teacher", "office", "pupil"])
def test_only_an_it_admin_or_roster_sync_imports_a_roster(world, who):
    with verify_refused(PermissionDenied):
        actions.import_roster(parser.parse(roster()), acting=getattr(world, who))
    with verify_refused(PermissionDenied):
        actions.import_roster(parser.parse(roster()), acting=getattr(world, who), dry_run=True)


def test_a_step_an_action_refuses_undoes_every_step_before_it(world, monkeypatch):
    from staffroom.accounts.actions import schools
    from staffroom.errors import Invalid

    real = schools.add_class

    def refuse(**kwargs):
        real(**kwargs)
        raise Invalid("name", "No classes today.")

    monkeypatch.setattr(schools, "add_class", refuse)
    monkeypatch.setattr("staffroom.accounts.actions.add_class", refuse)
    with verify_unchanged():
        outcome = actions.import_roster(parser.parse(roster()), acting=ServiceActor(Service.ROSTER_SYNC, world.org.pk))
    assert not outcome.ok and not outcome.applied
    assert [(p.file, p.line, p.message) for p in outcome.plan.errors] == [("classes.csv", 2, "No classes today.")]
    assert outcome.plan.counts()["created"] == 0
