"""Legal holds: the DPO places one by people, conversations and dates, with a reason; while it is in force the
retention schedule removes nothing in its scope; releasing it (with a reason) lets the schedule go on. Both are
audited. A hold that ends before it starts, or names nobody and nothing, is refused."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Q

from staffroom.accounts.actors import Service, ServiceActor
from staffroom.compliance import actions, holds
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.messaging.models import Message
from tests.compliance.test_retention import TODAY, say
from tests.verify import verify_action, verify_refused, verify_unchanged

pytestmark = pytest.mark.django_db

A = AuditAction


def run(world):
    return actions.run_retention(acting=ServiceActor(Service.RETENTION, world.org.pk), today=TODAY)


@pytest.fixture
def old(world):
    """Two quiet groups, long due for removal."""
    trip = world.group(world.teacher2, title="Old trip")
    other = world.group(world.ta, title="Old rota")
    return {
        "trip": trip,
        "other": other,
        "january": say(trip, world.teacher, "January", on=date(2028, 1, 10)),
        "march": say(trip, world.teacher2, "March", on=date(2028, 3, 10)),
        "rota": say(other, world.ta, "Rota", on=date(2028, 3, 10)),
    }


def test_a_hold_on_a_conversation_keeps_it_and_releasing_it_lets_the_schedule_remove_it(world, old):
    with verify_action(audit=[A.HOLD_PLACED], events=[]) as captured:
        hold = actions.place_hold(
            acting=world.dpo, reason="Employment tribunal claim", conversation_ids=[old["trip"].pk]
        )
    assert captured.audit[0].reason == "Employment tribunal claim"
    assert captured.audit[0].data["conversation_ids"] == [old["trip"].pk]

    first = run(world)
    assert first.counts["messages"] == 1 and first.counts["held"] == 2
    assert Message.objects.filter(pk__in=[old["january"].pk, old["march"].pk]).count() == 2
    assert not Message.objects.filter(pk=old["rota"].pk).exists()

    with verify_action(audit=[A.HOLD_RELEASED], events=[]) as captured:
        actions.release_hold(hold.pk, acting=world.dpo, reason="Claim withdrawn")
    assert captured.audit[0].reason == "Claim withdrawn"
    assert run(world).counts["messages"] == 2
    assert not Message.objects.filter(conversation=old["trip"]).exists()


def test_a_hold_on_a_person_keeps_what_they_wrote_and_the_conversations_they_are_in(world, old):
    actions.place_hold(acting=world.dpo, reason="Grievance", person_ids=[world.teacher2.pk])
    counts = run(world).counts
    # teacher2 is in the trip group: both its messages stay; the rota (teacher2 not in it) goes.
    assert (counts["messages"], counts["held"]) == (1, 2)
    assert holds.person_is_held(world.teacher2)
    # Erasure asks about people named, or in a conversation named; teacher is neither.
    assert not holds.person_is_held(world.teacher)


def test_a_hold_between_dates_keeps_only_what_was_sent_between_them(world, old):
    actions.place_hold(
        acting=world.dpo, reason="Incident in March", conversation_ids=[old["trip"].pk],
        starts_on=date(2028, 3, 1), ends_on=date(2028, 3, 10),
    )  # fmt: skip
    counts = run(world).counts
    assert (counts["messages"], counts["held"]) == (2, 1)
    assert list(Message.objects.values_list("pk", flat=True)) == [old["march"].pk]


def test_a_hold_placed_for_one_person_is_what_erasure_asks_about(world, old):
    assert not holds.person_is_held(world.office)
    actions.place_hold(acting=world.dpo, reason="Subject access dispute", person_ids=[world.office.pk])
    assert holds.person_is_held(world.office)
    assert not holds.person_is_held(world.governor)
    # Another organisation's purge keeps only what a concern refers to: this hold is not theirs.
    assert holds.held_filter(world.outsider.organisation_id) == Q(concerns__isnull=False)


def test_a_hold_that_ends_before_it_starts_is_refused(world, old):
    with verify_refused(Invalid, field="ends_on"):
        actions.place_hold(
            acting=world.dpo, reason="Claim", conversation_ids=[old["trip"].pk],
            starts_on=date(2028, 3, 10), ends_on=date(2028, 3, 1),
        )  # fmt: skip


def test_a_hold_with_an_empty_scope_or_no_reason_is_refused(world, old):
    with verify_refused(Invalid, field="person_ids"):
        actions.place_hold(acting=world.dpo, reason="Claim", person_ids=[], conversation_ids=[])
    with verify_refused(Invalid, field="reason"):
        actions.place_hold(acting=world.dpo, reason="  ", conversation_ids=[old["trip"].pk])


def test_a_hold_naming_people_or_conversations_of_another_organisation_is_refused(world, old):
    with verify_refused(Invalid, field="person_ids"):
        actions.place_hold(acting=world.dpo, reason="Claim", person_ids=[world.outsider.pk])
    elsewhere = world.outsider
    from staffroom.messaging import actions as messaging

    theirs = messaging.create_conversation(acting=elsewhere, kind="group", title="Theirs", member_ids=[])
    with verify_refused(Invalid, field="conversation_ids"):
        actions.place_hold(acting=world.dpo, reason="Claim", conversation_ids=[theirs.pk])


@pytest.mark.parametrize("role", ["admin", "head", "dsl", "teacher", "ta", "office", "governor", "pupil", "external"])
def test_nobody_but_the_dpo_places_or_releases_a_hold(world, old, role):
    hold = actions.place_hold(acting=world.dpo, reason="Claim", conversation_ids=[old["trip"].pk])
    with verify_refused(PermissionDenied):
        actions.place_hold(acting=getattr(world, role), reason="Mine", conversation_ids=[old["rota"].pk])
    with verify_refused(PermissionDenied):
        actions.release_hold(hold.pk, acting=getattr(world, role), reason="Mine")


def test_releasing_needs_a_reason_and_a_hold_of_ones_own_organisation(world, old):
    hold = actions.place_hold(acting=world.dpo, reason="Claim", conversation_ids=[old["trip"].pk])
    with verify_refused(Invalid, field="reason"):
        actions.release_hold(hold.pk, acting=world.dpo, reason="")
    with verify_refused(NotFound):
        actions.release_hold(hold.pk + 1000, acting=world.dpo, reason="Done")


def test_releasing_a_released_hold_changes_nothing(world, old):
    hold = actions.place_hold(acting=world.dpo, reason="Claim", conversation_ids=[old["trip"].pk])
    actions.release_hold(hold.pk, acting=world.dpo, reason="Settled")
    with verify_unchanged():
        actions.release_hold(hold.pk, acting=world.dpo, reason="Settled again")
