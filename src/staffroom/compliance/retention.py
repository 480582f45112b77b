"""Retention: how long each kind of conversation is kept, and what is due for removal on a given day.

A rule says, for one kind of conversation, how many months to keep it and from when they count: from the
conversation's last message (the whole conversation goes once it has been quiet that long), from each message's
own date, or (conversations with outsiders) from when the outsiders' access ended. The trust's rule applies to
every school unless the school has its own; without either, the built-in default below applies, so every kind
always has a rule and a source. The defaults follow DOMAIN.md "Records management" and the IRMS Information
Management Toolkit for Schools, which is guidance: the DPO may change any of them (compliance/actions/retention.py),
and each change is audited with a reason.

This module plans and counts; the purge itself (messages and everything hanging off them, in small batches) is
`compliance.actions.retention.run_retention`. Nothing here reads a message's text.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.accounts.permissions import Scope
from staffroom.compliance.holds import held_filter
from staffroom.compliance.models import RetentionRule, RetentionRun
from staffroom.errors import PermissionDenied
from staffroom.messaging.models import (
    Acknowledgement,
    Attachment,
    Conversation,
    Membership,
    Message,
    MessageRevision,
    Reaction,
)
from staffroom.realtime.models import Event

Kind = RetentionRule.Kind
Basis = RetentionRule.Basis

# The longest a rule may keep anything: 100 years (a rule is about records, not for ever).
MAX_MONTHS = 1200

IRMS = "IRMS Information Management Toolkit for Schools"


@dataclass(frozen=True)
class Default:
    keep_months: int
    basis: str
    source: str


DEFAULTS: dict[str, Default] = {
    Kind.CHANNEL: Default(
        24,
        Basis.LAST_ACTIVITY,
        f"{IRMS}: ordinary staff correspondence; DOMAIN.md suggests 2 years after last activity",
    ),
    Kind.GROUP: Default(
        24,
        Basis.LAST_ACTIVITY,
        f"{IRMS}: ordinary staff correspondence; DOMAIN.md suggests 2 years after last activity",
    ),
    Kind.DIRECT: Default(
        24,
        Basis.LAST_ACTIVITY,
        f"{IRMS}: ordinary staff correspondence; DOMAIN.md suggests 2 years after last activity",
    ),
    Kind.ANNOUNCEMENT: Default(
        72,
        Basis.MESSAGE_DATE,
        f"{IRMS}: the school's notices to staff kept as its record; DOMAIN.md suggests 6 years",
    ),
    # The toolkit keeps a pupil's record until their date of birth + 25 years. Staffroom holds no dates of birth,
    # so that cannot be computed; 25 years after the channel's last message is never earlier than date of
    # birth + 25 for any pupil in it (each was born before that message), so it never removes a pupil's record
    # before the toolkit would. It keeps longer by the pupil's age at the time (4 to 18 years).
    Kind.CLASS: Default(
        300,
        Basis.LAST_ACTIVITY,
        f"{IRMS}: pupil record, date of birth + 25 years. Dates of birth are not held, so 25 years after the "
        "last message, which is never earlier",
    ),
    Kind.EXTERNAL: Default(
        12,
        Basis.ACCESS_ENDED,
        f"{IRMS} as suggested in DOMAIN.md: conversations with outsiders 1 year after their access ends",
    ),
}

# Conversations with outsiders follow the outsiders' rule, except class channels (pupil records) and
# announcements (the school's notices), which keep their own, longer rules.
EXTERNAL_RULE_KINDS = frozenset({Kind.CHANNEL, Kind.GROUP, Kind.DIRECT})

BASES_FOR: dict[str, tuple[str, ...]] = {
    kind: (Basis.LAST_ACTIVITY, Basis.MESSAGE_DATE) + ((Basis.ACCESS_ENDED,) if kind == Kind.EXTERNAL else ())
    for kind in Kind.values
}


@dataclass(frozen=True)
class Rule:
    """The rule in force for one kind of conversation in one school (or the trust), and where it comes from."""

    kind: str
    school_id: int | None
    keep_months: int
    basis: str
    source: str
    origin: str  # "default", "trust" or "school"
    row: RetentionRule | None = None

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label)

    @property
    def basis_label(self) -> str:
        return str(Basis(self.basis).label)

    @property
    def period(self) -> str:
        return describe_months(self.keep_months)

    def payload(self) -> dict[str, Any]:
        row = self.row
        return {
            "kind": self.kind, "school_id": self.school_id, "keep_months": self.keep_months, "basis": self.basis,
            "source": self.source, "origin": self.origin, "id": row.pk if row else None,
            "changed_at": row.changed_at.isoformat() if row else None,
            "changed_by": {"id": row.changed_by_id, "name": row.changed_by.name} if row and row.changed_by else None,
            "reason": row.reason if row else "",
        }  # fmt: skip


def describe_months(months: int) -> str:
    years, rest = divmod(months, 12)
    if not rest:
        return _("%(n)d year") % {"n": years} if years == 1 else _("%(n)d years") % {"n": years}
    return _("%(n)d months") % {"n": months}


class RuleBook:
    """Every rule row of an organisation, read once: `rule(kind, school_id)` is the one in force."""

    def __init__(self, organisation_id: int) -> None:
        self.organisation_id = organisation_id
        self.rows = {
            (row.kind, row.school_id): row
            for row in RetentionRule.objects.filter(organisation_id=organisation_id).select_related("changed_by")
        }

    def rule(self, kind: str, school_id: int | None) -> Rule:
        for key, origin in (((kind, school_id), "school"), ((kind, None), "trust")):
            if key[1] is None and origin == "school":
                continue
            row = self.rows.get(key)
            if row is not None:
                return Rule(kind, row.school_id, row.keep_months, row.basis, row.source, origin, row)
        default = DEFAULTS[kind]
        return Rule(kind, None, default.keep_months, default.basis, default.source, "default")


def cutoff(today: date, keep_months: int) -> datetime:
    """Whatever dates from before this moment has been kept `keep_months` whole and is due on `today`: kept
    through the anniversary, removed on the first run after it."""
    return timezone.make_aware(datetime.combine(today - relativedelta(months=keep_months), time.min))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- what is due ----------------------------------------------------------------------------------------------


@dataclass
class Slice:
    """The part of one conversation that is due: its messages sent before `before`. `quiet` slices go whole
    because the conversation has been quiet since; each batch checks again that it still is."""

    conversation_id: int
    title: str
    school_id: int | None
    rule: Rule
    before: datetime
    quiet: bool

    def messages(self) -> QuerySet[Message]:
        due = Message.objects.filter(conversation_id=self.conversation_id, created_at__lt=self.before)
        if self.quiet:
            due = due.filter(conversation__last_message_at__lt=self.before)
        return due


def _outsiders(organisation_id: int, today: date) -> dict[int, tuple[bool, date | None]]:
    """For each conversation with an outsider in it: (does one still have access?, the last day any had)."""
    found: dict[int, tuple[bool, date | None]] = {}
    rows = Membership.objects.filter(conversation__organisation_id=organisation_id, person__external=True).values_list(
        "conversation_id", "person__is_active", "person__access_ends_on", "person__left_at"
    )
    for conversation_id, active, ends_on, left_at in rows:
        ended: date | None = None
        if left_at is not None:
            ended = min(timezone.localdate(left_at), ends_on) if ends_on else timezone.localdate(left_at)
        elif ends_on is not None and ends_on < today:
            ended = ends_on
        still_open = active and ended is None
        was_open, last = found.get(conversation_id, (False, None))
        if ended is not None and (last is None or ended > last):
            last = ended
        found[conversation_id] = (was_open or still_open, last)
    return found


def rule_for(book: RuleBook, conversation: Conversation, outsiders: dict[int, tuple[bool, date | None]]) -> Rule:
    kind = conversation.kind
    if conversation.pk in outsiders and kind in EXTERNAL_RULE_KINDS:
        kind = Kind.EXTERNAL
    return book.rule(kind, conversation.school_id)


def plan(organisation_id: int, today: date, *, school_ids: set[int] | None = None) -> list[Slice]:
    """What the retention schedule removes on `today` in an organisation (holds aside: see `held_filter`), one
    slice per conversation with anything due. `school_ids` narrows it to those schools' conversations."""
    book = RuleBook(organisation_id)
    outsiders = _outsiders(organisation_id, today)
    conversations = Conversation.objects.filter(organisation_id=organisation_id)
    if school_ids is not None:
        conversations = conversations.filter(school_id__in=school_ids)
    slices = []
    fields = ("id", "kind", "title", "school_id", "created_at", "last_message_at")
    for conversation in conversations.only(*fields).order_by("id"):
        rule = rule_for(book, conversation, outsiders)
        before = cutoff(today, rule.keep_months)
        last = conversation.last_message_at
        if last is None:
            continue  # nothing was ever said in it
        if rule.basis == Basis.MESSAGE_DATE:
            # The oldest message decides cheaply whether anything is due at all.
            if Message.objects.filter(conversation_id=conversation.pk, created_at__lt=before).exists():
                slices.append(Slice(conversation.pk, conversation.title, conversation.school_id, rule, before, False))
            continue
        anchor = last
        if rule.basis == Basis.ACCESS_ENDED:
            still_open, ended = outsiders.get(conversation.pk, (False, None))
            if still_open:
                continue  # an outsider still has access: the clock has not started
            if ended is not None:
                anchor = max(anchor, _start_of(ended + timedelta(days=1)))
        if anchor < before:
            slices.append(Slice(conversation.pk, conversation.title, conversation.school_id, rule, before, True))
    return slices


