"""Admission control: a server takes on only the work it can finish, and answers the rest at once with 503.

Every HTTP request but probes and static files needs one of `STAFFROOM_MAX_ACTIVE_REQUESTS` slots (about what
the database serves at once: the pool size on PostgreSQL; SQLite has one writer anyway). A request waits for
a slot at most `STAFFROOM_QUEUE_SECONDS`, behind at most `STAFFROOM_MAX_QUEUED_REQUESTS` others; past either it
gets 503 with `Retry-After`, which clients and proxies know to retry. Without this, a burst started a thread
per request; they queued on the database until SQLite gave up ("database is locked") or the PostgreSQL pool
timed out, and each of those became a 500 after 10 to 20 seconds.

Should the database still be too busy (another process holding SQLite's lock, an exhausted pool), that is
answered 503 too (`is_overload`), never 500. Work that was acknowledged (201) is committed and its event
stored, so it is always delivered.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext
from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2
BUSY_MESSAGE = "Staffroom is very busy right now. Please try again in a few seconds; nothing you sent was lost."
_EXEMPT_PREFIXES = ("/static/", "/healthz", "/readyz")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Any, Any], Awaitable[None]]


def is_overload(exc: BaseException) -> bool:
    """True for the database's ways of saying it cannot take more now (not for real faults)."""
    if isinstance(exc, OperationalError):
        text = str(exc).lower()
        return "database is locked" in text or "database table is locked" in text or "too many clients" in text
    try:
        from psycopg_pool import PoolTimeout, TooManyRequests
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    return isinstance(exc, PoolTimeout | TooManyRequests)


def _busy_body(path: str) -> tuple[bytes, str]:
    """The 503's body in the shape the caller expects: the API's error JSON, or a short page."""
    if path.startswith("/api/"):
        return json.dumps({"error": {"code": "busy", "message": BUSY_MESSAGE}}).encode(), "application/json"
    page = (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Busy - Staffroom</title></head>'
        f"<body><main><h1>Staffroom is busy</h1><p>{BUSY_MESSAGE}</p></main></body></html>"
    )
    return page.encode(), "text/html; charset=utf-8"


def busy_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After, from a view that met a database too busy to answer."""
    body, content_type = _busy_body(request.path)
    response = HttpResponse(body, status=503, content_type=content_type)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class OverloadMiddleware:
    """Django middleware: a view that met a database too busy to answer gets 503, not 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_overload(exception):
            log.warning("answered 503: database busy", extra={"path": request.path})
            return busy_response(request)
        return None


class Admission:
    """ASGI middleware: at most `limit` HTTP requests run at once; others wait briefly, then get 503.

    Each slot is also a thread kept for the life of the process: an admitted request runs its synchronous code
    (views, middleware, the ORM) on its slot's thread. Django would otherwise start a new thread for each
    request, and with it a new database connection; a kept thread keeps its connection (CONN_MAX_AGE), which
    saved about a millisecond of CPU per request on SQLite."""

    def __init__(self, app: App, *, limit: int, queue: int, wait_seconds: float) -> None:
        self.app, self.limit, self.queue, self.wait_seconds = app, limit, queue, wait_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self.waiting = 0
        # As many threads as slots: whoever holds a slot finds a thread free.
        self._threads = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"staffroom-request-{n}") for n in range(limit)
        ]

    @classmethod
    def from_settings(cls, app: App) -> Admission:
        return cls(
            app,
            limit=settings.STAFFROOM_MAX_ACTIVE_REQUESTS,
            queue=settings.STAFFROOM_MAX_QUEUED_REQUESTS,
            wait_seconds=settings.STAFFROOM_QUEUE_SECONDS,
        )

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            self._loop, self._slots, self.waiting = loop, asyncio.Semaphore(self.limit), 0
        return self._slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(_EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        slots = self._semaphore()
        if slots.locked() and self.waiting >= self.queue:
            await self._busy(scope, send)
            return
        self.waiting += 1
        try:
            await asyncio.wait_for(slots.acquire(), timeout=self.wait_seconds)
        except TimeoutError:
            await self._busy(scope, send)
            return
        finally:
            self.waiting -= 1
        thread = self._threads.pop()
        try:
            async with ThreadSensitiveContext(executor=thread):
                await self.app(scope, receive, send)
        finally:
            self._threads.append(thread)
            slots.release()

    async def _busy(self, scope: Scope, send: Send) -> None:
        log.warning("answered 503: request queue full", extra={"path": scope.get("path", "")})
        body, content_type = _busy_body(scope.get("path", ""))
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", content_type.encode()),
                    (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
                    (b"cache-control", b"no-store"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
