"""How long a message takes from `POST .../messages` to every open /ws/events socket of the conversation.

Starts its own Staffroom server (embedded by default; `--redis` for PostgreSQL + Redis), opens `--clients`
sockets for the staff of the trust-wide "Staffroom" channel (several sockets per person, like several tabs),
and posts `--rate` messages a second for `--seconds` through the API, each with a client_id and its send time
(time.monotonic_ns) in the body. Latency is receipt time minus send time, per delivery.

Figures are reported as ratios against baselines measured in the same run, on the same server:
  - `healthz`: round trip of GET /healthz with no load (the floor of any request to this server);
  - `one_client`: the same sender and rate with a single socket open.
Results go to bench/results/ws_latency-<date>[-redis].json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests import servers  # noqa: E402  (the repository root is not on sys.path when run as a script)

RESULTS_DIR = REPO_ROOT / "bench" / "results"
CHANNEL = "Staffroom"
# Active staff in the demo's trust-wide channel; they take turns to send, because the send limit is
# 30 messages per person per 10 seconds.
STAFF = ["admin", "head", "dsl", "teacher1", "teacher2", "ta1", "governor1", "dpo", "office1"]
SEND_LIMIT_PER_SECOND = 30 / 10
BODY = re.compile(r"^bench (?P<run>\w+) #(?P<n>\d+) t=(?P<t>\d+)")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(values_ms: list[float]) -> dict[str, float | int]:
    return {
        "count": len(values_ms),
        "p50_ms": round(percentile(values_ms, 50), 3),
        "p90_ms": round(percentile(values_ms, 90), 3),
        "p99_ms": round(percentile(values_ms, 99), 3),
        "max_ms": round(max(values_ms), 3) if values_ms else float("nan"),
    }


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("nan")


# --- one measured phase -------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    clients: int
    sent: int = 0
    send_errors: list[str] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)  # the sender's HTTP round trip
    latency_ms: list[float] = field(default_factory=list)  # send -> receipt, one per delivery
    delivered: int = 0
    duplicates: int = 0
    seq_gaps: int = 0

    @property
    def expected(self) -> int:
        return (self.sent - len(self.send_errors)) * self.clients

    def report(self) -> dict[str, Any]:
        return {
            "clients": self.clients,
            "messages_sent": self.sent,
            "send_errors": len(self.send_errors),
            "send_error_samples": self.send_errors[:5],
            "deliveries_expected": self.expected,
            "deliveries": self.delivered,
            "duplicates": self.duplicates,
            "seq_gaps": self.seq_gaps,
            "delivery_latency": summary(self.latency_ms),
            "post_round_trip": summary(self.post_ms),
        }


class Listener:
    """One socket: records the latency of every bench message it receives, and checks seq continuity."""

    def __init__(self, ws: ClientConnection, seq: int, run: str, phase: Phase) -> None:
        self.ws, self.seq, self.run, self.phase = ws, seq, run, phase
        self.seen: set[int] = set()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                received = time.monotonic_ns()
                event = json.loads(raw)
                if "seq" in event and event["type"] != "pong":
                    if event["seq"] != self.seq + 1:
                        self.phase.seq_gaps += 1
                    self.seq = event["seq"]
                if event.get("type") != "message.new":
                    continue
                match = BODY.match(event["message"]["body"])
                if match is None or match["run"] != self.run:
                    continue
                number = int(match["n"])
                if number in self.seen:
                    self.phase.duplicates += 1
                    continue
                self.seen.add(number)
                self.phase.delivered += 1
                self.phase.latency_ms.append((received - int(match["t"])) / 1e6)

    async def close(self) -> None:
        await self.ws.close()
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def open_socket(server: servers.StaffroomServer, token: str) -> tuple[ClientConnection, int]:
    ws = await connect(server.ws_url, open_timeout=20, max_queue=None)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    hello = json.loads(await asyncio.wait_for(ws.recv(), 20))
    if hello.get("type") != "hello":
        raise RuntimeError(f"expected hello, got {hello}")
    return ws, int(hello["seq"])


async def run_phase(
    server: servers.StaffroomServer,
    tokens: dict[str, str],
    conversation_id: int,
    *,
    name: str,
    clients: int,
    rate: float,
    seconds: float,
) -> Phase:
    phase = Phase(name=name, clients=clients)
    run = uuid.uuid4().hex[:8]
    people = list(tokens)
    opened = await asyncio.gather(*(open_socket(server, tokens[people[i % len(people)]]) for i in range(clients)))
    listeners = [Listener(ws, seq, run, phase) for ws, seq in opened]
    count = max(1, round(rate * seconds))
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:

        async def send(n: int) -> None:
            sender = people[n % len(people)]
            sent_at = time.monotonic_ns()
            try:
                response = await http.post(
                    f"/api/v1/conversations/{conversation_id}/messages",
                    json={"body": f"bench {run} #{n} t={sent_at}", "client_id": f"bench-{run}-{n}"},
                    headers={"Authorization": f"Bearer {tokens[sender]}"},
                )
            except httpx.HTTPError as exc:
                phase.send_errors.append(f"{type(exc).__name__}: {exc}")
                return
            phase.post_ms.append((time.monotonic_ns() - sent_at) / 1e6)
            if response.status_code != 201:
                phase.send_errors.append(f"{response.status_code}: {response.text[:200]}")

        # Open loop: each send starts on schedule even if earlier ones are slow, so a slow server cannot
        # hide its slowness by making the sender wait (coordinated omission).
        start = time.monotonic()
        tasks = []
        for n in range(count):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(n)))
            phase.sent += 1
        await asyncio.gather(*tasks)
    deadline = time.monotonic() + 10
    while phase.delivered < phase.expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # let any duplicate arrive before the sockets close
    await asyncio.gather(*(listener.close() for listener in listeners))
    return phase


async def healthz_round_trips(server: servers.StaffroomServer, count: int) -> list[float]:
    """Sequential GET /healthz round trips on a kept-alive connection: the server's floor for any request."""
    timings = []
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        for _ in range(5):
            await http.get("/healthz")  # warm the connection
        for _ in range(count):
            started = time.monotonic_ns()
            response = await http.get("/healthz")
            timings.append((time.monotonic_ns() - started) / 1e6)
            response.raise_for_status()
    return timings