# --- counting (the preview and a dry run) ----------------------------------------------------------------------

COUNTED = ("messages", "revisions", "reactions", "acknowledgements", "attachments", "files", "events", "held")


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(COUNTED, 0)


def event_references(organisation_id: int) -> dict[int, list[int]]:
    """Stored events that name a message (message.new and the like, acknowledgements, reminders): message id ->
    event ids. The stream keeps a couple of weeks, so this is small; read once per run."""
    found: dict[int, list[int]] = defaultdict(list)
    rows = Event.objects.filter(organisation_id=organisation_id, data__message_id__isnull=False)
    for event_id, message_id in rows.values_list("id", "data__message_id"):
        if isinstance(message_id, int):
            found[message_id].append(event_id)
    return found


@dataclass(frozen=True)
class Sweep:
    """Slices that share a cutoff, taken together (up to SWEEP_CONVERSATIONS conversations), so a run over
    thousands of small conversations works in full batches rather than one small batch each."""

    conversation_ids: tuple[int, ...]
    before: datetime
    quiet: bool

    def messages(self) -> QuerySet[Message]:
        due = Message.objects.filter(conversation_id__in=self.conversation_ids, created_at__lt=self.before)
        if self.quiet:
            due = due.filter(conversation__last_message_at__lt=self.before)
        return due


