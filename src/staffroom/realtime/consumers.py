"""`/ws/events`: one socket per browser tab or client, carrying the person's part of their organisation's stream.

Protocol (DESIGN.md, docs/realtime.md): authenticate with the session cookie (from one of our own pages), or
with `{"type":"auth","token":...}` as the first frame. The server answers `{"type":"hello","seq":n}`; live
events follow, each with a larger `seq`. A client that was away sends `{"type":"resume","after":seq}` and
gets every event it missed, in order, exactly once, before live ones; if they are older than the retention
window it gets `{"type":"resync","seq":n}` and reloads over HTTP.
Close codes: 4401 not authenticated or revoked, 4403 forbidden (a cookie from another origin's page, or someone
who must set up a second sign-in step first: accounts/second_factor.py), 1013
too far behind (resume to catch up).
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.sessions.models import Session
from django.http.request import split_domain_port, validate_host
from django.utils import timezone

from staffroom.accounts import second_factor
from staffroom.accounts.models import ApiToken, Person
from staffroom.accounts.queries import person_for_token
from staffroom.realtime import frames, streams, typing_indicator
from staffroom.realtime.hub import get_hub, relay_typing

log = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_SLOW = 1013
AUTH_TIMEOUT_SECONDS = 10
# Revocations are pushed at once; this re-check is the backstop for a push that was lost or a session that
# simply expired, so a socket never outlives its credential by more than this.
RECHECK_SECONDS = 30
REPLAY_BATCH = 500
# Frames a client sends are small; a larger one is refused before it is parsed (nesting bombs included).
MAX_FRAME_CHARS = 4096
# Events waiting for a socket that does not read; past this it is closed and resumes when it can keep up.
MAX_QUEUED_EVENTS = 2000


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


def _same_origin(scope: dict[str, Any]) -> bool | None:
    """True if the page that opened the socket is ours (same scheme, host and port, or a trusted origin),
    False if not, None if there is no Origin (not a browser). Cookies count only for True, which stops
    cross-site WebSocket hijacking, including from another port or scheme on the same host."""
    origin = _header(scope, b"origin")
    if not origin:
        return None
    host = _header(scope, b"host")
    if not host or not validate_host(split_domain_port(host)[0], settings.ALLOWED_HOSTS):
        return False
    scheme = "https" if scope.get("scheme") in {"wss", "https"} else "http"
    ours = f"{scheme}://{host}".lower()
    parts = urlsplit(origin.lower())
    if not parts.scheme or not parts.netloc:
        return False
    theirs = f"{parts.scheme}://{parts.netloc}"
    return theirs == ours or theirs in {o.lower() for o in settings.CSRF_TRUSTED_ORIGINS}


Credential = tuple[int, str | None, int | None]  # person id, session key, token id


def still_valid(credentials: list[Credential]) -> list[bool]:
    """For each socket's credential: it still stands, and its person may still use Staffroom. Three queries
    for any number of sockets."""
    people = {p.pk: p for p in Person.objects.filter(pk__in={c[0] for c in credentials})}
    keys = {c[1] for c in credentials if c[2] is None and c[1]}
    sessions = set(
        Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now()).values_list(
            "session_key", flat=True
        )
    )
    token_ids = {c[2] for c in credentials if c[2] is not None}
    tokens = set(ApiToken.objects.filter(pk__in=token_ids, revoked_at__isnull=True).values_list("pk", "person_id"))
    answers = []
    for person_id, session_key, token_id in credentials:
        person = people.get(person_id)
        if person is None or not person.may_use_staffroom():
            answers.append(False)
        elif token_id is not None:
            answers.append((token_id, person_id) in tokens)
        else:
            answers.append(bool(session_key) and session_key in sessions)
    return answers


async def _still_valid(person_id: int, session_key: str | None, token_id: int | None) -> bool:
    (answer,) = await database_sync_to_async(still_valid)([(person_id, session_key, token_id)])
    return answer


_rechecks: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}


def _ensure_rechecking() -> None:
    """One task per process re-checks every open socket's credential (not a task and a query per socket)."""
    loop = asyncio.get_running_loop()
    task = _rechecks.get(loop)
    if task is None or task.done():
        for old in [old for old in _rechecks if old.is_closed()]:
            del _rechecks[old]
        _rechecks[loop] = loop.create_task(_recheck_forever())