def find_channel(server: servers.StaffroomServer, token: str) -> int:
    status, body = servers.http_json("GET", server.url("/api/v1/conversations"), token=token)
    if status != 200:
        raise RuntimeError(f"GET /api/v1/conversations answered {status}: {body}")
    for conversation in body["items"]:
        if conversation["title"] == CHANNEL and conversation["kind"] == "channel":
            return int(conversation["id"])
    raise RuntimeError(f"no {CHANNEL!r} channel in the demo organisation")


# --- the run ------------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def git_revision() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty.strip() else "")


async def measure(server: servers.StaffroomServer, args: argparse.Namespace) -> dict[str, Any]:
    tokens = server.tokens(STAFF)
    channel = find_channel(server, tokens["admin"])
    # Warm up: first requests compile templates, open connections, fill caches.
    await run_phase(server, tokens, channel, name="warm-up", clients=2, rate=5, seconds=1)
    healthz = await healthz_round_trips(server, args.healthz_samples)
    one = await run_phase(
        server, tokens, channel, name="one client", clients=1, rate=args.rate, seconds=args.baseline_seconds
    )
    load_before = machine()["loadavg"]
    many = await run_phase(
        server, tokens, channel, name=f"{args.clients} clients", clients=args.clients, rate=args.rate,
        seconds=args.seconds,
    )  # fmt: skip
    healthz_after = await healthz_round_trips(server, args.healthz_samples)
    main, single = many.report(), one.report()
    base = summary(healthz)
    return {
        "benchmark": "ws_latency",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "revision": git_revision(),
        "mode": "postgresql+redis" if args.redis else "embedded (sqlite, in-memory channel layer)",
        "parameters": {
            "clients": args.clients,
            "rate_per_second": args.rate,
            "seconds": args.seconds,
            "baseline_seconds": args.baseline_seconds,
            "senders": len(STAFF),
            "people_listening": min(args.clients, len(STAFF)),
        },
        "machine": {**machine(), "loadavg_before_main_phase": load_before},
        "baseline": {
            "healthz_round_trip": base,
            "healthz_round_trip_after": summary(healthz_after),
            "one_client": single,
        },
        "result": main,
        "ratios": {
            "p50_vs_one_client_p50": ratio(main["delivery_latency"]["p50_ms"], single["delivery_latency"]["p50_ms"]),
            "p99_vs_one_client_p99": ratio(main["delivery_latency"]["p99_ms"], single["delivery_latency"]["p99_ms"]),
            "p50_vs_healthz_p50": ratio(main["delivery_latency"]["p50_ms"], base["p50_ms"]),
            "p99_vs_healthz_p50": ratio(main["delivery_latency"]["p99_ms"], base["p50_ms"]),
            "post_p50_vs_healthz_p50": ratio(main["post_round_trip"]["p50_ms"], base["p50_ms"]),
        },
    }


