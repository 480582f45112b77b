"""The records fixture (tests/verify.py) fails for each way an action can drift from its records."""

import pytest
from django.db import transaction

from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid
from staffroom.messaging import actions, events
from staffroom.messaging.models import Conversation
from staffroom.realtime import streams
from tests.verify import verified_in, verify_action, verify_refused, verify_unchanged

pytestmark = pytest.mark.django_db

A = AuditAction


def test_a_missing_audit_entry_fails(world):
    group = world.group(world.teacher2)
    with (
        pytest.raises(AssertionError, match="audit entries written"),
        verify_action(audit=[A.CONVERSATION_UPDATED, A.MEMBERSHIP_ADDED], events=["conversation.updated"]),
    ):
        actions.update_conversation(group, acting=world.teacher, title="Renamed")


def test_an_undeclared_event_fails(world):
    group = world.group(world.teacher2)
    with (
        pytest.raises(AssertionError, match="events published"),
        verify_action(audit=[A.CONVERSATION_UPDATED], events=[]),
    ):
        actions.update_conversation(group, acting=world.teacher, title="Renamed")


def test_a_hydrator_that_drifts_from_the_live_payload_fails(world, monkeypatch):
    group = world.group(world.teacher2)
    real = events._conversations

    def stale(datas):
        return [{**p, "conversation": {**p["conversation"], "title": "Old"}} if p else p for p in real(datas)]

    monkeypatch.setitem(streams._hydrators, "conversation.updated", stale)
    with (
        pytest.raises(AssertionError, match="rebuilds differently"),
        verify_action(audit=[A.CONVERSATION_UPDATED], events=["conversation.updated"]),
    ):
        actions.update_conversation(group, acting=world.teacher, title="Renamed")


def test_a_field_the_schema_does_not_name_fails(world, monkeypatch):
    group = world.group(world.teacher2)
    real = events.conversation_payload
    monkeypatch.setattr(events, "conversation_payload", lambda c: {**real(c), "owner_email": "x@example.org"})
    with (
        pytest.raises(pytest.fail.Exception, match="owner_email"),
        verify_action(audit=[A.CONVERSATION_UPDATED], events=["conversation.updated"]),
    ):
        actions.update_conversation(group, acting=world.teacher, title="Renamed")


def test_an_event_published_after_the_audit_entry_fails(world):
    group = world.group(world.teacher2)
    with (
        pytest.raises(AssertionError, match="lock"),
        verify_action(audit=[A.CONVERSATION_UPDATED], events=["conversation.updated"]),
        transaction.atomic(),
    ):
        audit.record(world.teacher, A.CONVERSATION_UPDATED, target=group, conversation=group)
        events.conversation_updated(group)


def test_a_refusal_that_leaves_a_row_behind_fails(world):
    def refuses_too_late():
        Conversation.objects.filter(pk=group.pk).update(title="Half done")
        raise Invalid("title", "Too late")

    group = world.group(world.teacher2)
    with pytest.raises(AssertionError, match=r"messaging\.Conversation"), verify_refused(Invalid):
        refuses_too_late()


def test_a_refusal_that_publishes_fails(world):
    group = world.group(world.teacher2)

    def publishes_then_refuses():
        with transaction.atomic():
            events.conversation_updated(group)
        raise Invalid("title", "Too late")

    with pytest.raises(AssertionError, match="events pushed"), verify_refused(Invalid):
        publishes_then_refuses()


def test_a_refusal_rolled_back_whole_passes(world):
    group = world.group(world.teacher2)

    def refuses_inside_its_transaction():
        with transaction.atomic():
            Conversation.objects.filter(pk=group.pk).update(title="Never seen")
            events.conversation_updated(group)
            audit.record(world.teacher, A.CONVERSATION_UPDATED, target=group, conversation=group)
            raise Invalid("title", "Refused")

    with verify_refused(Invalid):
        refuses_inside_its_transaction()


def test_verified_in_finds_the_actions_each_block_runs(tmp_path):
    test_file = tmp_path / "test_example.py"
    test_file.write_text(
        "def test_it():\n"
        "    with verify_action(audit=[], events=[]):\n"
        "        actions.react(m, 'x', acting=p)\n"
        "    with verify_refused(Invalid):\n"
        "        actions.edit_message(m, acting=p, body='')\n"
        "    with verify_unchanged():\n"
        "        other.react(m)\n"
    )
    assert verified_in(test_file, "actions") == {
        "verify_action": {"react"},
        "verify_refused": {"edit_message"},
        "verify_unchanged": set(),
    }


def test_nothing_done_passes_unchanged(world):
    with verify_unchanged():
        pass


def test_the_public_actions_of_a_package_are_the_ones_its_modules_define():
    """The meta-tests ask `public_functions` which actions must be covered; when accounts' and messaging's
    actions became packages it found none, so those meta-tests passed whatever was left uncovered."""
    from staffroom.accounts import actions as account_actions
    from tests.verify import public_functions

    assert {"create_conversation", "send_message", "remove_member"} <= public_functions(actions)
    assert {"add_person", "deactivate_person", "end_sessions"} <= public_functions(account_actions)
    assert not {"transaction", "clean_text"} & public_functions(account_actions)