SWEEP_CONVERSATIONS = 500


def sweeps(slices: list[Slice]) -> list[Sweep]:
    grouped: dict[tuple[datetime, bool], list[int]] = defaultdict(list)
    for part in slices:
        grouped[(part.before, part.quiet)].append(part.conversation_id)
    found = []
    for (before, quiet), ids in sorted(grouped.items()):
        for start in range(0, len(ids), SWEEP_CONVERSATIONS):
            found.append(Sweep(tuple(ids[start : start + SWEEP_CONVERSATIONS]), before, quiet))
    return found


def _per_conversation(rows: QuerySet[Any, Any], key: str) -> dict[int, int]:
    return {row[key]: row["n"] for row in rows.order_by().annotate(n=Count("id"))}


def count_sweep(
    sweep: Sweep, held: Q, references: dict[int, list[int]]
) -> tuple[dict[str, int], dict[int, dict[str, int]]]:
    """How much of a sweep a run would remove now (and how many due messages a hold keeps): the totals, and
    messages, held messages and attachments per conversation."""
    due = sweep.messages()
    removable = due.exclude(held)
    ids = removable.values("id")
    messages = _per_conversation(removable.values("conversation_id"), "conversation_id")
    kept = _per_conversation(due.filter(held).values("conversation_id"), "conversation_id")
    attachments = Attachment.objects.filter(message_id__in=ids)
    files = _per_conversation(attachments.values("message__conversation_id"), "message__conversation_id")
    events = 0
    if references:
        referenced = removable.filter(id__in=list(references)).values_list("id", flat=True)
        events = sum(len(references[m]) for m in referenced)
    totals = {
        "messages": sum(messages.values()),
        "revisions": MessageRevision.objects.filter(message_id__in=ids).count(),
        "reactions": Reaction.objects.filter(message_id__in=ids).count(),
        "acknowledgements": Acknowledgement.objects.filter(message_id__in=ids).count(),
        "attachments": sum(files.values()),
        "files": attachments.exclude(file="").count(),
        "events": events,
        "held": sum(kept.values()),
    }
    each = {
        c: {"messages": messages.get(c, 0), "held": kept.get(c, 0), "attachments": files.get(c, 0)}
        for c in {*messages, *kept}
    }
    return totals, each


