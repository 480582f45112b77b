"""Publish events when (and only if) the action's transaction commits; read them back for a resuming client.

An action calls `publish_on_commit` inside its transaction. The event row takes the organisation's next
position under the stream head's row lock (lock order: domain rows, then the stream head, then the audit chain
head, last; see docs/architecture.md), and on commit the event, with the payload the action already built,
goes to the hub of every node (`staffroom.realtime.hub`), which serialises it once and hands it to the
sockets it concerns. Losing that push is safe: hubs fill any hole in an organisation's positions from the
table, and a client that was away replays its part of the stream with `events_for`.

Layers above register what realtime cannot know: who may see a conversation (`set_audience`) and how a
stored event (ids) becomes what a client sees (`set_hydrator`), loaded at delivery so it is always current.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from staffroom.accounts.models import Person
from staffroom.realtime.models import Event, EventRecipient, Revocation, StreamHead

log = logging.getLogger(__name__)

# Explicit recipients of these event types gain (or lose, after delivery) the conversation's live events.
SUBSCRIBES = frozenset({"membership.added"})
UNSUBSCRIBES = frozenset({"membership.removed"})


@dataclass(frozen=True)
class Published:
    """One committed event as hubs handle it: where it goes and what clients see (`payload`)."""

    organisation_id: int
    position: int
    type: str
    conversation_id: int | None
    people: frozenset[int]
    payload: Mapping[str, Any] = field(hash=False)

    def frame(self) -> dict[str, Any]:
        return {**self.payload, "type": self.type, "seq": self.position}


# --- what layers above tell realtime ------------------------------------------------------------------------

Audience = Callable[[int], set[int]]
# Builds payloads for stored events of one type, one per event (None: what it refers to is gone; skip it).
Hydrator = Callable[[Sequence[Mapping[str, Any]]], list[dict[str, Any] | None]]

_audience: Audience = lambda person_id: set()  # noqa: E731  (replaced by messaging at start-up)
_hydrators: dict[str, Hydrator] = {}


def set_audience(visible_conversation_ids: Audience) -> None:
    """Tell realtime which conversations' events a person receives (those they may see now)."""
    global _audience
    _audience = visible_conversation_ids


def set_hydrator(event_type: str, hydrate: Hydrator) -> None:
    """Tell realtime how to turn the stored data of `event_type` events into payloads, many at once."""
    _hydrators[event_type] = hydrate


def visible_conversations(person_id: int) -> set[int]:
    return _audience(person_id)


def hydrate(events: Sequence[Event]) -> list[dict[str, Any] | None]:
    """Payloads for stored events, in order, built from the current state of what they refer to (None for an
    event whose subject no longer exists, e.g. purged by retention)."""
    payloads: list[dict[str, Any] | None] = [None] * len(events)
    by_type: dict[str, list[int]] = {}
    for index, event in enumerate(events):
        by_type.setdefault(event.type, []).append(index)
    for event_type, indexes in by_type.items():
        hydrator = _hydrators.get(event_type)
        datas = [events[i].data for i in indexes]
        built: list[dict[str, Any] | None] = list(hydrator(datas)) if hydrator else [dict(d) for d in datas]
        for i, payload in zip(indexes, built, strict=True):
            payloads[i] = payload
    return payloads


# --- publishing ---------------------------------------------------------------------------------------------


def publish_on_commit(
    organisation_id: int,
    event_type: str,
    *,
    data: Mapping[str, Any],
    conversation_id: int | None = None,
    people: Iterable[int] = (),
    payload: Mapping[str, Any] | None = None,
) -> int:
    """Store one event for the audience of `conversation_id` and/or `people`; return its position.

    `data` is what is stored: ids and numbers only, never content. `payload` is what live clients receive now
    (the action has usually built it already); without one, the registered hydrator builds it. Must run inside
    the action's transaction, after the domain rows are locked and before the audit entry is written."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events must be published from inside the action's transaction")
    recipients = frozenset(int(p) for p in people)
    if conversation_id is None and not recipients:
        return 0
    position = _next_position(organisation_id)
    event = Event.objects.create(
        organisation_id=organisation_id,
        position=position,
        type=event_type,
        conversation_id=conversation_id,
        data=dict(data),
    )
    if recipients:
        EventRecipient.objects.bulk_create([EventRecipient(event=event, person_id=p) for p in sorted(recipients)])
    if payload is None:
        payload = hydrate([event])[0] or {}
    published = Published(organisation_id, position, event_type, conversation_id, recipients, dict(payload))
    # Registered per event, so an event published inside a savepoint that rolls back is never pushed.
    transaction.on_commit(lambda: _push([published]))
    return position


def _next_position(organisation_id: int) -> int:
    """Take the organisation's next position. The row lock is held to commit, so positions follow commits."""
    # One statement that locks, moves and reads the head (SQLite 3.35+ and PostgreSQL both have RETURNING).
    sql = "UPDATE realtime_streamhead SET position = position + 1 WHERE organisation_id = %s RETURNING position"
    with connection.cursor() as cursor:
        cursor.execute(sql, [organisation_id])
        row = cursor.fetchone()
        if row is None:
            StreamHead.objects.bulk_create([StreamHead(organisation_id=organisation_id)], ignore_conflicts=True)
            cursor.execute(sql, [organisation_id])
            row = cursor.fetchone()
    return int(row[0])


