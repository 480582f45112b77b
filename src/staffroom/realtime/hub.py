"""The fan-out: one hub per server process hands each committed event to the sockets it concerns.

Each event is serialised once and offered to every local socket it is for, which is one dictionary lookup
per conversation and a queue append per socket: cost linear in recipients with a small constant. Sockets
write from their own bounded queue, so a slow reader never holds up the others; one that falls too far
behind is closed and resumes from its last `seq`.

Events reach the hub in-process (embedded mode: no channel layer at all) or through one channel-layer group
that every node's hub listens to (scale-out: channels-redis pub/sub), one message per event per node rather
than per recipient. Positions are contiguous per organisation, so a hub that sees a hole (a lost or late
push) reads the missing events from the table before going on; it also checks the stream head every few
seconds, so even a lost last event arrives. Every socket therefore gets its events exactly once, in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterable
from typing import Any, Protocol

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from staffroom.realtime import streams
from staffroom.realtime.streams import Published

log = logging.getLogger(__name__)

GROUP = "staffroom.events"
# How often a hub asks the database where each organisation's stream stands (the backstop for lost pushes).
HEAD_CHECK_SECONDS = 2.0
# After a database error, how long a hub waits before trying again.
RETRY_SECONDS = 1.0


class Listener(Protocol):
    """What the hub needs of a socket. `offer` and `control` must not block."""

    person_id: int
    organisation_id: int

    def offer(self, position: int, frame: str) -> None: ...

    def control(self, message: dict[str, Any]) -> None: ...

    def ephemeral(self, frame: str) -> None: ...


class _Entry:
    """A registered socket: its conversations, and membership changes seen while those were loading."""

    __slots__ = ("conversations", "listener", "ops")

    def __init__(self, listener: Listener) -> None:
        self.listener = listener
        self.conversations: set[int] | None = None  # None while loading
        self.ops: list[tuple[bool, int]] = []


class _OrgStream:
    """An organisation with sockets on this node: how far its events have been handed out."""

    def __init__(self) -> None:
        self.position: int | None = None  # unknown until read from the database
        self.inbox: list[Published] = []
        self.wake = asyncio.Event()
        self.entries = 0
        self.task: asyncio.Task[None] | None = None
        self.revoked_through: int | None = None  # the newest Revocation row seen
        self.checked_at = 0.0


class Hub:
    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.entries: dict[Listener, _Entry] = {}
        self.people: dict[int, set[_Entry]] = {}
        self.conversations: dict[int, set[_Entry]] = {}
        self.orgs: dict[int, _OrgStream] = {}
        self._layer_task: asyncio.Task[None] | None = None
        self._lock = threading.Lock()

    # --- sockets come and go (on the event loop) ---

    def register(self, listener: Listener) -> None:
        """Start tracking a socket; it receives nothing until `activate` gives it its conversations."""
        self._bind_loop()
        entry = _Entry(listener)
        self.entries[listener] = entry
        self.people.setdefault(listener.person_id, set()).add(entry)
        org = self.orgs.get(listener.organisation_id)
        if org is None:
            org = self.orgs[listener.organisation_id] = _OrgStream()
            org.task = asyncio.get_running_loop().create_task(self._run(listener.organisation_id, org))
        org.entries += 1

    async def activate(self, listener: Listener, conversations: Iterable[int]) -> int:
        """Give a registered socket its conversations and return the position from which it receives live
        events (everything up to it the client gets by resuming)."""
        entry = self.entries[listener]
        visible = set(conversations)
        for add, conversation_id in entry.ops:
            (visible.add if add else visible.discard)(conversation_id)
        entry.ops.clear()
        entry.conversations = visible
        for conversation_id in visible:
            self.conversations.setdefault(conversation_id, set()).add(entry)
        return await self.position(listener.organisation_id)

    async def position(self, organisation_id: int) -> int:
        """How far this node has handed out the organisation's events (waits for the first read of it)."""
        org = self.orgs.get(organisation_id)
        if org is None:
            return await database_sync_to_async(streams.current_position)(organisation_id)
        while org.position is None:
            await asyncio.sleep(0.005)
        return org.position

    def unregister(self, listener: Listener) -> None:
        entry = self.entries.pop(listener, None)
        if entry is None:
            return
        same_person = self.people.get(listener.person_id)
        if same_person is not None:
            same_person.discard(entry)
            if not same_person:
                del self.people[listener.person_id]
        for conversation_id in entry.conversations or ():
            self._unindex(entry, conversation_id)
        org = self.orgs.get(listener.organisation_id)
        if org is not None:
            org.entries -= 1
            if org.entries <= 0:
                del self.orgs[listener.organisation_id]
                if org.task is not None:
                    org.task.cancel()

    def _unindex(self, entry: _Entry, conversation_id: int) -> None:
        listeners = self.conversations.get(conversation_id)
        if listeners is not None:
            listeners.discard(entry)
            if not listeners:
                del self.conversations[conversation_id]

    # --- events arrive ---

    def receive(self, events: Iterable[Published]) -> None:
        """Queue committed events for their organisations (on the event loop)."""
        for event in events:
            org = self.orgs.get(event.organisation_id)
            if org is not None:
                org.inbox.append(event)
                org.wake.set()

    async def _run(self, organisation_id: int, org: _OrgStream) -> None:
        """Hand out one organisation's events in position order, filling any hole from the table. A database
        error (a full pool, a lock) must not end delivery: it is logged, and the next round fills the hole."""
        while True:
            try:
                await self._step(organisation_id, org)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("realtime hub could not hand out events for organisation %s; retrying", organisation_id)
                await asyncio.sleep(RETRY_SECONDS)

    async def _step(self, organisation_id: int, org: _OrgStream) -> None:
        if org.position is None:
            org.position = await database_sync_to_async(streams.current_position)(organisation_id)
        if org.revoked_through is None:
            org.revoked_through = await database_sync_to_async(streams.last_revocation)(organisation_id)
        try:
            await asyncio.wait_for(org.wake.wait(), timeout=HEAD_CHECK_SECONDS)
        except TimeoutError:
            head = await database_sync_to_async(streams.current_position)(organisation_id)
            if head > org.position:
                await self._fill(organisation_id, org, head)
        else:
            org.wake.clear()
            batch, org.inbox = org.inbox, []
            for event in sorted(batch, key=lambda e: e.position):
                if event.position <= org.position:
                    continue
                if event.position > org.position + 1:
                    # If this fails, the events of this batch are still in the table: the next round fills them.
                    await self._fill(organisation_id, org, event.position - 1)
                self._dispatch(event)
                org.position = event.position
        now = asyncio.get_running_loop().time()
        if now - org.checked_at >= HEAD_CHECK_SECONDS:
            org.checked_at = now
            await self._recheck_revoked(organisation_id, org)

    async def _recheck_revoked(self, organisation_id: int, org: _OrgStream) -> None:
        """Revocations written by processes whose push could not reach this one: those people's sockets here
        check their credentials again (and close if they no longer stand)."""
        assert org.revoked_through is not None
        people, org.revoked_through = await database_sync_to_async(streams.revocations_after)(
            organisation_id, org.revoked_through
        )
        for person_id in people:
            self.deliver_control(person_id, {"type": "session.recheck"})

    async def _fill(self, organisation_id: int, org: _OrgStream, upto: int) -> None:
        assert org.position is not None
        missed = await database_sync_to_async(streams.stored_between)(organisation_id, org.position, upto)
        for event in missed:
            self._dispatch(event)
            org.position = event.position
        # Anything still missing was pruned before this node saw it; its sockets resync when they resume.
        org.position = max(org.position, upto)

    def _dispatch(self, event: Published) -> None:
        targets: set[_Entry] = set()
        if event.conversation_id is not None:
            targets.update(self.conversations.get(event.conversation_id, ()))
        for person_id in event.people:
            targets.update(self.people.get(person_id, ()))
        if targets:
            frame = json.dumps(event.frame(), separators=(",", ":"))  # once, for every socket
            for entry in targets:
                if entry.conversations is not None and entry.listener.organisation_id == event.organisation_id:
                    entry.listener.offer(event.position, frame)
        if event.conversation_id is not None and event.type in (streams.SUBSCRIBES | streams.UNSUBSCRIBES):
            add = event.type in streams.SUBSCRIBES
            for person_id in event.people:
                for entry in self.people.get(person_id, ()):
                    self._subscribe(entry, event.conversation_id, add)

    def _subscribe(self, entry: _Entry, conversation_id: int, add: bool) -> None:
        if entry.conversations is None:
            entry.ops.append((add, conversation_id))
        elif add:
            entry.conversations.add(conversation_id)
            self.conversations.setdefault(conversation_id, set()).add(entry)
        else:
            entry.conversations.discard(conversation_id)
            self._unindex(entry, conversation_id)

    def deliver_control(self, person_id: int, message: dict[str, Any]) -> None:
        for entry in list(self.people.get(person_id, ())):
            entry.listener.control(message)

    def deliver_typing(self, conversation_id: int, sender_id: int, members: frozenset[int], frame: str) -> None:
        """A typing frame to this node's sockets in the conversation whose person is one of its members (not
        the writer); supervisors who see the conversation without being in it get none."""
        for entry in list(self.conversations.get(conversation_id, ())):
            person_id = entry.listener.person_id
            if person_id != sender_id and person_id in members:
                entry.listener.ephemeral(frame)

    # --- where events come from ---

    def _bind_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            # A new event loop (tests start one per test): whatever was tracked belonged to the old one.
            self.loop = loop
            self._layer_task = None
            self.entries.clear()
            self.people.clear()
            self.conversations.clear()
            self.orgs.clear()
        layer = get_channel_layer()
        if layer is not None and self._layer_task is None:
            self._layer_task = loop.create_task(self._listen(layer))

    async def _listen(self, layer: Any) -> None:
        """Scale-out: receive every node's events and controls from the channel layer."""
        channel = await layer.new_channel()
        await layer.group_add(GROUP, channel)
        while True:
            message = await layer.receive(channel)
            if message.get("type") == "events":
                self.receive(_decode(e) for e in message["events"])
            elif message.get("type") == "control":
                self.deliver_control(int(message["person_id"]), message["message"])
            elif message.get("type") == "typing":
                self.deliver_typing(
                    int(message["conversation_id"]),
                    int(message["sender_id"]),
                    frozenset(int(p) for p in message["members"]),
                    str(message["frame"]),
                )

    def _on_loop(self, callback: Any, *args: Any) -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            callback(*args)
        else:
            loop.call_soon_threadsafe(callback, *args)


