"""Run one action and check the records it leaves, as Zulip's `verify_action` does.

    with verify_action(audit=[AuditAction.REACTION_ADDED], events=["message.edited"]) as captured:
        actions.react(message, "👍", acting=world.teacher)

On leaving the block it checks that:
- the audit entries written in the block are exactly the declared actions, in order, and every chain they
  were added to still verifies;
- the events published are exactly the declared types, in order, and each matches its schema
  (messaging/event_schemas.py) twice: as pushed live on commit, and as rebuilt from its stored row for
  everyone who would get it on resuming (`streams.stored_between`, `streams.events_for`); the two must be equal,
  so a hydrator cannot drift from the payload the action built;
- no event was published after the audit entry was written (the lock order of docs/architecture.md: the
  audit chain head is taken last).
Run one action per block: stored events are rebuilt from the rows as they stand at the end of the block.

    with verify_refused(PermissionDenied):
        actions.react(message, "👍", acting=world.pupil)

checks that the action raised and left nothing behind: no audit entry, no event, no message to a socket, no
row and no file changed. `verify_unchanged()` checks the same of an action that does nothing without raising
(a repeat, say).

tests/verify.py also finds which actions a test file runs through these (`verified_in`), so a meta-test can
insist that every public action has both.
"""

from __future__ import annotations

import ast
import inspect
import os
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import TestCase
from pydantic import ValidationError

from staffroom.accounts.models import Organisation
from staffroom.compliance import audit as audit_log
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import AuditEntry
from staffroom.errors import StaffroomError
from staffroom.messaging import event_schemas
from staffroom.messaging.models import Membership
from staffroom.realtime import hub, streams
from staffroom.realtime.models import Event
from staffroom.realtime.streams import Published


@dataclass
class Captured:
    """What one action left: its audit entries, the events pushed live on commit, control messages to sockets."""

    audit: list[AuditEntry] = field(default_factory=list)
    events: list[Published] = field(default_factory=list)
    controls: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # "publish" and "audit", in the order the action called them.
    calls: list[str] = field(default_factory=list)

    def event(self, event_type: str) -> Published:
        """The one event of this type."""
        (found,) = [e for e in self.events if e.type == event_type]
        return found

    def frame(self, event_type: str) -> dict[str, Any]:
        """The one event of this type, as a client receives it."""
        return self.event(event_type).frame()


@contextmanager
def _recording() -> Iterator[Captured]:
    """Capture what is pushed to hubs on commit (running the block's on-commit callbacks at its end, as a real
    commit would) and the order in which the block publishes and audits."""
    captured = Captured()
    real_publish, real_record = streams.publish_on_commit, audit_log.record

    def publish(*args: Any, **kwargs: Any) -> int:
        captured.calls.append("publish")
        return real_publish(*args, **kwargs)

    def record(*args: Any, **kwargs: Any) -> AuditEntry:
        captured.calls.append("audit")
        return real_record(*args, **kwargs)

    def control(person_id: int, message: dict[str, Any]) -> None:
        captured.controls.append((person_id, message))

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(streams, "publish_on_commit", publish))
        stack.enter_context(mock.patch.object(audit_log, "record", record))
        stack.enter_context(mock.patch.object(hub, "publish", captured.events.extend))
        stack.enter_context(mock.patch.object(hub, "control", control))
        if connection.in_atomic_block:
            # The test's own transaction never commits: run what the action's commit would have run.
            stack.enter_context(TestCase.captureOnCommitCallbacks(execute=True))
        yield captured
    captured.events.sort(key=lambda e: (e.organisation_id, e.position))


def _last_id(model: Any) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@contextmanager
def verify_action(*, audit: Sequence[AuditAction], events: Sequence[str]) -> Iterator[Captured]:
    """Run one action in the block; on leaving, check its audit entries and events (see the module's doc)."""
    last_entry, last_event = _last_id(AuditEntry), _last_id(Event)
    with _recording() as captured:
        yield captured
    captured.audit = list(AuditEntry.objects.filter(pk__gt=last_entry).order_by("pk"))
    stored = list(Event.objects.filter(pk__gt=last_event).order_by("organisation_id", "position"))

    written = [entry.action for entry in captured.audit]
    assert written == [AuditAction(a).value for a in audit], f"audit entries written: {written}"
    for organisation_id in {entry.organisation_id for entry in captured.audit}:
        result = audit_log.verify(Organisation.objects.get(pk=organisation_id))
        assert result.ok, f"audit chain broken at entry {result.first_bad_id}: {result.problem}"

    published = [event.type for event in captured.events]
    assert published == list(events), f"events published: {published}"
    assert [(e.organisation_id, e.position, e.type) for e in captured.events] == [
        (row.organisation_id, row.position, row.type) for row in stored
    ], "the events pushed on commit are not the events stored"
    for event in captured.events:
        _check_event(event)

    if "audit" in captured.calls:
        after_audit = captured.calls[captured.calls.index("audit") :]
        assert "publish" not in after_audit, (
            "an event was published after the audit entry: the audit chain head must be the last lock an "
            "action takes (docs/architecture.md)"
        )


