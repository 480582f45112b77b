"""`/ws/events`: one socket per browser tab or client, carrying the person's event stream.

Protocol (DESIGN.md): authenticate with the session cookie, or with `{"type":"auth","token":...}` as the first
frame. The server answers `{"type":"hello","seq":n}` with the stream's current position. A client that was
away sends `{"type":"resume","after":seq}` and gets every event it missed, in order, before live ones.
If the missed events are older than the retention window, the server sends `{"type":"resync","seq":n}` and the
client reloads its state over HTTP.
Close codes: 4401 not authenticated or revoked, 4403 forbidden (a cookie from another site's page).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import urlparse

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.sessions.models import Session
from django.http.request import validate_host
from django.utils import timezone

from staffroom.accounts.models import ApiToken, Person
from staffroom.accounts.queries import person_for_token
from staffroom.messaging import realtime

log = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
AUTH_TIMEOUT_SECONDS = 10
# Revocations are pushed at once; this re-check is the backstop for a push that was lost or a session that
# simply expired, so a socket never outlives its credential by more than this.
RECHECK_SECONDS = 30
REPLAY_BATCH = 500


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


def _same_site_origin(scope: dict[str, Any]) -> bool | None:
    """True if the page that opened the socket is ours, False if another site's, None if no Origin (not a
    browser). Cookies are honoured only for True, which stops cross-site WebSocket hijacking."""
    origin = _header(scope, b"origin")
    if not origin:
        return None
    host = urlparse(origin).hostname or ""
    return validate_host(host, settings.ALLOWED_HOSTS)


def _may_connect(person: Person) -> bool:
    return person.is_active and not person.access_has_ended()


@database_sync_to_async
def _still_valid(person_id: int, session_key: str | None, token_id: int | None) -> bool:
    """The credential the socket opened with still stands, and the person may still use Staffroom."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None or not _may_connect(person):
        return False
    if token_id is not None:
        return ApiToken.objects.filter(pk=token_id, person_id=person_id, revoked_at__isnull=True).exists()
    return (
        bool(session_key) and Session.objects.filter(session_key=session_key, expire_date__gt=timezone.now()).exists()
    )


class EventsConsumer(AsyncJsonWebsocketConsumer):
    person_id: int | None = None
    last_seq: int = 0
    session_key: str | None = None
    token_id: int | None = None
    _auth_timer: asyncio.Task[None] | None = None
    _recheck_timer: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        await self.accept()
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            if not _may_connect(user):
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return
            origin_ok = _same_site_origin(self.scope)
            if origin_ok is False:
                await self.close(code=CLOSE_FORBIDDEN)
                return
            if origin_ok:
                session = self.scope.get("session")
                self.session_key = session.session_key if session is not None else None
                await self._start(user)
                return
        self._auth_timer = asyncio.create_task(self._close_if_unauthenticated())

    async def _close_if_unauthenticated(self) -> None:
        await asyncio.sleep(AUTH_TIMEOUT_SECONDS)
        if self.person_id is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def _start(self, person: Person) -> None:
        self.person_id = person.pk
        await self.channel_layer.group_add(realtime.person_group(person.pk), self.channel_name)
        # Read the position after joining the group: anything committed later arrives as a push.
        self.last_seq = await database_sync_to_async(realtime.current_seq)(person.pk)
        await self.send_json({"type": "hello", "seq": self.last_seq, "person_id": person.pk})
        self._recheck_timer = asyncio.create_task(self._recheck_periodically())

    async def _recheck_periodically(self) -> None:
        while True:
            await asyncio.sleep(RECHECK_SECONDS)
            if not await self._still_signed_in():
                await self._revoked()
                return

    async def disconnect(self, code: int) -> None:
        for timer in (self._auth_timer, self._recheck_timer):
            if timer is not None:
                timer.cancel()
        if self.person_id is not None:
            await self.channel_layer.group_discard(realtime.person_group(self.person_id), self.channel_name)

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return json.loads(text_data)
        except ValueError:
            return None

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "code": "malformed", "message": "Frames must be JSON objects."})
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
            if not await self._still_signed_in():
                await self._revoked()
                return
            await self.send_json({"type": "pong", "seq": self.last_seq})
        elif kind == "auth":
            await self.send_json({"type": "error", "code": "already_authenticated", "message": "Already signed in."})
        else:
            await self.send_json({"type": "error", "code": "unknown_type", "message": f"Unknown frame type {kind!r}."})

    async def _authenticate(self, content: dict[str, Any]) -> None:
        token = content.get("token")
        person = await database_sync_to_async(person_for_token)(token) if isinstance(token, str) and token else None
        if person is None or not _may_connect(person):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if self._auth_timer is not None:
            self._auth_timer.cancel()
        self.token_id = getattr(person, "_api_token_id", None)
        await self._start(person)

    async def _resume(self, after: Any) -> None:
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            await self.send_json({"type": "error", "code": "invalid", "message": "`after` must be a seq number."})
            return
        assert self.person_id is not None
        current = await database_sync_to_async(realtime.current_seq)(self.person_id)
        if after > current:
            # The client holds a position this stream never reached (another server's data, or a bug).
            self.last_seq = current
            await self.send_json({"type": "resync", "seq": current})
            return
        self.last_seq = after
        await self._backfill()
        if self.last_seq < current:
            # Everything between was pruned and nothing newer is stored.
            self.last_seq = current
            await self.send_json({"type": "resync", "seq": current})

    async def _backfill(self) -> None:
        assert self.person_id is not None
        while True:
            events = await database_sync_to_async(realtime.events_after)(self.person_id, self.last_seq, REPLAY_BATCH)
            if events and int(events[0]["seq"]) != self.last_seq + 1:
                # What was missed has passed the retention window: the client must reload its state.
                self.last_seq = int(events[-1]["seq"])
                await self.send_json({"type": "resync", "seq": self.last_seq})
                return
            for event in events:
                await self.send_json(event)
                self.last_seq = int(event["seq"])
            if len(events) < REPLAY_BATCH:
                return

    async def _still_signed_in(self) -> bool:
        assert self.person_id is not None
        return await _still_valid(self.person_id, self.session_key, self.token_id)

    async def _revoked(self) -> None:
        await self.send_json({"type": "session.revoked", "seq": self.last_seq})
        await self.close(code=CLOSE_UNAUTHENTICATED)

    # --- messages from the channel layer ---

    async def stream_event(self, message: dict[str, Any]) -> None:
        """A committed event for this person. Exactly-once, in order: drop what we sent, fill any gap."""
        if self.person_id is None:
            return
        event = message["event"]
        seq = int(event["seq"])
        if seq <= self.last_seq:
            return
        if seq == self.last_seq + 1:
            await self.send_json(event)
            self.last_seq = seq
        else:
            await self._backfill()

    async def session_revoke(self, message: dict[str, Any]) -> None:
        if (
            message.get("all")
            or (self.token_id is not None and message.get("token_ids") == "all")
            or (self.token_id is not None and self.token_id in message.get("token_ids", []))
            or (self.session_key is not None and self.session_key in message.get("session_keys", []))
        ):
            await self._revoked()