async def _recheck_forever() -> None:
    while True:
        await asyncio.sleep(RECHECK_SECONDS)
        sockets = [s for s in get_hub().entries if isinstance(s, EventsConsumer) and s.person_id is not None]
        if not sockets:
            continue
        try:
            answers = await database_sync_to_async(still_valid)(
                [(s.person_id, s.session_key, s.token_id) for s in sockets]
            )
        except Exception:  # the database may be briefly away: try again next round
            log.exception("could not re-check the sockets' credentials")
            continue
        for socket, valid in zip(sockets, answers, strict=True):
            if not valid:
                socket._tasks.append(asyncio.create_task(socket._revoked()))


class EventsConsumer(AsyncWebsocketConsumer):
    # The socket takes no channel of its own: the hub fans events out to it in-process.
    channel_layer_alias = "staffroom.events-socket-has-no-channel"

    person_id: int | None = None
    organisation_id: int = 0
    _revoking = False
    session_key: str | None = None
    token_id: int | None = None
    person_name = ""

    async def connect(self) -> None:
        self.last_sent = 0
        self._outbox: collections.deque[tuple[int, str]] = collections.deque()
        self._ephemeral: collections.deque[str] = collections.deque(maxlen=typing_indicator.MAX_BACKLOG)
        self._wake = asyncio.Event()
        self._paused = False
        self._sent_since_hello: list[int] | None = []
        self._tasks: list[asyncio.Task[None]] = []
        await self.accept()
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            if not user.may_use_staffroom():
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return
            if await database_sync_to_async(second_factor.setup_required)(user):
                await self.close(code=CLOSE_FORBIDDEN)
                return
            origin_ok = _same_origin(self.scope)
            if origin_ok is False:
                await self.close(code=CLOSE_FORBIDDEN)
                return
            if origin_ok:
                session = self.scope.get("session")
                self.session_key = session.session_key if session is not None else None
                await self._start(user)
                return
        self._tasks.append(asyncio.create_task(self._close_if_unauthenticated()))

    async def _close_if_unauthenticated(self) -> None:
        await asyncio.sleep(AUTH_TIMEOUT_SECONDS)
        if self.person_id is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def _start(self, person: Person) -> None:
        self.person_id = person.pk
        self.organisation_id = person.organisation_id
        self.person_name = person.name
        hub = get_hub()
        hub.register(self)
        conversations = await database_sync_to_async(streams.visible_conversations)(person.pk)
        self.last_sent = await hub.activate(self, conversations)
        self._tasks.append(asyncio.create_task(self._write()))
        _ensure_rechecking()
        await self._say(frames.Hello(seq=self.last_sent, person_id=person.pk))

    async def disconnect(self, code: int) -> None:
        for task in self._tasks:
            task.cancel()
        if self.person_id is not None:
            get_hub().unregister(self)

    # --- what the hub calls (must not block) ---

    def offer(self, position: int, frame: str) -> None:
        if len(self._outbox) >= MAX_QUEUED_EVENTS:
            self._outbox.clear()
            self._tasks.append(asyncio.create_task(self.close(code=CLOSE_TOO_SLOW)))
            return
        self._outbox.append((position, frame))
        self._wake.set()

    def ephemeral(self, frame: str) -> None:
        """A frame that is not part of the stream (typing): sent when the socket keeps up, otherwise dropped."""
        if self._paused or len(self._outbox) > typing_indicator.MAX_BACKLOG:
            return
        self._ephemeral.append(frame)
        self._wake.set()

    def control(self, message: dict[str, Any]) -> None:
        if message.get("type") == "session.revoke" and self._is_revoked_by(message):
            self._tasks.append(asyncio.create_task(self._revoked()))
        elif message.get("type") == "session.recheck":
            self._tasks.append(asyncio.create_task(self._recheck()))

    async def _recheck(self) -> None:
        if self.person_id is not None and not await _still_valid(self.person_id, self.session_key, self.token_id):
            await self._revoked()

    def _is_revoked_by(self, message: dict[str, Any]) -> bool:
        token_ids = message.get("token_ids", [])
        return bool(
            message.get("all")
            or (self.token_id is not None and (token_ids == "all" or self.token_id in token_ids))
            or (self.session_key is not None and self.session_key in message.get("session_keys", []))
        )

    async def _write(self) -> None:
        """Send queued events in order, each once; paused while a resume replays from the table."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._ephemeral and not self._paused:
                await self.send(text_data=self._ephemeral.popleft())
            while self._outbox and not self._paused:
                position, frame = self._outbox.popleft()
                if position <= self.last_sent:
                    continue
                await self.send(text_data=frame)
                self.last_sent = position
                if self._sent_since_hello is not None and len(self._sent_since_hello) < MAX_QUEUED_EVENTS:
                    self._sent_since_hello.append(position)

    # --- frames from the client ---

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        content = self._parse(text_data)
        if content is None:
            await self._say(frames.Error(code="malformed", message="Frames must be small JSON objects."))
            return
        kind = content.get("type")
        if self.person_id is None:
            if kind != "auth":
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return
            await self._authenticate(content)
            if self.person_id is not None and "after" in content:
                await self._resume(content.get("after"))
            return
        if kind == "resume":
            await self._resume(content.get("after"))
        elif kind == "ping":
            if not await _still_valid(self.person_id, self.session_key, self.token_id):
                await self._revoked()
                return
            await self._say(frames.Pong(seq=self.last_sent))
        elif kind == "typing":
            await self._typing(content.get("conversation_id"))
        elif kind == "auth":
            await self._say(frames.Error(code="already_authenticated", message="Already signed in."))
        else:
            await self._say(frames.Error(code="unknown_type", message=f"Unknown frame type {str(kind)[:40]!r}."))

    @staticmethod
    def _parse(text: str | None) -> dict[str, Any] | None:
        if not text or len(text) > MAX_FRAME_CHARS:
            return None
        try:
            content = json.loads(text)
        except (ValueError, RecursionError):
            return None
        return content if isinstance(content, dict) else None

    async def _say(self, frame: frames.Frame) -> None:
        await self.send(text_data=frame.encode())

    async def _authenticate(self, content: dict[str, Any]) -> None:
        token = content.get("token")
        person = await database_sync_to_async(person_for_token)(token) if isinstance(token, str) and token else None
        if person is None or not person.may_use_staffroom():
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if await database_sync_to_async(second_factor.setup_required)(person):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.token_id = getattr(person, "_api_token_id", None)
        await self._start(person)

    async def _typing(self, conversation_id: Any) -> None:
        """Relay "is typing" to the conversation's other members; dropped silently when too soon, too busy, too
        big a conversation, or the writer is not a member (which says nothing about the conversation)."""
        if not isinstance(conversation_id, int) or isinstance(conversation_id, bool) or conversation_id < 1:
            await self._say(frames.Error(code="invalid", message="`conversation_id` must be a conversation's id."))
            return
        assert self.person_id is not None
        relay = typing_indicator.get_relay()
        if not relay.admit(self.person_id):
            return
        known, members = relay.cached_members(conversation_id)
        if not known:
            members = await database_sync_to_async(typing_indicator.members_of)(conversation_id)
            relay.remember(conversation_id, members)
        if members is None or self.person_id not in members:
            return
        frame = frames.Typing(conversation_id=conversation_id, person_id=self.person_id, name=self.person_name)
        relay_typing(conversation_id, self.person_id, members, frame.encode())

    async def _resume(self, after: Any) -> None:
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            await self._say(frames.Error(code="invalid", message="`after` must be a seq number."))
            return
        assert self.person_id is not None
        hub = get_hub()
        upto = await hub.position(self.organisation_id)
        pruned = await database_sync_to_async(streams.pruned_through)(self.organisation_id)
        if after > upto or after < pruned:
            # A position this stream never reached (another server's data), or past the retention window.
            await self._resync(max(upto, self.last_sent))
            return
        already = set(self._sent_since_hello or ())
        self._sent_since_hello = None  # from now on the stream is exact: no more to skip
        self._paused = True
        try:
            cursor: int | None = after
            while cursor is not None and cursor < upto:
                batch, cursor = await database_sync_to_async(streams.events_for)(
                    self.person_id, cursor, upto=upto, limit=REPLAY_BATCH
                )
                for event in batch:
                    if event.position not in already:
                        await self.send(text_data=json.dumps(event.frame(), separators=(",", ":")))
            self.last_sent = max(self.last_sent, upto)
        finally:
            self._paused = False
            self._wake.set()

    async def _resync(self, position: int) -> None:
        self._paused = True
        self._outbox = collections.deque(item for item in self._outbox if item[0] > position)
        self.last_sent = position
        self._paused = False
        await self._say(frames.Resync(seq=position))
        self._wake.set()

    async def _revoked(self) -> None:
        if self._revoking:  # the push and a re-check may both say so; close once
            return
        self._revoking = True
        await self._say(frames.SessionRevoked(seq=self.last_sent))
        await self.close(code=CLOSE_UNAUTHENTICATED)
