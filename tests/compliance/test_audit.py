"""The audit chain: every action is recorded with where it came from, and tampering is detected."""

import pytest
from django.core.management import call_command
from django.db import transaction

from staffroom.compliance import audit
from staffroom.compliance.models import AuditEntry
from staffroom.messaging import actions

pytestmark = pytest.mark.django_db


def test_actions_are_recorded_with_their_origin(world):
    with audit.origin("api", "192.0.2.10", "TestClient/1.0"):
        conv = world.group(world.teacher2)
        actions.send_message(conv, acting=world.teacher, body="hello")
    entry = AuditEntry.objects.get(action="message.sent")
    assert (entry.actor, entry.channel, entry.ip_address, entry.user_agent) == (
        world.teacher,
        "api",
        "192.0.2.10",
        "TestClient/1.0",
    )
    assert entry.conversation_id == conv.pk


def test_chain_verifies_and_detects_an_altered_entry(world):
    conv = world.group(world.teacher2)
    actions.send_message(conv, acting=world.teacher, body="hello")
    assert audit.verify(world.org).ok
    entry = AuditEntry.objects.filter(organisation=world.org, action="message.sent").get()
    AuditEntry.objects.filter(pk=entry.pk).update(reason="quietly changed")
    result = audit.verify(world.org)
    assert not result.ok and result.first_bad_id == entry.pk


def test_chain_detects_a_removed_entry(world):
    world.group(world.teacher2)
    world.group(world.teacher2, title="Second")
    first = AuditEntry.objects.filter(organisation=world.org).order_by("id").first()
    first.delete()
    assert not audit.verify(world.org).ok


def test_chain_detects_entries_cut_from_the_end(world):
    world.group(world.teacher2)
    AuditEntry.objects.filter(organisation=world.org).order_by("-id").first().delete()
    assert not audit.verify(world.org).ok


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused(world):
    with pytest.raises(RuntimeError):
        audit.record(world.teacher, "something")
    with transaction.atomic():
        audit.record(world.teacher, "something")


def test_audit_verify_command_exits_non_zero_on_tampering(world, capsys):
    world.group(world.teacher2)
    call_command("audit", "verify")
    assert "chain intact" in capsys.readouterr().out
    AuditEntry.objects.filter(organisation=world.org).update(actor_label="someone else")
    with pytest.raises(SystemExit):
        call_command("audit", "verify")
    assert "TAMPERED" in capsys.readouterr().out
