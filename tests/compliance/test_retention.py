"""Retention: every kind of conversation has a rule with a source without anyone configuring one; the DPO changes
them (trust-wide, or for one school); a run removes exactly what is due (messages, their versions, reactions,
acknowledgements, files on disk, stored events and the search index), keeps what a legal hold covers, and records
counts only. A dry run removes nothing."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from PIL import Image

from staffroom.accounts.actors import Service, ServiceActor
from staffroom.compliance import actions, audit, retention
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import RetentionRule, RetentionRun
from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.messaging import actions as messaging
from staffroom.messaging.models import (
    Acknowledgement,
    Attachment,
    Conversation,
    Message,
    MessageRevision,
    Pin,
    Reaction,
)
from staffroom.messaging.search import search_messages
from staffroom.realtime.models import Event
from tests.verify import verify_action, verify_refused, verify_unchanged

pytestmark = pytest.mark.django_db

A = AuditAction
TODAY = date(2031, 6, 15)


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=10)


def say(conversation: Conversation, person, body: str, *, on: date, attachment_ids=()) -> Message:
    """A message sent on `on` (tests cannot wait years: the row is dated back after sending)."""
    message, _ = messaging.send_message(conversation, acting=person, body=body, attachment_ids=attachment_ids)
    Message.objects.filter(pk=message.pk).update(created_at=at(on))
    last = Message.objects.filter(conversation=conversation).order_by("-created_at").first()
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=last.created_at if last else None)
    message.refresh_from_db()
    return message


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (20, 120, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def retention_service(world) -> ServiceActor:
    return ServiceActor(Service.RETENTION, world.org.pk)


def fts_rows(message_ids: list[int]) -> int:
    if connection.vendor != "sqlite":
        return 0
    with connection.cursor() as cursor:
        marks = ",".join("%s" for _ in message_ids)
        cursor.execute(f"SELECT count(*) FROM messaging_message_fts WHERE rowid IN ({marks})", message_ids)
        return cursor.fetchone()[0]


# --- the rules -----------------------------------------------------------------------------------------------


def test_every_kind_has_a_default_rule_with_its_source_without_any_configuration(world):
    book = retention.RuleBook(world.org.pk)
    rules = {kind: book.rule(kind, world.school.pk) for kind in retention.Kind.values}
    assert {k: (r.keep_months, r.basis, r.origin) for k, r in rules.items()} == {
        "channel": (24, "last_activity", "default"),
        "group": (24, "last_activity", "default"),
        "direct": (24, "last_activity", "default"),
        "announcement": (72, "message_date", "default"),
        "class": (300, "last_activity", "default"),
        "external": (12, "access_ended", "default"),
    }
    assert all("IRMS" in r.source for r in rules.values())
    assert "date of birth" in rules["class"].source
    assert not RetentionRule.objects.exists()


def test_the_dpo_changes_a_rule_for_the_trust_and_a_school_overrides_it(world):
    with verify_action(audit=[A.RETENTION_RULE_CHANGED], events=[]) as captured:
        actions.set_retention_rule(
            acting=world.dpo, kind="channel", keep_months=36, basis="last_activity", source="Trust records policy",
            reason="Agreed by the trust board",
        )  # fmt: skip
    entry = captured.audit[0]
    assert entry.reason == "Agreed by the trust board"
    assert entry.data["before"] == {"keep_months": 24, "basis": "last_activity", "origin": "default"}
    with verify_action(audit=[A.RETENTION_RULE_CHANGED], events=[]):
        school_rule = actions.set_retention_rule(
            acting=world.dpo, kind="channel", keep_months=12, basis="message_date", source="Primary policy",
            reason="Smaller school, shorter period", school_id=world.other_school.pk,
        )  # fmt: skip
    book = retention.RuleBook(world.org.pk)
    assert (book.rule("channel", world.school.pk).keep_months, book.rule("channel", world.school.pk).origin) == (
        36,
        "trust",
    )
    overridden = book.rule("channel", world.other_school.pk)
    assert (overridden.keep_months, overridden.basis, overridden.origin) == (12, "message_date", "school")
    assert book.rule("channel", None).keep_months == 36  # trust-wide conversations follow the trust

    with verify_action(audit=[A.RETENTION_RULE_REMOVED], events=[]):
        actions.remove_retention_rule(school_rule.pk, acting=world.dpo, reason="Back in line with the trust")
    assert retention.RuleBook(world.org.pk).rule("channel", world.other_school.pk).origin == "trust"


def test_setting_the_rule_already_set_changes_nothing(world):
    actions.set_retention_rule(
        acting=world.dpo, kind="group", keep_months=18, basis="last_activity", source="Policy", reason="Board"
    )
    with verify_unchanged():
        actions.set_retention_rule(
            acting=world.dpo, kind="group", keep_months=18, basis="last_activity", source="Policy", reason="Again"
        )


@pytest.mark.parametrize("role", ["admin", "head", "dsl", "teacher", "ta", "office", "governor", "pupil", "external"])
def test_nobody_but_the_dpo_changes_or_removes_a_rule(world, role):
    rule = actions.set_retention_rule(
        acting=world.dpo, kind="group", keep_months=18, basis="last_activity", source="Policy", reason="Board"
    )
    with verify_refused(PermissionDenied):
        actions.set_retention_rule(
            acting=getattr(world, role), kind="group", keep_months=1, basis="last_activity", source="x", reason="y"
        )
    with verify_refused(PermissionDenied):
        actions.remove_retention_rule(rule.pk, acting=getattr(world, role), reason="y")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "safeguarding"}, "kind"),
        ({"basis": "access_ended"}, "basis"),
        ({"keep_months": 0}, "keep_months"),
        ({"keep_months": 1201}, "keep_months"),
        ({"source": "  "}, "source"),
        ({"reason": ""}, "reason"),
    ],
)
def test_a_rule_that_makes_no_sense_is_refused(world, changes, field):
    typed = {"kind": "channel", "keep_months": 24, "basis": "last_activity", "source": "Policy", "reason": "Why"}
    with verify_refused(Invalid, field=field):
        actions.set_retention_rule(acting=world.dpo, **{**typed, **changes})


def test_a_rule_for_a_school_of_another_organisation_or_an_unknown_rule_is_not_found(world):
    outsider_school = world.outsider.school
    with verify_refused(NotFound):
        actions.set_retention_rule(
            acting=world.dpo, kind="channel", keep_months=12, basis="last_activity", source="x", reason="y",
            school_id=outsider_school.pk,
        )  # fmt: skip
    with verify_refused(NotFound):
        actions.remove_retention_rule(999_999, acting=world.dpo, reason="y")


# --- what is due -------------------------------------------------------------------------------------------


def test_a_quiet_conversation_goes_whole_after_its_period_and_a_busy_one_is_kept(world):
    quiet = world.group(world.teacher2, title="Old trip")
    busy = world.group(world.teacher2, title="Year 9 team")
    say(quiet, world.teacher, "coach at 8", on=date(2029, 1, 10))
    say(quiet, world.teacher2, "see you there", on=date(2029, 6, 1))
    say(busy, world.teacher, "from long ago", on=date(2028, 1, 10))
    say(busy, world.teacher2, "still going", on=date(2031, 1, 10))
    slices = retention.plan(world.org.pk, TODAY)
    assert [(s.conversation_id, s.quiet) for s in slices] == [(quiet.pk, True)]
    # Kept through the second anniversary of the last message, gone the day after.
    assert not retention.plan(world.org.pk, date(2031, 6, 1))
    assert retention.plan(world.org.pk, date(2031, 6, 2))


def test_a_message_a_safeguarding_concern_refers_to_outlives_its_conversation_s_rule(world):
    from staffroom.safeguarding.models import Concern

    quiet = world.group(world.teacher2, title="Old trip")
    flagged = say(quiet, world.teacher2, "they said they would hurt me", on=date(2029, 1, 10))
    other = say(quiet, world.teacher, "coach at 8", on=date(2029, 1, 10))
    Concern.objects.create(organisation=world.org, message=flagged, category="violence", source="report",
                           raised_by=world.teacher2)  # fmt: skip
    run = actions.run_retention(acting=retention_service(world), today=TODAY)
    assert run.counts["messages"] == 1 and run.counts["held"] == 1
    assert Message.objects.filter(pk=flagged.pk).exists() and not Message.objects.filter(pk=other.pk).exists()


def test_announcements_go_message_by_message_six_years_after_each(world):
    notices = world.announcement(world.teacher)
    old = say(notices, world.head, "Inset day", on=date(2025, 6, 14))
    say(notices, world.head, "Sports day", on=date(2025, 6, 16))
    (part,) = retention.plan(world.org.pk, TODAY)
    assert not part.quiet and list(part.messages().values_list("id", flat=True)) == [old.pk]


def test_a_conversation_with_an_outsider_counts_from_when_their_access_ended(world):
    project = world.group(world.teacher2, title="Builders")
    messaging.add_member(project, world.external.pk, acting=world.teacher)
    say(project, world.teacher, "plans attached", on=date(2029, 3, 1))
    world.external.access_ends_on = date(2030, 9, 30)
    world.external.save()
    # Two years after the last message (the group rule) but not a year after access ended.
    assert not retention.plan(world.org.pk, date(2031, 9, 30))
    (part,) = retention.plan(world.org.pk, date(2031, 10, 2))
    assert part.rule.kind == "external"


def test_an_outsider_who_still_has_access_keeps_the_conversation(world):
    project = world.group(world.teacher2, title="Builders")
    messaging.add_member(project, world.external.pk, acting=world.teacher)
    say(project, world.teacher, "plans attached", on=date(2020, 3, 1))
    assert not retention.plan(world.org.pk, TODAY)


def test_a_class_channel_is_kept_twenty_five_years_after_its_last_message(world):
    lessons = world.class_channel(world.pupil)
    say(lessons, world.teacher, "homework", on=date(2010, 6, 1))
    assert not retention.plan(world.org.pk, date(2035, 6, 1))
    assert retention.plan(world.org.pk, date(2035, 6, 2))


def test_a_school_rule_applies_to_its_own_conversations_only(world):
    here = world.group(world.teacher2, title="High school group")
    there = actions_group_in_other_school(world)
    say(here, world.teacher, "a", on=date(2030, 6, 1))
    say(there, world.other_teacher, "b", on=date(2030, 6, 1))
    actions.set_retention_rule(
        acting=world.dpo, kind="group", keep_months=6, basis="last_activity", source="Primary policy",
        reason="Shorter", school_id=world.other_school.pk,
    )  # fmt: skip
    assert [s.conversation_id for s in retention.plan(world.org.pk, TODAY)] == [there.pk]


def actions_group_in_other_school(world) -> Conversation:
    conversation = messaging.create_conversation(
        acting=world.other_teacher, kind="group", title="Primary group", member_ids=[world.teacher.pk]
    )
    assert conversation.school_id == world.other_school.pk
    return conversation


# --- the run -----------------------------------------------------------------------------------------------


@pytest.fixture
def history(world):
    """A quiet group due for removal, with everything that can hang off a message; a live group; a notice."""
    old = world.group(world.teacher2, title="Old trip")
    picture = messaging.store_upload(acting=world.teacher, data=png(), filename="coach.png")
    first = say(old, world.teacher, "pelican crossing at the museum", on=date(2029, 1, 10), attachment_ids=[picture.pk])
    messaging.edit_message(first, acting=world.teacher, body="zebra crossing at the museum")
    messaging.react(first, "👍", acting=world.teacher2)
    second = say(old, world.teacher2, "reply about the museum", on=date(2029, 1, 11))
    live = world.group(world.teacher2, title="Live")
    kept = say(live, world.teacher, "museum again next year", on=date(2031, 6, 1))
    notices = world.announcement(world.teacher)
    notice = say(notices, world.head, "museum closed", on=date(2025, 1, 1))
    messaging.acknowledge(notice, acting=world.teacher)
    return {"old": old, "first": first, "second": second, "picture": picture, "kept": kept, "notice": notice}


def test_a_run_removes_exactly_what_is_due_with_its_files_events_and_search_rows(world, history):
    media = Path(settings.MEDIA_ROOT)
    picture = Attachment.objects.get(pk=history["picture"].pk)
    stored = media / picture.file.name
    assert stored.exists()
    gone = [history["first"].pk, history["second"].pk, history["notice"].pk]
    assert Event.objects.filter(data__message_id__in=gone).exists()
    assert fts_rows(gone) == (3 if connection.vendor == "sqlite" else 0)
    assert {m.pk for m in search_messages(world.teacher, "museum")} >= {history["first"].pk, history["kept"].pk}

    with verify_action(audit=[A.RETENTION_RUN], events=[]) as captured:
        run = actions.run_retention(acting=retention_service(world), today=TODAY)

    counts = run.counts
    assert counts["messages"] == 3
    assert (counts["revisions"], counts["reactions"], counts["acknowledgements"]) == (1, 1, 1)
    assert (counts["attachments"], counts["files"], counts["held"]) == (1, 1, 0)
    assert counts["events"] >= 3
    assert not Message.objects.filter(pk__in=gone).exists()
    assert Message.objects.filter(pk=history["kept"].pk).exists()
    assert not MessageRevision.objects.exists() and not Reaction.objects.exists()
    assert not Acknowledgement.objects.exists() and not Attachment.objects.exists()
    assert not stored.exists()
    assert not Event.objects.filter(data__message_id__in=gone).exists()
    assert fts_rows(gone) == 0
    assert [m.pk for m in search_messages(world.teacher, "museum")] == [history["kept"].pk]
    # The conversation stays, empty, with its members: the register keeps that it existed.
    assert Conversation.objects.filter(pk=history["old"].pk, archived_at__isnull=True).exists()

    entry = captured.audit[0]
    assert entry.actor_service == "retention" and entry.data["dry_run"] is False
    assert set(entry.data) == {*retention.COUNTED, "today", "dry_run", "conversations"}
    assert entry.details == {} and entry.reason == ""
    assert RetentionRun.objects.get().finished_at is not None
    assert audit.verify(world.org).ok


def test_a_second_run_the_same_day_finds_nothing(world, history):
    actions.run_retention(acting=retention_service(world), today=TODAY)
    run = actions.run_retention(acting=retention_service(world), today=TODAY)
    assert run.counts == retention.empty_counts()


def test_a_run_in_small_batches_removes_the_same(world, history):
    run = actions.run_retention(acting=retention_service(world), today=TODAY, batch=1)
    assert run.counts["messages"] == 3 and not Message.objects.filter(pk=history["first"].pk).exists()


def test_a_dry_run_counts_what_a_run_would_remove_and_removes_nothing(world, history):
    preview_counts = retention.count_plan(world.org.pk, retention.plan(world.org.pk, TODAY), TODAY).totals
    messages_before = sorted(Message.objects.values_list("pk", flat=True))
    files_before = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    events_before = Event.objects.count()
    with verify_action(audit=[A.RETENTION_RUN], events=[]) as captured:
        run = actions.run_retention(acting=retention_service(world), today=TODAY, dry_run=True)
    assert run.dry_run and captured.audit[0].data["dry_run"] is True
    assert sorted(Message.objects.values_list("pk", flat=True)) == messages_before
    assert sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()) == files_before
    assert Event.objects.count() == events_before
    real = actions.run_retention(acting=retention_service(world), today=TODAY)
    assert run.counts == preview_counts == real.counts


@pytest.mark.parametrize("who", ["dpo", "admin", "head", "scim"])
def test_only_a_records_service_runs_the_schedule_no_person_and_not_scim(world, history, who):
    acting = ServiceActor(Service.SCIM, world.org.pk) if who == "scim" else getattr(world, who)
    with verify_refused(PermissionDenied):
        actions.run_retention(acting=acting, today=TODAY)


def test_a_run_for_another_organisation_leaves_this_one_alone(world, history):
    run = actions.run_retention(acting=ServiceActor(Service.RETENTION, world.outsider.organisation_id), today=TODAY)
    assert run.counts["messages"] == 0 and Message.objects.filter(pk=history["first"].pk).exists()


def test_the_command_prints_one_json_line_of_counts(world, history):
    out = io.StringIO()
    call_command("retention", "run", "--today", TODAY.isoformat(), "--dry-run", stdout=out)
    (line,) = out.getvalue().splitlines()
    counts = json.loads(line)
    assert counts["dry_run"] is True and counts["today"] == TODAY.isoformat()
    assert (counts["messages"], counts["files"], counts["held"]) == (3, 1, 0)
    assert Message.objects.filter(pk=history["first"].pk).exists()

    out = io.StringIO()
    call_command("retention", "run", "--today", TODAY.isoformat(), stdout=out)
    counts = json.loads(out.getvalue())
    assert counts["messages"] == 3 and counts["dry_run"] is False
    assert not Message.objects.filter(pk=history["first"].pk).exists()
    entries = audit_entries(world, A.RETENTION_RUN)
    assert [e.channel for e in entries] == ["cli", "cli"]


def audit_entries(world, action):
    from staffroom.compliance.models import AuditEntry

    return list(AuditEntry.objects.filter(organisation=world.org, action=action).order_by("id"))


def test_the_command_refuses_a_date_that_is_not_one(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("retention", "run", "--today", "31/12/2030", stdout=io.StringIO())


def test_the_worker_runs_the_schedule_daily(world, history):
    from staffroom.worker import schedule

    (job,) = [j for j in schedule.JOBS if j.name == "retention"]
    assert job.every == timedelta(days=1)
    result = job.run(at(TODAY))
    assert result["messages"] == 3 and result["today"] == TODAY.isoformat()


def test_a_pinned_message_that_is_due_goes_with_its_pin(world):
    quiet = world.group(world.teacher2, title="Old trip")
    message = say(quiet, world.teacher, "coach at 8", on=date(2029, 1, 10))
    messaging.pin_message(message, acting=world.teacher)
    actions.run_retention(acting=retention_service(world), today=TODAY)
    assert not Message.objects.filter(pk=message.pk).exists()
    assert not Pin.objects.filter(message_id=message.pk).exists()
