"""Load clients for bench/fanout.py: receivers and one sender, each in a process of its own.

A receiver process holds many members' connections (a `/ws/events` socket for Staffroom, a socket for the
broadcast peer, a `/sync` long-poll loop for Synapse) and records, for every benchmark message it reads, the
time it arrived minus the send time the message carries in its body. Send and arrival times are both
`time.monotonic_ns()`, which on Linux is one clock for every process of the machine.

The sender posts on a fixed schedule (open loop): each send starts when it is due, whether or not earlier ones
have been answered, so a slow server shows up as latency rather than as a slower sender (no coordinated
omission). How late the sender itself started sends (its own process being short of CPU) is reported too.

The parent drives each process through a pipe:
    receiver: -> ("primed", info)  <- ("more",)  -> ("ready", info)  <- ("go",)
              <- ("expect", {room: [numbers]}, drain_seconds)  -> ("result", r)
    sender:   <- ("warm", count, rate) -> ("warmed", r)   <- ("go", start_at_ns, count, rate) -> ("sent", r)
and ("close",) ends either. Results are plain dicts and lists, so they pickle.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import resource
import time
import traceback
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from websockets.asyncio.client import ClientConnection, connect

# The body of a benchmark message, as it appears in a frame or a /sync response (Synapse may put a space).
BODY = re.compile(r'"body": ?"bench (\w+) #(\d+) t=(\d+)')
SEQ = re.compile(r'"seq": ?(\d+)')
CONNECT_CONCURRENCY = 25
# How long after the last send was due the sender waits for answers before counting the rest as errors.
ANSWER_GRACE_SECONDS = 90
# Reuse a keep-alive connection only if it has been idle for less than this (uvicorn closes them after 5 s).
KEEP_ALIVE_SECONDS = 4.0


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def body_text(run: str, n: int) -> str:
    return f"bench {run} #{n} t={time.monotonic_ns()}"


# --- a small HTTP/1.1 client ---------------------------------------------------------------------------------


class HttpClient:
    """Keep-alive HTTP/1.1 over asyncio streams: a new connection whenever none is free, reused afterwards.

    httpx's connection pool does work for every waiting request on every change, so with hundreds of sends
    waiting on a slow server the sender itself used cores of CPU (18 ms a send in the school-day scenario),
    taking them from the server it measures. This does one write and a few reads per request."""

    def __init__(self, base_url: str, timeout: float = 60) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []

    async def request(
        self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        return await asyncio.wait_for(self._request(method, path, body, headers or {}), self.timeout)

    async def _request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        while self.idle:
            reader, writer, since = self.idle.pop()
            # Servers close keep-alive connections left idle (uvicorn after 5 s); a closed one is not reused.
            if time.monotonic() - since < KEEP_ALIVE_SECONDS and not reader.at_eof():
                try:
                    return await self._exchange(reader, writer, method, path, body, headers)
                except (asyncio.IncompleteReadError, ConnectionError):
                    continue  # closed by the server as it was reused: a fresh connection is safe to use
            writer.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return await self._exchange(reader, writer, method, path, body, headers)

    async def _exchange(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        method: str,
        path: str,
        body: bytes,
        headers: dict[str, str],
    ) -> tuple[int, bytes]:
        try:
            head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Length: {len(body)}\r\n"
            head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
            writer.write(head.encode() + body)
            status = int((await reader.readuntil(b"\r\n")).split()[1])
            length, chunked, close = 0, False, False
            for line in (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n"):
                name, _, value = line.partition(b":")
                name, value = name.strip().lower(), value.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"transfer-encoding":
                    chunked = b"chunked" in value
                elif name == b"connection":
                    close = value == b"close"
            if chunked:
                content = b""
                while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                    content += (await reader.readexactly(size + 2))[:-2]
                await reader.readuntil(b"\r\n")
            else:
                content = await reader.readexactly(length)
        except BaseException:
            writer.close()
            raise
        if close:
            writer.close()
        else:
            self.idle.append((reader, writer, time.monotonic()))
        return status, content

    async def aclose(self) -> None:
        for _, writer, _ in self.idle:
            writer.close()
        self.idle.clear()


# --- receivers ----------------------------------------------------------------------------------------------


class Member:
    """One member's connection: what it received of the measured run."""

    __slots__ = ("closed", "duplicates", "last_seq", "out_of_order", "room", "seen")

    def __init__(self, room: str) -> None:
        self.room = room
        self.seen: set[int] = set()
        self.duplicates = 0
        self.out_of_order = 0
        self.last_seq = -1
        self.closed: str | None = None


