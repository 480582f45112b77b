"""Typing indicators: "<Name> is typing..." for the other members of a conversation, and nothing else.

Nothing is stored and nothing says when anyone was last seen. A client sends `{"type":"typing",
"conversation_id":n}` over its socket at most once every `INTERVAL` seconds while its person writes; the
server relays it (as a `typing` frame, without a `seq`) to the sockets of the conversation's other members, and
the indicator goes away by itself after about six seconds without another.

Cheap by design, because it is a nicety: a person's frames are relayed at most once per `MIN_GAP` seconds (extra
ones are dropped), a process relays at most `BURST` per second in all (more is dropped: overload), a socket
with events waiting gets none, and an announcement channel (where most cannot write) or a conversation larger
than `MEMBER_LIMIT` shows no indicator at all ("someone is typing" among a thousand colleagues informs nobody
and would cost a thousand frames every three seconds).
Membership is checked on the server: the sender and every recipient must be a member now (the member list is
read at most once per `MEMBERS_TTL` seconds for each conversation someone types in). Messaging tells realtime
how to read a conversation's members (`set_members`), as it does for the audience of events.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

INTERVAL = 3.0  # the client sends at most one typing frame this often
MIN_GAP = 2.5  # the server relays one person's frames at most this often (a little slack for timers)
EXPIRES_AFTER = 6.0  # what the page waits before it takes an indicator down
MEMBER_LIMIT = 100
MEMBERS_TTL = 10.0
BURST = 200  # typing frames one process relays per second at most
MAX_BACKLOG = 20  # a socket with more events than this waiting gets no typing frames

# conversation id -> the ids of its members, or None when it has more than `limit` or does not exist
Members = Callable[[int, int], frozenset[int] | None]

_members: Members = lambda conversation_id, limit: None  # noqa: E731  (replaced by messaging at start-up)


def set_members(members: Members) -> None:
    global _members
    _members = members


def members_of(conversation_id: int) -> frozenset[int] | None:
    return _members(conversation_id, MEMBER_LIMIT)


@dataclass
class Relay:
    """Per process: who may be relayed now, and the member lists read lately."""

    clock: Callable[[], float] = time.monotonic
    last: dict[int, float] = field(default_factory=dict)
    cached: dict[int, tuple[float, frozenset[int] | None]] = field(default_factory=dict)
    window: float = 0.0
    spent: int = 0

    def admit(self, person_id: int) -> bool:
        """True if this person's frame may be relayed now; False drops it (too soon, or too busy)."""
        now = self.clock()
        if now - self.last.get(person_id, -MIN_GAP) < MIN_GAP:
            return False
        if now - self.window >= 1.0:
            self.window, self.spent = now, 0
            self._forget(now)
        if self.spent >= BURST:
            return False
        self.spent += 1
        self.last[person_id] = now
        return True

    def cached_members(self, conversation_id: int) -> tuple[bool, frozenset[int] | None]:
        """(True, members) when read less than MEMBERS_TTL ago; (False, None) when they must be read."""
        hit = self.cached.get(conversation_id)
        if hit is not None and self.clock() - hit[0] < MEMBERS_TTL:
            return True, hit[1]
        return False, None

    def remember(self, conversation_id: int, members: frozenset[int] | None) -> None:
        self.cached[conversation_id] = (self.clock(), members)

    def _forget(self, now: float) -> None:
        """Drop what is too old to matter, so the dictionaries stay small."""
        self.last = {p: t for p, t in self.last.items() if now - t < MIN_GAP}
        self.cached = {c: hit for c, hit in self.cached.items() if now - hit[0] < MEMBERS_TTL}


_relay = Relay()


def get_relay() -> Relay:
    return _relay