@dataclass
class Preview:
    today: date
    totals: dict[str, int] = field(default_factory=empty_counts)
    by_rule: list[dict[str, Any]] = field(default_factory=list)
    by_conversation: list[dict[str, Any]] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        return {"today": self.today.isoformat(), "totals": self.totals, "rules": self.by_rule,
                "conversations": self.by_conversation}  # fmt: skip


def count_plan(organisation_id: int, slices: list[Slice], today: date) -> Preview:
    """Count what removing these slices would remove now: totals, per rule and per conversation."""
    preview = Preview(today)
    held = held_filter(organisation_id)
    references = event_references(organisation_id)
    by_id = {part.conversation_id: part for part in slices}
    rules: dict[tuple[str, str, int | None], dict[str, Any]] = {}
    for sweep in sweeps(slices):
        totals, each = count_sweep(sweep, held, references)
        for key, value in totals.items():
            preview.totals[key] += value
        for conversation_id, counts in sorted(each.items()):
            part = by_id[conversation_id]
            rule = part.rule
            entry = rules.setdefault(
                (rule.kind, rule.origin, rule.school_id),
                {"kind": rule.kind, "origin": rule.origin, "school_id": rule.school_id,
                 "keep_months": rule.keep_months, "basis": rule.basis, "messages": 0, "held": 0,
                 "conversations": 0},
            )  # fmt: skip
            entry["messages"] += counts["messages"]
            entry["held"] += counts["held"]
            entry["conversations"] += 1
            preview.by_conversation.append(
                {"conversation_id": conversation_id, "title": part.title, "kind": rule.kind, **counts}
            )
    preview.by_rule = list(rules.values())
    preview.by_conversation.sort(key=lambda row: (-row["messages"], row["conversation_id"]))
    return preview


# --- scoped reads for the records pages --------------------------------------------------------------------------


def records_schools(viewer: Person) -> set[int] | None:
    """Whose records the viewer may read (`records.view`): None for the whole organisation, else these schools.
    PermissionDenied for anyone without it."""
    if not permissions.allows(viewer, "records.view", viewer.organisation):
        everywhere, schools = permissions.schools_with_scope(viewer, "records.view", Scope.SCHOOL)
        if everywhere:
            return None
        if not schools:
            raise PermissionDenied(_("Only the data protection officer and headteachers read the records pages."))
        return schools
    return None


def rules_in_force(viewer: Person) -> list[Rule]:
    """Every rule the viewer may read: the trust's for each kind, then each school's own (the trust's rule is
    repeated for a school without one of its own only where it differs, so the list stays short)."""
    schools = records_schools(viewer)
    book = RuleBook(viewer.organisation_id)
    rules = [book.rule(kind, None) for kind in Kind.values]
    for (kind, school_id), _row in sorted(book.rows.items(), key=lambda item: (item[0][1] or 0, item[0][0])):
        if school_id is not None and (schools is None or school_id in schools):
            rules.append(book.rule(kind, school_id))
    return rules


def preview(viewer: Person, today: date) -> Preview:
    """What a run on `today` would remove, for the viewer's part of the organisation."""
    schools = records_schools(viewer)
    return count_plan(viewer.organisation_id, plan(viewer.organisation_id, today, school_ids=schools), today)


def recent_runs(viewer: Person, limit: int = 20) -> QuerySet[RetentionRun]:
    """The organisation's latest runs, newest first (counts only)."""
    records_schools(viewer)
    return RetentionRun.objects.filter(organisation_id=viewer.organisation_id).order_by("-started_at", "-id")[:limit]


def run_payload(run: RetentionRun) -> dict[str, Any]:
    return {"id": run.pk, "today": run.today.isoformat(), "dry_run": run.dry_run,
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None, "counts": run.counts}  # fmt: skip


def may_read_records(viewer: Person) -> bool:
    """Does the viewer have the records pages (retention, holds) at all?"""
    try:
        records_schools(viewer)
    except PermissionDenied:
        return False
    return True
