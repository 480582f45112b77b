"""Retention's state changes: the DPO sets or removes a rule (each audited with a reason), and the retention
service runs the schedule, removing what is due in small batches and recording one run with counts only.

What a run removes, for each message due and not under a legal hold: the message, its earlier versions, its
reactions, acknowledgements and reminders, its mentions, its attachments and their files on disk, the stored
realtime events that name it, and (SQLite) its row in the search index, which the message table's delete
trigger removes with it (PostgreSQL searches the table itself, so nothing is left there). Replies to it stay, no
longer pointing at it. The conversation itself stays, with its members and title, even when nothing in it is
left: the register keeps a record that it existed, and a hold may still keep part of it.
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.actors import ServiceActor
from staffroom.accounts.models import Organisation, Person, School
from staffroom.compliance import audit, holds, retention
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import RetentionRule, RetentionRun
from staffroom.errors import Invalid, NotFound
from staffroom.messaging.models import (
    Acknowledgement,
    AcknowledgementReminder,
    Attachment,
    Message,
    MessageRevision,
    Pin,
    Reaction,
)
from staffroom.realtime.models import Event
from staffroom.text import clean as clean_text

logger = logging.getLogger(__name__)

# Messages removed per transaction: each batch holds its locks only briefly, so sends are never kept waiting.
PURGE_BATCH = 500


def _reason(reason: str) -> str:
    reason = clean_text(reason or "", multiline=True)
    if not reason:
        raise Invalid("reason", _("Say why the rule changes: the audit log keeps it."))
    return reason


def _school(acting: Person, school_id: int | None) -> School | None:
    if school_id is None:
        return None
    school = School.objects.filter(pk=school_id, organisation_id=acting.organisation_id).first()
    if school is None:
        raise NotFound()
    return school


def set_retention_rule(
    *,
    acting: Person,
    kind: str,
    keep_months: int,
    basis: str,
    source: str,
    reason: str,
    school_id: int | None = None,
) -> RetentionRule:
    """Set how long one kind of conversation is kept, for the trust or (overriding it) one school, and the
    source the school relies on. Setting what is already set changes nothing."""
    permissions.require(acting, "retention.manage", acting.organisation)
    if kind not in retention.Kind.values:
        raise Invalid("kind", _("Choose a kind of conversation."))
    if basis not in retention.BASES_FOR[kind]:
        raise Invalid("basis", _("Only conversations with outsiders count from when access ends."))
    if (
        isinstance(keep_months, bool)
        or not isinstance(keep_months, int)
        or not 1 <= keep_months <= retention.MAX_MONTHS
    ):
        raise Invalid("keep_months", _("Keep for between 1 month and 100 years (1200 months)."))
    source = clean_text(source or "")
    if not source:
        raise Invalid("source", _("Say where the period comes from (e.g. the IRMS toolkit, or a school decision)."))
    if len(source) > 500:
        raise Invalid("source", _("A source can be at most 500 characters."))
    reason = _reason(reason)
    school = _school(acting, school_id)
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=acting.organisation_id).first()
        rule = RetentionRule.objects.filter(organisation_id=acting.organisation_id, school=school, kind=kind).first()
        before = retention.RuleBook(acting.organisation_id).rule(kind, school_id)
        if rule is not None and (rule.keep_months, rule.basis, rule.source) == (keep_months, basis, source):
            return rule
        if rule is None:
            rule = RetentionRule(organisation_id=acting.organisation_id, school=school, kind=kind)
        rule.keep_months, rule.basis, rule.source = keep_months, basis, source
        rule.changed_by, rule.changed_at, rule.reason = acting, timezone.now(), reason
        rule.save()
        audit.record(
            acting, AuditAction.RETENTION_RULE_CHANGED, target=rule, reason=reason,
            data={"kind": kind, "school_id": school_id, "keep_months": keep_months, "basis": basis,
                  "before": {"keep_months": before.keep_months, "basis": before.basis, "origin": before.origin}},
            details={"source": source, "before_source": before.source},
        )  # fmt: skip
    return rule


def remove_retention_rule(rule_id: int, *, acting: Person, reason: str) -> None:
    """Remove a rule: a school's falls back to the trust's rule, the trust's to the built-in default."""
    permissions.require(acting, "retention.manage", acting.organisation)
    reason = _reason(reason)
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=acting.organisation_id).first()
        rule = RetentionRule.objects.filter(pk=rule_id, organisation_id=acting.organisation_id).first()
        if rule is None:
            raise NotFound()
        data = {"kind": rule.kind, "school_id": rule.school_id, "keep_months": rule.keep_months, "basis": rule.basis}
        label = str(rule)
        rule.delete()
        after = retention.RuleBook(acting.organisation_id).rule(rule.kind, rule.school_id)
        audit.record(
            acting, AuditAction.RETENTION_RULE_REMOVED, organisation=acting.organisation_id, reason=reason,
            data={**data, "rule_id": rule_id,
                  "now": {"keep_months": after.keep_months, "basis": after.basis, "origin": after.origin}},
            details={"rule": label},
        )  # fmt: skip


# --- the run -----------------------------------------------------------------------------------------------------