class Receiving:
    """Everything one receiver process records."""

    def __init__(self, run: str) -> None:
        self.run = run
        self.members: list[Member] = []
        self.latency_ms: list[float] = []
        self.first_ns = 0
        self.last_ns = 0
        self.limited = 0  # Synapse /sync responses that left messages out ("limited" timelines)
        self.measuring = False

    def record(self, member: Member, received_ns: int, match: re.Match[str]) -> None:
        if match[1] != self.run:
            return  # warm-up traffic
        n = int(match[2])
        if n in member.seen:
            member.duplicates += 1
            return
        member.seen.add(n)
        self.latency_ms.append((received_ns - int(match[3])) / 1e6)
        if not self.first_ns:
            self.first_ns = received_ns
        self.last_ns = max(self.last_ns, received_ns)


async def _read_socket(ws: ClientConnection, member: Member, rec: Receiving, *, check_seq: bool) -> None:
    try:
        async for raw in ws:
            received = time.monotonic_ns()
            text = raw if isinstance(raw, str) else raw.decode()
            match = BODY.search(text)
            if match is None or '"message.new"' not in text:
                continue
            if check_seq and (seq := SEQ.search(text)) is not None:
                value = int(seq[1])
                if value <= member.last_seq:
                    member.out_of_order += 1
                member.last_seq = value
            rec.record(member, received, match)
        member.closed = f"closed {ws.close_code} {ws.close_reason}".strip()
    except Exception as exc:
        member.closed = f"{type(exc).__name__}: {exc}"[:200]


async def _open_socket(url: str, first_frame: dict[str, Any], compression: str | None) -> ClientConnection:
    ws = await connect(url, open_timeout=60, max_queue=None, close_timeout=2, compression=compression)
    await ws.send(json.dumps(first_frame))
    hello = json.loads(await asyncio.wait_for(ws.recv(), 60))
    if hello.get("type") != "hello":
        await ws.close()
        raise RuntimeError(f"expected hello, got {str(hello)[:200]}")
    return ws


class SocketClients:
    """Staffroom (`{"type":"auth"}` first) and the broadcast peer (`{"type":"join"}` first)."""

    def __init__(self, rec: Receiving, check_seq: bool) -> None:
        self.rec, self.check_seq = rec, check_seq
        self.sockets: list[ClientConnection] = []
        self.tasks: list[asyncio.Task[None]] = []

    async def open(self, spec: dict[str, Any]) -> None:
        ws = await _open_socket(spec["url"], spec["first_frame"], spec.get("compression", "deflate"))
        member = Member(str(spec["room"]))
        self.rec.members.append(member)
        self.sockets.append(ws)
        self.tasks.append(asyncio.create_task(_read_socket(ws, member, self.rec, check_seq=self.check_seq)))

    async def close(self) -> None:
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        for task in self.tasks:
            task.cancel()


class SyncClients:
    """Synapse: each member long-polls /sync on a connection of its own, as a Matrix client does."""

    def __init__(self, rec: Receiving, filter_json: str) -> None:
        self.rec, self.filter_json = rec, filter_json
        self.clients: list[HttpClient] = []
        self.tasks: list[asyncio.Task[None]] = []

    async def open(self, spec: dict[str, Any]) -> None:
        http = HttpClient(spec["base_url"], timeout=120)
        self.clients.append(http)
        headers = {"Authorization": f"Bearer {spec['token']}"}
        status, content = await http.request(
            "GET", "/_matrix/client/v3/sync?" + urlencode({"filter": self.filter_json}), headers=headers
        )
        if status != 200:
            raise RuntimeError(f"initial /sync answered {status}: {content[:200]!r}")
        member = Member(str(spec["room"]))
        self.rec.members.append(member)
        since = json.loads(content)["next_batch"]
        self.tasks.append(asyncio.create_task(self._poll(http, member, headers, since, spec["room"])))

    async def _poll(self, http: HttpClient, member: Member, headers: dict[str, str], since: str, room: str) -> None:
        try:
            while True:
                query = urlencode({"filter": self.filter_json, "since": since, "timeout": "30000"})
                status, content = await http.request("GET", "/_matrix/client/v3/sync?" + query, headers=headers)
                received = time.monotonic_ns()
                if status != 200:
                    await asyncio.sleep(0.5)
                    continue
                data = json.loads(content)
                since = data["next_batch"]
                timeline = data.get("rooms", {}).get("join", {}).get(room, {}).get("timeline", {})
                if timeline.get("limited") and self.rec.measuring:
                    self.rec.limited += 1
                for event in timeline.get("events", ()):
                    body = event.get("content", {}).get("body", "")
                    match = BODY.search(f'"body":"{body}"')
                    if match is not None:
                        self.rec.record(member, received, match)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            member.closed = f"{type(exc).__name__}: {exc}"[:200]

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for http in self.clients:
            await http.aclose()


def receiver_main(conn: Connection, kind: str, specs: list[dict[str, Any]], run: str, filter_json: str) -> None:
    try:
        asyncio.run(_receiver(conn, kind, specs, run, filter_json))
    except Exception:
        conn.send(("error", traceback.format_exc()))