def _valid(frame: dict[str, Any], as_what: str) -> None:
    try:
        event_schemas.validate(frame)
    except ValidationError as error:
        pytest.fail(f"{frame['type']} {as_what} does not match its schema:\n{error}\n{frame}")


def _check_event(live: Published) -> None:
    """The event as pushed live, as rebuilt from its row, and as each person resuming would get it: valid
    against its schema, and the same."""
    _valid(live.frame(), "as sent live")
    (rebuilt,) = streams.stored_between(live.organisation_id, live.position - 1, live.position) or [None]
    assert rebuilt is not None, f"{live.type} at {live.position} cannot be rebuilt from its stored row"
    _valid(rebuilt.frame(), "as rebuilt from its stored row")
    assert rebuilt.frame() == live.frame(), f"{live.type}: the stored event rebuilds differently from the live one"
    assert (rebuilt.conversation_id, rebuilt.people) == (live.conversation_id, live.people)

    resuming = set(live.people)
    if live.conversation_id is not None:
        # Leavers keep their memberships but receive nothing.
        members = Membership.objects.filter(conversation_id=live.conversation_id, person__is_active=True)
        resuming |= set(members.values_list("person_id", flat=True))
    for person_id in sorted(resuming):
        replayed, _ = streams.events_for(person_id, live.position - 1, upto=live.position)
        assert [e.frame() for e in replayed] == [live.frame()], (
            f"{live.type}: person {person_id} resuming would get {[e.frame() for e in replayed]}"
        )


# --- nothing changes --------------------------------------------------------------------------------------


def _snapshot() -> dict[str, Any]:
    """Every row of every table, and the names of the files kept."""
    rows: dict[str, Any] = {}
    for model in apps.get_models():
        if model._meta.managed and not model._meta.proxy:
            rows[model._meta.label] = list(model._default_manager.order_by("pk").values())
    media = Path(settings.MEDIA_ROOT)
    rows["files"] = sorted(str(p.relative_to(media)) for p in media.rglob("*")) if media.exists() else []
    return rows


@contextmanager
def verify_unchanged() -> Iterator[Captured]:
    """The block changes nothing: no audit entry, no event, no message to a socket, no row, no file."""
    before = _snapshot()
    with _recording() as captured:
        yield captured
    assert not captured.events, f"events pushed: {[e.type for e in captured.events]}"
    assert not captured.controls, f"messages sent to sockets: {captured.controls}"
    after = _snapshot()
    changed = [table for table in before if before[table] != after[table]]
    assert not changed, f"changed: {changed}"


@contextmanager
def verify_refused(
    error: type[StaffroomError] = StaffroomError, *, field: str | None = None
) -> Iterator[pytest.ExceptionInfo[StaffroomError]]:
    """The block raises `error` (on `field`, when given) and leaves nothing behind."""
    with verify_unchanged(), pytest.raises(error) as raised:
        yield raised
    if field is not None:
        assert raised.value.field == field, f"refused on {raised.value.field!r}: {raised.value.message}"


# --- which actions a test file runs through the fixture ----------------------------------------------------


def public_functions(module: ModuleType) -> set[str]:
    """The functions a module (or a package, with its modules) defines and does not mark private."""
    return {
        name
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if (function.__module__ == module.__name__ or function.__module__.startswith(module.__name__ + "."))
        and not name.startswith("_")
    }


def declared_events(test_file: str | os.PathLike[str]) -> set[str]:
    """The event types `test_file` declares in its `verify_action(events=[...])` blocks."""
    declared: set[str] = set()
    for node in ast.walk(ast.parse(Path(test_file).read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "verify_action":
            for keyword in node.keywords:
                if keyword.arg == "events" and isinstance(keyword.value, ast.List | ast.Tuple):
                    declared |= {e.value for e in keyword.value.elts if isinstance(e, ast.Constant)}
    return declared


def verified_in(test_file: str | os.PathLike[str], module_alias: str) -> dict[str, set[str]]:
    """For each of verify_action, verify_refused and verify_unchanged: the functions of the module imported as
    `module_alias` that the test files of `test_file`'s folder call inside a `with` block of it."""
    found: dict[str, set[str]] = {"verify_action": set(), "verify_refused": set(), "verify_unchanged": set()}
    for path in sorted(Path(test_file).parent.glob("test_*.py")):
        _collect_verified(ast.parse(path.read_text()), module_alias, found)
    return found


def _collect_verified(tree: ast.AST, module_alias: str, found: dict[str, set[str]]) -> None:
    for node in ast.walk(tree):
        if not isinstance(node, ast.With):
            continue
        for item in node.items:
            call = item.context_expr
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in found:
                for inner in (n for statement in node.body for n in ast.walk(statement)):
                    if (
                        isinstance(inner, ast.Call)
                        and isinstance(inner.func, ast.Attribute)
                        and isinstance(inner.func.value, ast.Name)
                        and inner.func.value.id == module_alias
                    ):
                        found[call.func.id].add(inner.func.attr)
