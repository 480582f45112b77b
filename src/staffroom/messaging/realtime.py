"""Publish events to people's streams when (and only if) the transaction commits.

Each event is written as an `Event` row with the recipient's next `seq` inside the action's transaction, then
pushed through the channel layer to the recipient's group `person.<id>` on commit. A socket that sees a gap in
`seq` (or reconnects with `resume`) reads the missing rows back, so delivery has no gap and no duplicate
whether the push arrives or not, on one node or many.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from staffroom.messaging.models import Event, EventStream


def person_group(person_id: int) -> str:
    return f"person.{person_id}"


def _allocate(person_ids: list[int], count: int = 1) -> dict[int, int]:
    """Lock the recipients' streams in id order (no deadlock between two writers) and reserve `count` seqs."""
    existing = set(EventStream.objects.filter(person_id__in=person_ids).values_list("person_id", flat=True))
    missing = [EventStream(person_id=p) for p in person_ids if p not in existing]
    if missing:
        EventStream.objects.bulk_create(missing, ignore_conflicts=True)
    streams = list(EventStream.objects.select_for_update().filter(person_id__in=person_ids).order_by("person_id"))
    first: dict[int, int] = {}
    for stream in streams:
        first[stream.person_id] = stream.last_seq + 1
        stream.last_seq += count
    EventStream.objects.bulk_update(streams, ["last_seq"])
    return first


def publish_on_commit(recipients: Iterable[int], event_type: str, payload: Mapping[str, Any]) -> None:
    """Queue one event for each recipient (person ids); it reaches their sockets after commit."""
    publish_many_on_commit({pid: [(event_type, payload)] for pid in set(recipients)})


def publish_many_on_commit(events: Mapping[int, list[tuple[str, Mapping[str, Any]]]]) -> None:
    """Queue per-recipient lists of (type, payload); must run inside the action's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events must be published from inside the action's transaction")
    events = {pid: items for pid, items in events.items() if items}
    if not events:
        return
    person_ids = sorted(events)
    rows: list[Event] = []
    # Streams are locked one batch per distinct count; nearly always a single batch.
    by_count: dict[int, list[int]] = {}
    for pid in person_ids:
        by_count.setdefault(len(events[pid]), []).append(pid)
    for count, pids in sorted(by_count.items()):
        first = _allocate(pids, count)
        for pid in pids:
            for offset, (event_type, payload) in enumerate(events[pid]):
                rows.append(Event(person_id=pid, seq=first[pid] + offset, type=event_type, payload=dict(payload)))
    Event.objects.bulk_create(rows)
    pushes = [(person_group(e.person_id), e.as_dict()) for e in rows]
    transaction.on_commit(lambda: push(pushes))


def push(pushes: list[tuple[str, dict[str, Any]]]) -> None:
    """Hand committed events to the channel layer. Losing one is safe: the socket backfills from the table."""
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        for group, event in pushes:
            await layer.group_send(group, {"type": "stream.event", "event": event})

    async_to_sync(send_all)()


def send_control(person_id: int, message: dict[str, Any]) -> None:
    """Send a control message (not a stored event), e.g. to close revoked sessions, after commit."""
    layer = get_channel_layer()
    if layer is None:
        return

    def send() -> None:
        async_to_sync(layer.group_send)(person_group(person_id), message)

    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(send)
    else:
        send()


def events_after(person_id: int, after: int, limit: int = 1000) -> list[dict[str, Any]]:
    """Stored events for a person with seq > after, oldest first: what a resuming client missed."""
    rows = Event.objects.filter(person_id=person_id, seq__gt=after).order_by("seq")[:limit]
    return [e.as_dict() for e in rows]


def current_seq(person_id: int) -> int:
    return EventStream.objects.filter(person_id=person_id).values_list("last_seq", flat=True).first() or 0


def prune_events(older_than_days: int) -> int:
    """Delete stored events older than the retention window; a client that was away longer must resync."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = Event.objects.filter(created_at__lt=cutoff).delete()
    return deleted