async def _receiver(conn: Connection, kind: str, specs: list[dict[str, Any]], run: str, filter_json: str) -> None:
    rec = Receiving(run)
    clients: SocketClients | SyncClients = (
        SyncClients(rec, filter_json) if kind == "synapse" else SocketClients(rec, check_seq=kind == "staffroom")
    )
    loop = asyncio.get_running_loop()

    async def next_command() -> tuple[Any, ...]:
        return await loop.run_in_executor(None, conn.recv)

    started, cpu_before = time.monotonic(), cpu_seconds()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    failures: list[str] = []

    async def open_one(spec: dict[str, Any]) -> None:
        async with gate:
            for attempt in range(3):
                try:
                    await clients.open(spec)
                    return
                except Exception as exc:
                    if attempt == 2:
                        failures.append(f"{type(exc).__name__}: {exc}"[:200])
                    await asyncio.sleep(0.5 * (attempt + 1))

    # First a tenth of the connections, so that the parent can read the server's memory after its one-time
    # costs (first requests, caches, pools) and count only what each further connection adds.
    primer = max(1, len(specs) // 10)
    await asyncio.gather(*(open_one(spec) for spec in specs[:primer]))
    conn.send(("primed", {"opened": len(rec.members)}))
    await next_command()
    await asyncio.gather(*(open_one(spec) for spec in specs[primer:]))
    conn.send(
        ("ready", {"opened": len(rec.members), "failed": len(failures), "failures": failures[:5],
                   "connect_seconds": time.monotonic() - started, "connect_cpu_seconds": cpu_seconds() - cpu_before})
    )  # fmt: skip
    command = await next_command()
    if command[0] == "go":
        rec.measuring = True
        cpu_go = cpu_seconds()
        command = await next_command()
        assert command[0] == "expect", command
        expected: dict[str, set[int]] = {room: set(numbers) for room, numbers in command[1].items()}
        deadline = time.monotonic() + float(command[2])

        def complete() -> bool:
            return all(expected.get(m.room, set()) <= m.seen or m.closed for m in rec.members)

        while not complete() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        cpu_measured = cpu_seconds() - cpu_go
        missing = sum(len(expected.get(m.room, set()) - m.seen) for m in rec.members)
        unexpected = sum(len(m.seen - expected.get(m.room, set())) for m in rec.members)
        conn.send(
            (
                "result",
                {
                    "members": len(rec.members),
                    "expected": sum(len(expected.get(m.room, set())) for m in rec.members),
                    "delivered": len(rec.latency_ms),
                    "missing": missing,
                    "unexpected": unexpected,
                    "duplicates": sum(m.duplicates for m in rec.members),
                    "out_of_order": sum(m.out_of_order for m in rec.members),
                    "limited": rec.limited,
                    "closed": [m.closed for m in rec.members if m.closed][:5],
                    "closed_count": sum(1 for m in rec.members if m.closed),
                    "latency_ms": rec.latency_ms,
                    "first_ns": rec.first_ns,
                    "last_ns": rec.last_ns,
                    "cpu_seconds": cpu_measured,
                },
            )
        )
        command = await next_command()
    await clients.close()


# --- the sender ---------------------------------------------------------------------------------------------


class Sending:
    def __init__(self) -> None:
        self.acked: dict[str, list[int]] = {}
        self.errors: list[str] = []
        self.error_count = 0
        self.round_trip_ms: list[float] = []
        self.late_ms: list[float] = []  # how long after its due time each send started

    def report(self) -> dict[str, Any]:
        return {
            "acked": self.acked,
            "sent": sum(len(v) for v in self.acked.values()) + self.error_count,
            "errors": self.error_count,
            "error_samples": self.errors[:8],
            "round_trip_ms": self.round_trip_ms,
            "late_ms": self.late_ms,
        }


Send = Callable[[int, str, str], Awaitable[None]]  # (message number, room, body) -> None; raises on failure


class StaffroomSender:
    """POST /api/v1/conversations/{id}/messages with the sending member's token, alternating between nodes."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.clients = [HttpClient(u) for u in spec["base_urls"]]
        self.rooms: dict[str, list[str]] = spec["senders"]  # conversation id -> tokens of its senders

    async def send(self, n: int, room: str, token: str, body: str, run: str) -> None:
        status, content = await self.clients[n % len(self.clients)].request(
            "POST",
            f"/api/v1/conversations/{room}/messages",
            body=json.dumps({"body": body, "client_id": f"bench-{run}-{n}"}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        if status != 201:
            raise RuntimeError(f"{status}: {content[:200].decode(errors='replace')}")

    async def close(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self.clients))


class BroadcastSender:
    """A `send` frame on one of a few sending sockets; answered with `sent` once the broadcast was written."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.url = spec["url"]
        self.rooms: dict[str, list[str]] = spec["senders"]  # room -> author ids
        self.sockets: list[ClientConnection] = []
        self.waiting: dict[str, asyncio.Future[None]] = {}
        self.readers: list[asyncio.Task[None]] = []

    async def start(self, count: int = 8) -> None:
        for _ in range(count):
            ws = await connect(self.url, open_timeout=30, max_queue=None)
            self.sockets.append(ws)
            self.readers.append(asyncio.create_task(self._read(ws)))

    async def _read(self, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for raw in ws:
                frame = json.loads(raw)
                future = self.waiting.pop(frame.get("client_id", ""), None)
                if future is not None and not future.done():
                    future.set_result(None)

    async def send(self, n: int, room: str, author: str, body: str, run: str) -> None:
        client_id = f"bench-{run}-{n}"
        future = self.waiting[client_id] = asyncio.get_running_loop().create_future()
        frame = {"type": "send", "room": int(room), "author": int(author), "body": body, "client_id": client_id}
        await self.sockets[n % len(self.sockets)].send(json.dumps(frame))
        await asyncio.wait_for(future, 60)

    async def close(self) -> None:
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        for task in self.readers:
            task.cancel()


class SynapseSender:
    """PUT /_matrix/client/v3/rooms/{room}/send/m.room.message/{txn} with the sending member's token."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.http = HttpClient(spec["base_url"])
        self.rooms: dict[str, list[str]] = spec["senders"]  # room id -> tokens

    async def send(self, n: int, room: str, token: str, body: str, run: str) -> None:
        status, content = await self.http.request(
            "PUT",
            f"/_matrix/client/v3/rooms/{quote(room, safe='')}/send/m.room.message/bench-{run}-{n}",
            body=json.dumps({"msgtype": "m.text", "body": body}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        if status != 200:
            raise RuntimeError(f"{status}: {content[:200].decode(errors='replace')}")

    async def close(self) -> None:
        await self.http.aclose()


async def _send_schedule(
    sender: StaffroomSender | BroadcastSender | SynapseSender, run: str, start_ns: int, count: int, rate: float
) -> Sending:
    """Send `count` messages at `rate` a second from `start_ns`, spread over the rooms in turn and, within a
    room, over its senders in turn; wait for every answer."""
    result = Sending()
    rooms = list(sender.rooms)

    async def one(n: int, due_ns: int) -> None:
        room = rooms[n % len(rooms)]
        senders = sender.rooms[room]
        who = senders[(n // len(rooms)) % len(senders)]
        started = time.monotonic_ns()
        result.late_ms.append((started - due_ns) / 1e6)
        try:
            await sender.send(n, room, who, body_text(run, n), run)
        except Exception as exc:
            result.error_count += 1
            if len(result.errors) < 50:
                result.errors.append(f"{type(exc).__name__}: {exc}"[:300])
            return
        result.round_trip_ms.append((time.monotonic_ns() - started) / 1e6)
        result.acked.setdefault(room, []).append(n)

    tasks = []
    for n in range(count):
        due = start_ns + int(n * 1e9 / rate)
        delay = (due - time.monotonic_ns()) / 1e9
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, due)))
    # A server that has stopped answering must not hold the run up: what is unanswered by then is an error.
    _, pending = await asyncio.wait(tasks, timeout=ANSWER_GRACE_SECONDS)
    for task in pending:
        task.cancel()
    if pending:
        result.error_count += len(pending)
        result.errors.append(f"{len(pending)} sends unanswered {ANSWER_GRACE_SECONDS} s after the last was due")
    return result


def sender_main(conn: Connection, kind: str, spec: dict[str, Any], run: str) -> None:
    try:
        asyncio.run(_sender(conn, kind, spec, run))
    except Exception:
        conn.send(("error", traceback.format_exc()))


async def _sender(conn: Connection, kind: str, spec: dict[str, Any], run: str) -> None:
    sender: StaffroomSender | BroadcastSender | SynapseSender
    if kind == "staffroom":
        sender = StaffroomSender(spec)
    elif kind == "broadcast":
        sender = BroadcastSender(spec)
        await sender.start()
    else:
        sender = SynapseSender(spec)
    loop = asyncio.get_running_loop()
    try:
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command[0] == "warm":
                _, count, rate = command
                warm = await _send_schedule(sender, "warm" + run, time.monotonic_ns(), count, rate)
                conn.send(("warmed", {"errors": warm.error_count, "error_samples": warm.errors[:3]}))
            elif command[0] == "go":
                _, start_ns, count, rate = command
                cpu_before = cpu_seconds()
                sent = await _send_schedule(sender, run, start_ns, count, rate)
                conn.send(("sent", {**sent.report(), "cpu_seconds": cpu_seconds() - cpu_before}))
            else:
                break
    finally:
        await sender.close()