def _push(events: list[Published]) -> None:
    from staffroom.realtime import hub

    hub.publish(events)


def send_control(person_id: int, message: dict[str, Any]) -> None:
    """Send a control message to a person's open sockets (not stored), e.g. to close revoked sessions. Inside
    a transaction it goes after commit. A revocation is also written down (`Revocation`), so that server
    processes this push cannot reach (no shared channel layer) still close the sockets within seconds."""
    from staffroom.realtime import hub

    if message.get("type") == "session.revoke":
        organisation_id = Person.objects.filter(pk=person_id).values_list("organisation_id", flat=True).first()
        if organisation_id is not None:
            Revocation.objects.create(organisation_id=organisation_id, person_id=person_id)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: hub.control(person_id, message))
    else:
        hub.control(person_id, message)


# --- reading back -------------------------------------------------------------------------------------------


def current_position(organisation_id: int) -> int:
    """Where an organisation's stream stands now."""
    head = StreamHead.objects.filter(organisation_id=organisation_id).values_list("position", flat=True).first()
    return head or 0


def current_seq(person_id: int) -> int:
    """Where a person's stream stands now: their organisation's position."""
    organisation_id = Person.objects.filter(pk=person_id).values_list("organisation_id", flat=True).first()
    return current_position(organisation_id) if organisation_id else 0


def last_revocation(organisation_id: int) -> int:
    """The newest revocation of an organisation (0 for none): where a hub starts looking for new ones."""
    return Revocation.objects.filter(organisation_id=organisation_id).aggregate(top=Max("id"))["top"] or 0


def revocations_after(organisation_id: int, after: int) -> tuple[set[int], int]:
    """People whose credentials were revoked since revocation `after`, and the newest revocation read."""
    rows = list(Revocation.objects.filter(organisation_id=organisation_id, id__gt=after).values_list("id", "person_id"))
    return {person_id for _, person_id in rows}, max((pk for pk, _ in rows), default=after)


def pruned_through(organisation_id: int) -> int:
    value = StreamHead.objects.filter(organisation_id=organisation_id).values_list("pruned_through", flat=True)
    return value.first() or 0


def stored_between(organisation_id: int, after: int, upto: int) -> list[Published]:
    """Every stored event of an organisation with after < position <= upto, in order, with current payloads:
    what a hub missed."""
    rows = list(
        Event.objects.filter(organisation_id=organisation_id, position__gt=after, position__lte=upto)
        .prefetch_related("recipients")
        .order_by("position")
    )
    return _published(rows)


def events_for(
    person_id: int, after: int, *, upto: int | None = None, limit: int = 500
) -> tuple[list[Published], int | None]:
    """A person's events with after < seq (<= upto), oldest first, as they would see them now: only of
    conversations they may see now, or addressed to them by name. What a resuming client missed.
    Returns them with the last position read (None when there were no more), to go on from."""
    organisation_id = Person.objects.filter(pk=person_id).values_list("organisation_id", flat=True).first()
    if organisation_id is None:
        return [], None
    visible = visible_conversations(person_id)
    named = EventRecipient.objects.filter(person_id=person_id, event__position__gt=after).values("event_id")
    rows = Event.objects.filter(organisation_id=organisation_id, position__gt=after).filter(
        Q(conversation_id__in=visible) | Q(id__in=named)
    )
    if upto is not None:
        rows = rows.filter(position__lte=upto)
    found = list(rows.prefetch_related("recipients").order_by("position")[:limit])
    return _published(found), (found[-1].position if len(found) == limit else None)


def _published(rows: list[Event]) -> list[Published]:
    payloads = hydrate(rows)
    return [
        Published(
            row.organisation_id,
            row.position,
            row.type,
            row.conversation_id,
            frozenset(r.person_id for r in row.recipients.all()),
            payload,
        )
        for row, payload in zip(rows, payloads, strict=True)
        if payload is not None
    ]


def prune_events(older_than_days: int, *, batch: int = 5000) -> int:
    """Delete stored events older than the window, in small batches; a client that was away longer resyncs."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(Event.objects.filter(created_at__lt=cutoff).order_by("id").values_list("id", flat=True)[:batch])
            if not ids:
                break
            reached = (
                Event.objects.filter(id__in=ids).values("organisation_id").annotate(top=Max("position")).order_by()
            )
            for row in reached:
                StreamHead.objects.filter(organisation_id=row["organisation_id"], pruned_through__lt=row["top"]).update(
                    pruned_through=row["top"]
                )
            deleted += Event.objects.filter(id__in=ids).delete()[1].get("realtime.Event", 0)
    # Revocations only need to outlive the few seconds every hub takes to look; an hour is plenty.
    Revocation.objects.filter(created_at__lt=timezone.now() - timedelta(hours=1)).delete()
    if deleted:
        log.info("pruned realtime events", extra={"deleted": deleted, "older_than_days": older_than_days})
    return deleted