class _Holds:
    """The holds in force, read again inside each batch's transaction (under the lock a hold is placed under),
    but turned into a filter again only when they changed."""

    def __init__(self, organisation_id: int) -> None:
        self.organisation_id = organisation_id
        self.seen: tuple[int, ...] | None = None
        self.filter = holds.NOTHING

    def now(self) -> Q:
        in_force = tuple(holds.holds_in_force(self.organisation_id).order_by("id").values_list("id", flat=True))
        if in_force != self.seen:
            self.seen, self.filter = in_force, holds.held_filter(self.organisation_id)
        return self.filter


def _delete_where_in(table: str, column: str, ids: list[int]) -> int:
    """DELETE ... WHERE column IN (ids), as one plain statement: building a 500-id IN through the ORM costs more
    than running it."""
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", ids)  # noqa: S608 (names from _meta)
        return max(cursor.rowcount, 0)


def _purge_batch(
    due: QuerySet[Message], references: dict[int, list[int]], batch: int
) -> tuple[dict[str, int], list[str]]:
    """Remove up to `batch` of the `due` messages, inside the caller's short transaction (which holds the lock
    a hold is placed under, and chose `due` under it). Returns the counts and the names of the files to delete
    once it has committed."""
    counts = retention.empty_counts()
    ids = list(due.order_by("id").values_list("id", flat=True)[:batch])
    if not ids:
        return counts, []
    files = list(Attachment.objects.filter(message_id__in=ids).values_list("pk", "file"))
    if files:
        Attachment.objects.filter(pk__in=[pk for pk, _name in files]).delete()
    events = [event_id for m in ids for event_id in references.pop(m, ())]
    if events:
        counts["events"] = Event.objects.filter(pk__in=events).delete()[1].get("realtime.Event", 0)
    # What hangs off a message goes first, table by table, then the messages in one statement: Django's
    # cascade would load every row of the batch to find the same. A table that later refers to messages and
    # is not cleared here makes the delete fail whole (foreign keys are enforced), never leaves it dangling.
    table = Message._meta.db_table
    counts["revisions"] = _delete_where_in(MessageRevision._meta.db_table, "message_id", ids)
    counts["reactions"] = _delete_where_in(Reaction._meta.db_table, "message_id", ids)
    counts["acknowledgements"] = _delete_where_in(Acknowledgement._meta.db_table, "message_id", ids)
    _delete_where_in(AcknowledgementReminder._meta.db_table, "message_id", ids)
    _delete_where_in(Message.mentions.through._meta.db_table, "message_id", ids)
    _delete_where_in(Pin._meta.db_table, "message_id", ids)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        # Replies to a removed message stay, no longer pointing at it.
        cursor.execute(
            f"UPDATE {table} SET reply_to_id = NULL WHERE reply_to_id IN ({marks}) AND id NOT IN ({marks})",  # noqa: S608
            [*ids, *ids],
        )
    # On SQLite the message table's delete trigger removes each row from the search index too.
    counts["messages"] = _delete_where_in(table, "id", ids)
    counts["attachments"] = len(files)
    names = [str(name) for _pk, name in files if name]
    counts["files"] = len(names)
    return counts, names


def _delete_files(names: list[str]) -> int:
    """Delete stored files after their rows are gone for good; returns how many could not be deleted (an orphaned
    file has no row, so it is never served)."""
    storage = Attachment._meta.get_field("file").storage
    errors = 0
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            errors += 1
    return errors


def run_retention(
    *, acting: ServiceActor, today: date, dry_run: bool = False, batch: int = PURGE_BATCH
) -> RetentionRun:
    """Run the retention schedule for the acting service's organisation as of `today`: remove every message that
    is due and not under a legal hold (see the module's doc), in batches of `batch`, each its own short
    transaction. A dry run removes nothing and counts what would go. Either way one run is recorded, with counts
    only, and one audit entry. Call it outside any transaction: each batch commits before its files are deleted."""
    organisation_id = acting.organisation_id
    permissions.require(acting, "records.purge", Organisation.objects.get(pk=organisation_id))
    run = RetentionRun.objects.create(organisation_id=organisation_id, today=today, dry_run=dry_run)
    slices = retention.plan(organisation_id, today)
    if dry_run:
        counts = retention.count_plan(organisation_id, slices, today).totals
    else:
        counts = retention.empty_counts()
        references = retention.event_references(organisation_id)
        held = _Holds(organisation_id)
        file_errors = 0
        for sweep in retention.sweeps(slices):
            counts["held"] += sweep.messages().filter(held.now()).count()
            due, due_under = sweep.messages().exclude(held.filter), held.seen
            while True:
                with transaction.atomic():
                    Organisation.objects.select_for_update().filter(pk=organisation_id).first()
                    held.now()
                    if held.seen != due_under:  # a hold was placed or released since: choose again
                        due, due_under = sweep.messages().exclude(held.filter), held.seen
                    done, names = _purge_batch(due, references, batch)
                for key, value in done.items():
                    counts[key] += value
                file_errors += _delete_files(names)
                if done["messages"] < batch:
                    break
        if file_errors:
            logger.warning("retention could not delete some files", extra={"file_errors": file_errors})
    with transaction.atomic():
        run.finished_at, run.counts = timezone.now(), counts
        run.save(update_fields=["finished_at", "counts"])
        audit.record(
            acting, AuditAction.RETENTION_RUN, target=run, organisation=organisation_id,
            data={**counts, "today": today.isoformat(), "dry_run": dry_run, "conversations": len(slices)},
        )  # fmt: skip
    logger.info(
        "retention ran",
        extra={"organisation_id": organisation_id, "dry_run": dry_run, "today": today.isoformat(), **counts},
    )
    return run