def print_report(result: dict[str, Any]) -> None:
    m, r, b = result["machine"], result["result"], result["baseline"]
    lat, one, hz = r["delivery_latency"], b["one_client"]["delivery_latency"], b["healthz_round_trip"]
    print(f"\nws_latency  {result['mode']}  revision {result['revision']}")
    print(
        f"machine     nproc {m['nproc']}, load average {m['loadavg']} "
        f"(before the main phase {m['loadavg_before_main_phase']})"
    )
    p = result["parameters"]
    print(
        f"load        {p['clients']} sockets, {p['rate_per_second']} msg/s for {p['seconds']} s, {p['senders']} senders"
    )
    print(f"{'':30} {'p50':>9} {'p90':>9} {'p99':>9} {'max':>9}   (ms)")
    for label, s in (
        ("GET /healthz (baseline)", hz),
        ("delivery, 1 socket (baseline)", one),
        (f"delivery, {p['clients']} sockets", lat),
        ("POST message round trip", r["post_round_trip"]),
    ):
        print(f"{label:30} {s['p50_ms']:9.2f} {s['p90_ms']:9.2f} {s['p99_ms']:9.2f} {s['max_ms']:9.2f}")
    print(
        f"delivered   {r['deliveries']}/{r['deliveries_expected']} "
        f"(duplicates {r['duplicates']}, seq gaps {r['seq_gaps']}, send errors {r['send_errors']})"
    )
    ratios = result["ratios"]
    print(
        f"ratios      p50 {ratios['p50_vs_one_client_p50']}x and p99 {ratios['p99_vs_one_client_p99']}x one socket's; "
        f"p50 {ratios['p50_vs_healthz_p50']}x a /healthz round trip"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50, help="open sockets (default 50)")
    parser.add_argument("--rate", type=float, default=5, help="messages per second (default 5)")
    parser.add_argument("--seconds", type=float, default=20, help="length of the measured phase (default 20)")
    parser.add_argument("--baseline-seconds", type=float, default=5, help="length of the one-socket baseline")
    parser.add_argument("--healthz-samples", type=int, default=200, help="GET /healthz round trips to time")
    parser.add_argument("--redis", action="store_true", help="run on PostgreSQL + Redis instead of embedded")
    parser.add_argument("--output", type=Path, help="where to write the JSON (default bench/results/...)")
    args = parser.parse_args()
    if args.rate > SEND_LIMIT_PER_SECOND * len(STAFF):
        parser.error(f"--rate above {SEND_LIMIT_PER_SECOND * len(STAFF):.0f}/s would hit the per-person send limit")

    with contextlib.ExitStack() as stack:
        database_url = redis_url = None
        if args.redis:
            try:
                database_url = stack.enter_context(servers.postgresql()).url
                redis_url = stack.enter_context(servers.redis()).url
            except servers.ServiceMissing as exc:
                print(f"--redis: {exc}", file=sys.stderr)
                return 2
        print("Starting a Staffroom server (migrate, seed the demo organisation, serve)...", file=sys.stderr)
        server = stack.enter_context(servers.staffroom_server(None, database_url, redis_url, name="bench"))
        result = asyncio.run(measure(server, args))

    print_report(result)
    suffix = "-redis" if args.redis else ""
    output = args.output or RESULTS_DIR / f"ws_latency-{dt.date.today().isoformat()}{suffix}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {output.relative_to(REPO_ROOT) if output.is_relative_to(REPO_ROOT) else output}")
    complete = result["result"]["deliveries"] == result["result"]["deliveries_expected"]
    clean = not (result["result"]["duplicates"] or result["result"]["seq_gaps"] or result["result"]["send_errors"])
    return 0 if complete and clean else 1


if __name__ == "__main__":
    sys.exit(main())
