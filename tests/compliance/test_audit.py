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
        audit.record(world.teacher, audit.AuditAction.SESSION_SIGNED_IN)
    with transaction.atomic():
        audit.record(world.teacher, audit.AuditAction.SESSION_SIGNED_IN)


def test_audit_verify_command_exits_non_zero_on_tampering(world, capsys):
    world.group(world.teacher2)
    call_command("audit", "verify")
    assert "chain intact" in capsys.readouterr().out
    AuditEntry.objects.filter(organisation=world.org).update(actor_label="someone else")
    with pytest.raises(SystemExit):
        call_command("audit", "verify")
    assert "TAMPERED" in capsys.readouterr().out


def test_an_action_outside_the_vocabulary_is_refused(world):
    with pytest.raises(ValueError), transaction.atomic():
        audit.record(world.teacher, "message.teleported")


def test_the_vocabulary_is_documented():
    from pathlib import Path

    documented = (Path(__file__).parents[2] / "docs" / "audit.md").read_text()
    assert documented == audit.vocabulary_markdown(), "run `staffroom audit vocabulary > docs/audit.md`"


def test_a_service_actor_is_named_in_the_entry(world):
    from staffroom.accounts.actors import Service, ServiceActor

    worker = ServiceActor(Service.WORKER, world.org.pk)
    with transaction.atomic():
        entry = audit.record(worker, audit.AuditAction.UPLOADS_PURGED, data={"purged": 3})
    assert (entry.actor, entry.actor_service, entry.actor_label) == (None, "worker", "service: Scheduled work")
    assert audit.verify(world.org).ok


def test_the_chain_still_verifies_after_a_persons_entries_are_redacted(world):
    conv = world.group(world.teacher2, title="Grievance panel")
    actions.update_conversation(conv, acting=world.teacher, title="Panel for Terry Teacher")
    actions.send_message(conv, acting=world.teacher, body="hello")
    theirs = list(AuditEntry.objects.filter(actor=world.teacher).values_list("pk", flat=True))
    with transaction.atomic():
        assert audit.redact(theirs, acting=world.dpo, organisation=world.org, reason="Erasure request 7") == len(theirs)
    entry = AuditEntry.objects.get(action="conversation.updated")
    assert (entry.actor_label, entry.details, entry.personal_salt) == ("", {}, "")
    assert entry.data == {"fields": ["title"]}
    assert "Terry" not in str(AuditEntry.objects.filter(pk__in=theirs).values())
    assert audit.verify(world.org).ok


def test_a_blanked_entry_without_a_recorded_redaction_fails_verification(world):
    world.group(world.teacher2)
    entry = AuditEntry.objects.filter(organisation=world.org).order_by("-id").first()
    from django.utils import timezone

    AuditEntry.objects.filter(pk=entry.pk).update(actor_label="", personal_salt="", redacted_at=timezone.now())
    result = audit.verify(world.org)
    assert not result.ok and result.first_bad_id == entry.pk


def test_structural_fields_of_a_redacted_entry_are_still_protected(world):
    conv = world.group(world.teacher2)
    actions.send_message(conv, acting=world.teacher, body="hello")
    entry = AuditEntry.objects.get(action="message.sent")
    with transaction.atomic():
        audit.redact([entry.pk], acting=world.dpo, organisation=world.org, reason="Erasure")
    AuditEntry.objects.filter(pk=entry.pk).update(target_id="999")
    assert not audit.verify(world.org).ok