def _encode(event: Published) -> dict[str, Any]:
    return {
        "organisation_id": event.organisation_id,
        "position": event.position,
        "type": event.type,
        "conversation_id": event.conversation_id,
        "people": sorted(event.people),
        "payload": dict(event.payload),
    }


def _decode(data: dict[str, Any]) -> Published:
    return Published(
        int(data["organisation_id"]),
        int(data["position"]),
        str(data["type"]),
        data["conversation_id"],
        frozenset(int(p) for p in data["people"]),
        data["payload"],
    )


_hub = Hub()


def get_hub() -> Hub:
    return _hub


def _to_layer(message: dict[str, Any]) -> None:
    """Send to every node's hub. From a request thread of a server, without waiting for the loop."""
    layer = get_channel_layer()
    assert layer is not None
    loop = _hub.loop
    if loop is not None and loop.is_running():
        future = asyncio.run_coroutine_threadsafe(layer.group_send(GROUP, message), loop)
        future.add_done_callback(_log_failure)
    else:
        async_to_sync(layer.group_send)(GROUP, message)


def _log_failure(future: Any) -> None:
    if not future.cancelled() and future.exception() is not None:
        # Hubs fill the hole from the table within HEAD_CHECK_SECONDS; the event is committed and not lost.
        log.warning("could not push an event to the channel layer: %r", future.exception())


def publish(events: list[Published]) -> None:
    """Committed events, to every hub (called on commit)."""
    if get_channel_layer() is not None:
        _to_layer({"type": "events", "events": [_encode(e) for e in events]})
    else:
        _hub._on_loop(_hub.receive, events)


def control(person_id: int, message: dict[str, Any]) -> None:
    """A control message (not stored) to one person's sockets on every node."""
    if get_channel_layer() is not None:
        _to_layer({"type": "control", "person_id": person_id, "message": message})
    else:
        _hub._on_loop(_hub.deliver_control, person_id, message)


def relay_typing(conversation_id: int, sender_id: int, members: frozenset[int], frame: str) -> None:
    """A typing frame (not stored) to the members' sockets on every node (see staffroom.realtime.typing_indicator)."""
    if get_channel_layer() is not None:
        message = {
            "type": "typing",
            "conversation_id": conversation_id,
            "sender_id": sender_id,
            "members": sorted(members),
            "frame": frame,
        }
        _to_layer(message)
    else:
        _hub._on_loop(_hub.deliver_typing, conversation_id, sender_id, members, frame)
