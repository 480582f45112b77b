"""Fan-out at trust scale: many distinct people, one socket each, against two peers measured in the same run.

    python bench/fanout.py conversation --members 100       # one conversation of 100 at 20 msg/s
    python bench/fanout.py conversation --members 1000      # one conversation of 1,000 at 20 msg/s
    python bench/fanout.py school-day                       # 1,000 people in 20-member groups, 100 msg/s
    python bench/fanout.py connected                        # 2,000 people connected to one node, 20 msg/s
    python bench/fanout.py idle                             # server memory per idle connection
    python bench/fanout.py conversation --postgres          # any of them on PostgreSQL + Redis, two nodes

Each system is started fresh, given the scenario's people, rooms and one connection per person, and measured in
turn, in one run: Staffroom, then the bare `websockets` broadcast server (bench/peers/broadcast.py), then Matrix
Synapse (bench/peers/synapse.py; installed from PyPI into bench/.peers/ on first use). Messages are sent by 10
members of each group taking turns, on a fixed schedule (open loop), each carrying its send time; the latency of
a delivery is its arrival minus that time. Load clients run in processes of their own, and their CPU time is
reported beside the servers'. Results: bench/results/fanout-<scenario>-<size>-<date>[-postgres].json, and a
Markdown table on stdout (the one docs/performance.md shows). See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import multiprocessing
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench import loadgen, procstat, profile_top  # noqa: E402
from bench.peers import synapse  # noqa: E402
from tests import servers  # noqa: E402

RESULTS_DIR = REPO_ROOT / "bench" / "results"
SENDERS_PER_GROUP = 10
WARM_UP_MESSAGES = 10
# The targets on a 2-core machine (docs/performance.md).
IDLE_CONNECTION_TARGET_BYTES = 30_000
PROFILE_RATE = 100  # py-spy samples a second


@dataclass(frozen=True)
class Scenario:
    name: str
    members: int  # people, each with one connection
    group_size: int
    rate: float  # messages a second, over all groups
    seconds: float

    @property
    def groups(self) -> int:
        return max(1, self.members // self.group_size)

    @property
    def messages(self) -> int:
        return round(self.rate * self.seconds)


@dataclass
class Plan:
    """What a system was given: one connection per person, and who sends in which room."""

    receivers: list[dict[str, Any]]
    sender: dict[str, Any]
    setup_seconds: float


@dataclass
class System:
    name: str
    kind: str  # staffroom, broadcast or synapse (which load clients to use)
    description: str
    server_pids: list[int]
    support_pids: dict[str, list[int]] = field(default_factory=dict)  # PostgreSQL, Redis


# --- the systems --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def staffroom(postgres: bool, nodes: int) -> Iterator[tuple[System, Any]]:
    with contextlib.ExitStack() as stack:
        database_url = redis_url = None
        support: dict[str, list[int]] = {}
        if postgres:
            pg = stack.enter_context(servers.postgresql())
            rd = stack.enter_context(servers.redis())
            database_url, redis_url = pg.url, rd.url
            postmaster = int((pg.data_dir / "postmaster.pid").read_text().split()[0])
            support = {"postgresql": [postmaster], "redis": [_pid_listening(rd.port)]}
        started = []
        for i in range(nodes if postgres else 1):
            started.append(
                stack.enter_context(
                    servers.staffroom_server(None, database_url, redis_url, name=f"bench-node{i}", prepare=i == 0)
                )
            )
        mode = f"PostgreSQL + Redis, {len(started)} nodes" if postgres else "embedded (SQLite, no channel layer)"
        system = System(
            name="Staffroom",
            kind="staffroom",
            description=f"Staffroom {git_revision()}, {mode}",
            server_pids=[s.process.pid for s in started if s.process is not None],
            support_pids=support,
        )
        yield system, started


def _pid_listening(port: int) -> int:
    """The process whose title names this port (redis-server sets `redis-server 127.0.0.1:PORT`)."""
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                title = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                if "redis-server" in title and f":{port}" in title:
                    return int(entry.name)
    raise RuntimeError(f"no redis-server on port {port}")


def staffroom_plan(nodes: list[servers.StaffroomServer], scenario: Scenario, prefix: str) -> Plan:
    started = time.monotonic()
    spec = {"prefix": prefix, "groups": scenario.groups, "members": scenario.group_size}
    code = (REPO_ROOT / "bench" / "staffroom_people.py").read_text()
    output = servers.run_staffroom(
        ["shell", "-c", code], env={**nodes[0].env, "BENCH_PEOPLE": json.dumps(spec)}, timeout=600
    )
    groups = json.loads(output.strip().splitlines()[-1])["groups"]
    receivers, senders = [], {}
    i = 0
    for group in groups:
        room = str(group["conversation_id"])
        for person in group["people"]:
            node = nodes[i % len(nodes)]
            i += 1
            receivers.append(
                {"url": node.ws_url, "first_frame": {"type": "auth", "token": person["token"]}, "room": room}
            )
        senders[room] = [p["token"] for p in group["people"][:SENDERS_PER_GROUP]]
    sender = {"base_urls": [n.base_url for n in nodes], "senders": senders}
    return Plan(receivers, sender, time.monotonic() - started)


@contextlib.contextmanager
def broadcast_peer() -> Iterator[tuple[System, str]]:
    port = servers.free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-broadcast-{port}.log"
    process = servers._start(
        [sys.executable, str(REPO_ROOT / "bench" / "peers" / "broadcast.py"), "--port", str(port)], log=log
    )
    try:
        servers.wait_until(
            lambda: _accepts(port), what="broadcast peer", timeout=20, process=process, log=log
        )  # fmt: skip
        import websockets

        yield (
            System(
                name="broadcast",
                kind="broadcast",
                description=f"bare broadcast server (websockets {websockets.__version__})",
                server_pids=[process.pid],
            ),
            f"ws://127.0.0.1:{port}/",
        )
    finally:
        servers._stop(process)
        log.unlink(missing_ok=True)


def _accepts(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


def broadcast_plan(url: str, scenario: Scenario) -> Plan:
    receivers, senders = [], {}
    for g in range(scenario.groups):
        room = str(g + 1)
        people = [g * scenario.group_size + m + 1 for m in range(scenario.group_size)]
        for person in people:
            receivers.append(
                {"url": url, "first_frame": {"type": "join", "person": person, "rooms": [g + 1]}, "room": room}
            )
        senders[room] = [str(p) for p in people[:SENDERS_PER_GROUP]]
    return Plan(receivers, {"url": url, "senders": senders}, 0.0)


@contextlib.contextmanager
def synapse_peer() -> Iterator[tuple[System, synapse.SynapseServer]]:
    with synapse.synapse_server() as hs:
        yield (
            System(
                name="Synapse",
                kind="synapse",
                description=f"Matrix Synapse {synapse.VERSION} (SQLite, one process, /sync long-polling)",
                server_pids=[hs.process.pid],
            ),
            hs,
        )


def synapse_plan(hs: synapse.SynapseServer, scenario: Scenario, prefix: str) -> Plan:
    started = time.monotonic()
    rooms = hs.populate(prefix=prefix, groups=scenario.groups, members=scenario.group_size)
    receivers, senders = [], {}
    for room in rooms:
        for person in room.people:
            receivers.append({"base_url": hs.base_url, "token": person["token"], "room": room.room_id})
        senders[room.room_id] = [p["token"] for p in room.people[:SENDERS_PER_GROUP]]
    return Plan(receivers, {"base_url": hs.base_url, "senders": senders}, time.monotonic() - started)


def py_spy() -> str:
    """py-spy, from PATH or installed once into bench/.peers/py-spy (from PyPI, with uv)."""
    found = shutil.which("py-spy")
    if found:
        return found
    venv = synapse.PEERS_DIR / "py-spy"
    binary = venv / "bin" / "py-spy"
    if not binary.exists():
        synapse.PEERS_DIR.mkdir(exist_ok=True)
        uv = synapse.uv_command()
        subprocess.run([*uv, "venv", "--python", sys.executable, str(venv)], check=True)
        subprocess.run([*uv, "pip", "install", "--python", str(venv / "bin" / "python"), "py-spy"], check=True)
    return str(binary)


def start_profiles(system: System, seconds: float, stem: str) -> list[tuple[subprocess.Popen[bytes], Path]]:
    """Record each server process with py-spy for `seconds`, twice at once: `-wall` keeps idle samples (where
    the time goes, waiting included: what latency is made of) and `-cpu` only running threads (what the CPU
    is spent on). Raw stacks, one line per thread and stack."""
    started = []
    for i, pid in enumerate(system.server_pids):
        for kind, extra in (("wall", ["--idle"]), ("cpu", [])):
            out = RESULTS_DIR / f"{stem}-node{i}-{kind}.txt"
            command = [py_spy(), "record", "--pid", str(pid), "--format", "raw", "--threads", "--nonblocking",
                       "--rate", str(PROFILE_RATE), "--duration", str(max(1, round(seconds))), "-o", str(out),
                       *extra]  # fmt: skip
            started.append((subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), out))
    return started


# --- measuring one system -----------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "p50_ms": round(percentile(ordered, 50), 2),
        "p90_ms": round(percentile(ordered, 90), 2),
        "p99_ms": round(percentile(ordered, 99), 2),
        "max_ms": round(ordered[-1], 2) if ordered else float("nan"),
    }


def _expect(conn: Any, *wanted: str, timeout: float) -> tuple[Any, ...]:
    if not conn.poll(timeout):
        raise TimeoutError(f"no {wanted} from a load process within {timeout:.0f} s")
    message = conn.recv()
    if message[0] == "error":
        raise RuntimeError(f"a load process failed:\n{message[1]}")
    if message[0] not in wanted:
        raise RuntimeError(f"expected {wanted}, got {message[0]}")
    return message


def measure(system: System, plan: Plan, scenario: Scenario, args: argparse.Namespace) -> dict[str, Any]:
    """Connect everyone, warm up, send on schedule, drain, and report what arrived and what it cost."""
    run = uuid.uuid4().hex[:8]
    ctx = multiprocessing.get_context("spawn")
    processes = args.client_processes or max(2, min(8, math.ceil(len(plan.receivers) / 250)))
    filter_json = json.dumps(synapse.sync_filter(), separators=(",", ":"))
    if args.no_compression:
        for spec in plan.receivers:
            spec["compression"] = None
    print(f"  {system.name}: {len(plan.receivers)} connections from {processes} processes...", file=sys.stderr)

    before = procstat.sample(system.server_pids)
    receivers = []
    for i in range(processes):
        parent, child = ctx.Pipe()
        share = plan.receivers[i::processes]
        proc = ctx.Process(target=loadgen.receiver_main, args=(child, system.kind, share, run, filter_json))
        proc.start()
        receivers.append((proc, parent))
    sender_proc = None
    try:
        primed = sum(_expect(conn, "primed", timeout=900)[1]["opened"] for _, conn in receivers)
        time.sleep(2)  # let the server settle before its memory is read
        at_primed = procstat.sample(system.server_pids)
        for _, conn in receivers:
            conn.send(("more",))
        ready = [_expect(conn, "ready", timeout=900)[1] for _, conn in receivers]
        opened = sum(r["opened"] for r in ready)
        time.sleep(2)
        connected = procstat.sample(system.server_pids)
        # What each connection past the first tenth added: the first ones also pay one-time costs.
        added = opened - primed
        per_connection = (connected.rss_bytes - at_primed.rss_bytes) / added if added > 0 else float("nan")
        result: dict[str, Any] = {
            "system": system.description,
            "connections": {
                "wanted": len(plan.receivers),
                "opened": opened,
                "failed": sum(r["failed"] for r in ready),
                "failure_samples": [f for r in ready for f in r["failures"]][:5],
                "connect_seconds": round(max(r["connect_seconds"] for r in ready), 2),
                "client_cpu_seconds": round(sum(r["connect_cpu_seconds"] for r in ready), 2),
                "server_rss_before_mb": round(before.rss_bytes / 1e6, 1),
                "server_rss_primed_mb": round(at_primed.rss_bytes / 1e6, 1),
                "primed_connections": primed,
                "server_rss_connected_mb": round(connected.rss_bytes / 1e6, 1),
                "server_rss_per_connection_kb": round(per_connection / 1e3, 1),
                "server_threads_connected": procstat.thread_count(system.server_pids),
            },
            "setup_seconds": round(plan.setup_seconds, 1),
        }
        if scenario.messages == 0:
            # Idle sockets are not free: each re-checks its credential every 30 s (a query in a thread).
            idle_before = procstat.sample(system.server_pids)
            time.sleep(scenario.seconds)
            idle_cpu = procstat.sample(system.server_pids).cpu_seconds - idle_before.cpu_seconds
            result["connections"]["server_idle_cpu_percent"] = round(100 * idle_cpu / scenario.seconds, 1)
            for _, conn in receivers:
                conn.send(("close",))
            return result

        parent, child = ctx.Pipe()
        sender_proc = ctx.Process(target=loadgen.sender_main, args=(child, system.kind, plan.sender, run))
        sender_proc.start()
        parent.send(("warm", WARM_UP_MESSAGES, 5.0))
        warm = _expect(parent, "warmed", timeout=300)[1]
        time.sleep(2)

        load_before = os.getloadavg()
        cpu_before = procstat.sample(system.server_pids)
        loop_before = procstat.main_thread_cpu_seconds(system.server_pids)
        support_before = {k: procstat.sample(v) for k, v in system.support_pids.items()}
        profiles = []
        if args.profile and system.kind == "staffroom":
            stem = f"profile-{scenario.name}-{scenario.members}-{dt.date.today().isoformat()}"
            profiles = start_profiles(system, scenario.seconds + 1, stem + ("-postgres" if args.postgres else ""))
        for _, conn in receivers:
            conn.send(("go",))
        start_ns = time.monotonic_ns() + 300_000_000
        parent.send(("go", start_ns, scenario.messages, scenario.rate))
        sent = _expect(parent, "sent", timeout=scenario.seconds + loadgen.ANSWER_GRACE_SECONDS + 120)[1]
        for _, conn in receivers:
            conn.send(("expect", sent["acked"], args.drain))
        results = [_expect(conn, "result", timeout=args.drain + 120)[1] for _, conn in receivers]
        cpu_after = procstat.sample(system.server_pids)
        loop_cpu = procstat.main_thread_cpu_seconds(system.server_pids) - loop_before
        support_after = {k: procstat.sample(v) for k, v in system.support_pids.items()}
        parent.send(("close",))
        for _, conn in receivers:
            conn.send(("close",))

        for process, path in profiles:
            process.wait(60)
            if path.exists():
                result.setdefault("profiles", {})[str(path.relative_to(REPO_ROOT))] = profile_top.summarise(path)
        latency = [x for r in results for x in r["latency_ms"]]
        delivered = sum(r["delivered"] for r in results)
        last_ns = max((r["last_ns"] for r in results), default=0)
        span = (last_ns - start_ns) / 1e9 if last_ns else float("nan")
        acked = sum(len(v) for v in sent["acked"].values())
        server_cpu = cpu_after.cpu_seconds - cpu_before.cpu_seconds
        receiver_cpu = sum(r["cpu_seconds"] for r in results)
        result.update(
            {
                "messages": {
                    "sent": sent["sent"],
                    "acknowledged": acked,
                    "errors": sent["errors"],
                    "error_samples": sent["error_samples"],
                    "warm_up_errors": warm["errors"],
                    "send_round_trip": summary(sent["round_trip_ms"]),
                    "sender_lateness": summary(sent["late_ms"]),
                },
                "deliveries": {
                    "expected": sum(r["expected"] for r in results),
                    "delivered": delivered,
                    "missing": sum(r["missing"] for r in results),
                    "duplicates": sum(r["duplicates"] for r in results),
                    "out_of_order": sum(r["out_of_order"] for r in results),
                    "unexpected": sum(r["unexpected"] for r in results),
                    "limited_syncs": sum(r["limited"] for r in results),
                    "connections_lost": sum(r["closed_count"] for r in results),
                    "lost_samples": [c for r in results for c in r["closed"]][:5],
                    "per_second": round(delivered / span, 1) if span and span > 0 else 0.0,
                    "last_delivery_after_s": round(span, 2),
                },
                "latency": summary(latency),
                "cpu": {
                    "server_seconds": round(server_cpu, 2),
                    "server_ms_per_message": round(1000 * server_cpu / acked, 2) if acked else float("nan"),
                    # The main thread: the event loop (sockets, fan-out); the rest is request and pool threads.
                    "server_main_thread_seconds": round(loop_cpu, 2),
                    "server_us_per_delivery": round(1e6 * server_cpu / delivered, 1) if delivered else float("nan"),
                    "support_seconds": {
                        k: round(support_after[k].cpu_seconds - support_before[k].cpu_seconds, 2)
                        for k in support_before
                    },
                    "receivers_seconds": round(receiver_cpu, 2),
                    "receivers_us_per_delivery": round(1e6 * receiver_cpu / delivered, 1) if delivered else None,
                    "sender_seconds": round(sent["cpu_seconds"], 2),
                    "client_processes": processes + 1,
                },
                "server_rss_after_mb": round(cpu_after.rss_bytes / 1e6, 1),
                # Memory grown since before the first connection, per connection, once messages have flowed
                # (compression buffers are touched only then); includes one-time costs.
                "server_rss_per_connection_after_run_kb": round(
                    (cpu_after.rss_bytes - before.rss_bytes) / opened / 1e3, 1
                )
                if opened
                else None,
                "loadavg_before": [round(x, 2) for x in load_before],
            }
        )
        return result
    finally:
        for _, conn in receivers:
            with contextlib.suppress(OSError):
                conn.send(("close",))
        for proc, _ in receivers:
            proc.join(30)
            if proc.is_alive():
                proc.kill()
        if sender_proc is not None:
            sender_proc.join(30)
            if sender_proc.is_alive():
                sender_proc.kill()


# --- the run ------------------------------------------------------------------------------------------------


def run_system(name: str, scenario: Scenario, args: argparse.Namespace, prefix: str) -> dict[str, Any]:
    print(f"{name}: starting and creating {scenario.members} people...", file=sys.stderr)
    if name == "staffroom":
        with staffroom(args.postgres, args.nodes) as (system, nodes):
            plan = staffroom_plan(nodes, scenario, prefix)
            try:
                result = measure(system, plan, scenario, args)
            except Exception:
                for node in nodes:
                    print(f"--- log of {node.name} ---\n{node.log(60)}", file=sys.stderr)
                raise
            result["server_errors_logged"] = logged_errors([node.log_path for node in nodes])
            return result
    if name == "broadcast":
        with broadcast_peer() as (system, url):
            return measure(system, broadcast_plan(url, scenario), scenario, args)
    if name == "synapse":
        try:
            with synapse_peer() as (system, hs):
                try:
                    return measure(system, synapse_plan(hs, scenario, prefix), scenario, args)
                except Exception:
                    print(f"--- Synapse log ---\n{hs.log()}", file=sys.stderr)
                    raise
        except synapse.SynapseUnavailable as exc:
            return {"system": f"Matrix Synapse {synapse.VERSION}", "unavailable": str(exc)}
    raise ValueError(name)


def logged_errors(paths: list[Path]) -> dict[str, int]:
    """What the servers logged at error level, counted by message and the exception's last line."""
    counts: dict[str, int] = {}
    for path in paths:
        with contextlib.suppress(OSError):
            for line in path.read_text(errors="replace").splitlines():
                with contextlib.suppress(ValueError):
                    entry = json.loads(line)
                    if isinstance(entry, dict) and entry.get("level") in ("error", "critical"):
                        exception = str(entry.get("exception", "")).strip().splitlines()
                        message = str(entry.get("message", ""))[:100]
                        key = (f"{message}: {exception[-1]}" if exception else message)[:200]
                        key = re.sub(r"\d+", "N", key)  # one count for every conversation's "/api/v1/.../N/..."
                        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def git_revision() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "src"], cwd=REPO_ROOT, capture_output=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty.strip() else "")


def targets(scenario: Scenario, results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets that apply to this scenario, each with the measured value and whether it was met."""
    ours, bare = results.get("staffroom", {}), results.get("broadcast", {})
    checks = []
    if scenario.messages:
        p99 = ours.get("latency", {}).get("p99_ms", float("nan"))
        errors = ours.get("messages", {}).get("errors", 0) + ours.get("deliveries", {}).get("missing", 0)
        if scenario.name == "conversation" and scenario.members <= 100:
            checks.append({"target": "p99 <= 100 ms with zero errors", "measured": f"p99 {p99} ms, {errors} errors",
                           "met": p99 <= 100 and errors == 0})  # fmt: skip
        if scenario.name == "conversation" and scenario.members >= 1000 and bare.get("latency"):
            bare_p99, bare_rate = bare["latency"]["p99_ms"], bare["deliveries"]["per_second"]
            rate = ours.get("deliveries", {}).get("per_second", 0)
            checks.append(
                {
                    "target": "p99 within 2x the broadcast server's",
                    "measured": f"{p99} vs {bare_p99} ms ({p99 / bare_p99:.2f}x)",
                    "met": p99 <= 2 * bare_p99,
                }
            )
            checks.append(
                {
                    "target": "deliveries/s within 80% of the broadcast server's",
                    "measured": f"{rate} vs {bare_rate} ({rate / bare_rate:.0%})",
                    "met": rate >= 0.8 * bare_rate,
                }
            )
        if scenario.name == "school-day":
            checks.append({"target": "p99 <= 50 ms", "measured": f"{p99} ms", "met": p99 <= 50})
        if scenario.name == "connected":
            checks.append({"target": "p99 <= 200 ms", "measured": f"{p99} ms", "met": p99 <= 200})
    per = ours.get("connections", {}).get("server_rss_per_connection_kb")
    if per is not None and scenario.name in ("idle", "connected"):
        checks.append({"target": "idle connection <= 30 KB", "measured": f"{per} KB",
                       "met": per * 1000 <= IDLE_CONNECTION_TARGET_BYTES})  # fmt: skip
    return checks


def ratio(a: Any, b: Any) -> str:
    try:
        return f"{a / b:.2f}x" if b else "-"
    except TypeError:
        return "-"


def table(result: dict[str, Any]) -> str:
    """The Markdown table of one run: a column per system, then Staffroom's ratio to each peer."""
    systems = [k for k in ("staffroom", "broadcast", "synapse") if k in result["systems"]]
    names = {"staffroom": "Staffroom", "broadcast": "bare broadcast", "synapse": "Synapse"}
    peers = [k for k in systems if k != "staffroom" and "unavailable" not in result["systems"][k]]

    def get(system: str, *path: str) -> Any:
        value: Any = result["systems"][system]
        for key in path:
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return value

    rows: list[tuple[str, tuple[str, ...], str]] = [
        ("connections opened", ("connections", "opened"), "{}"),
        ("server RSS per connection (KB)", ("connections", "server_rss_per_connection_kb"), "{}"),
    ]
    if not result["scenario"]["messages"]:
        rows.append(
            ("server CPU with every connection idle (% of a core)", ("connections", "server_idle_cpu_percent"), "{}")
        )
    if result["scenario"]["messages"]:
        rows += [
            ("messages acknowledged / sent", ("messages",), "acked"),
            ("send errors", ("messages", "errors"), "{}"),
            ("delivery p50 (ms)", ("latency", "p50_ms"), "{}"),
            ("delivery p90 (ms)", ("latency", "p90_ms"), "{}"),
            ("delivery p99 (ms)", ("latency", "p99_ms"), "{}"),
            ("delivery max (ms)", ("latency", "max_ms"), "{}"),
            ("delivered / expected", ("deliveries",), "delivered"),
            ("deliveries per second", ("deliveries", "per_second"), "{}"),
            ("send round trip p99 (ms)", ("messages", "send_round_trip", "p99_ms"), "{}"),
            ("server RSS per connection after the run (KB)", ("server_rss_per_connection_after_run_kb",), "{}"),
            ("server CPU per message (ms)", ("cpu", "server_ms_per_message"), "{}"),
            ("server CPU per delivery (us)", ("cpu", "server_us_per_delivery"), "{}"),
            ("load clients' CPU (s)", ("cpu",), "clients"),
        ]
    header = "| | " + " | ".join(names[s] for s in systems)
    header += "".join(f" | Staffroom / {names[p]}" for p in peers) + " |"
    lines = [header, "|---" * (1 + len(systems) + len(peers)) + "|"]
    for label, path, how in rows:
        cells, raw = [], {}
        for s in systems:
            if "unavailable" in result["systems"][s]:
                cells.append("unavailable")
                continue
            value = get(s, *path)
            if how == "acked" and value:
                cells.append(f"{value['acknowledged']} / {value['sent']}")
            elif how == "delivered" and value:
                cells.append(f"{value['delivered']} / {value['expected']}")
            elif how == "clients" and value:
                cells.append(f"{value['receivers_seconds'] + value['sender_seconds']:.1f}")
            else:
                cells.append("-" if value is None else str(value))
                raw[s] = value
        ratios = [ratio(raw.get("staffroom"), raw.get(p)) if how == "{}" else "" for p in peers]
        lines.append(f"| {label} | " + " | ".join(cells) + "".join(f" | {r}" for r in ratios) + " |")
    return "\n".join(lines)


SCENARIOS = {
    # name: (members, group size (0: everyone in one), rate, seconds)
    "conversation": (100, 0, 20.0, 20.0),
    "school-day": (1000, 20, 100.0, 20.0),
    "connected": (2000, 20, 20.0, 20.0),
    "idle": (1000, 20, 0.0, 60.0),  # no messages; server CPU is read over `seconds` of idleness
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--members", type=int, help="people, one connection each (scenario's default)")
    parser.add_argument("--group-size", type=int, help="members per conversation (scenario's default)")
    parser.add_argument("--rate", type=float, help="messages a second over all conversations")
    parser.add_argument("--seconds", type=float, help="length of the measured phase")
    parser.add_argument("--drain", type=float, default=15, help="seconds to wait for late deliveries (15)")
    parser.add_argument("--peers", default="broadcast,synapse", help="comma-separated: broadcast, synapse, or none")
    parser.add_argument("--postgres", action="store_true", help="Staffroom on PostgreSQL + Redis")
    parser.add_argument("--nodes", type=int, default=2, help="Staffroom nodes with --postgres (2)")
    parser.add_argument(
        "--no-compression", action="store_true", help="receivers do not offer permessage-deflate (sockets only)"
    )
    parser.add_argument("--profile", action="store_true", help="record Staffroom with py-spy while measuring")
    parser.add_argument("--client-processes", type=int, default=0, help="receiver processes (1 per 250, 2-8)")
    parser.add_argument("--output", type=Path, help="the JSON to write (default bench/results/...)")
    args = parser.parse_args()

    members, group_size, rate, seconds = SCENARIOS[args.scenario]
    members = args.members or members
    group_size = args.group_size or group_size or members
    scenario = Scenario(
        name=args.scenario,
        members=members,
        group_size=min(group_size, members),
        rate=args.rate if args.rate is not None else rate,
        seconds=args.seconds if args.seconds is not None else seconds,
    )
    if scenario.messages and scenario.rate / scenario.groups / min(SENDERS_PER_GROUP, scenario.group_size) > 3:
        parser.error("that rate would pass Staffroom's send limit (3 messages a second per person)")
    peers = [p for p in args.peers.split(",") if p and p != "none"]
    unknown = set(peers) - {"broadcast", "synapse"}
    if unknown:
        parser.error(f"unknown peers: {', '.join(sorted(unknown))}")

    prefix = uuid.uuid4().hex[:6]
    started = time.monotonic()
    load_at_start = os.getloadavg()
    results: dict[str, dict[str, Any]] = {}
    for name in ["staffroom", *peers]:
        try:
            results[name] = run_system(name, scenario, args, prefix)
        except Exception as exc:
            # One system failing (a peer that collapses, say) must not lose the others' figures.
            traceback.print_exc()
            results[name] = {"system": name, "unavailable": f"the run failed: {type(exc).__name__}: {exc}"[:500]}
    result: dict[str, Any] = {
        "benchmark": "fanout",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "revision": git_revision(),
        "command": "python bench/fanout.py " + " ".join(sys.argv[1:]),
        "scenario": {
            "name": scenario.name,
            "members": scenario.members,
            "group_size": scenario.group_size,
            "groups": scenario.groups,
            "rate_per_second": scenario.rate,
            "seconds": scenario.seconds,
            "messages": scenario.messages,
            "senders_per_group": min(SENDERS_PER_GROUP, scenario.group_size),
            "staffroom_mode": f"postgresql+redis, {args.nodes} nodes" if args.postgres else "embedded",
            "compression": "off" if args.no_compression else "permessage-deflate offered by clients",
        },
        "machine": {
            "nproc": len(os.sched_getaffinity(0)),
            "loadavg_at_start": [round(x, 2) for x in load_at_start],
            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
            "python": sys.version.split()[0],
        },
        "wall_seconds": round(time.monotonic() - started, 1),
        "systems": results,
    }
    result["targets"] = targets(scenario, results)

    machine = result["machine"]
    print(
        f"\nfanout {scenario.name}: {scenario.members} people in {scenario.groups} conversation(s) of "
        f"{scenario.group_size}, {scenario.rate:g} msg/s for {scenario.seconds:g} s; Staffroom "
        f"{result['scenario']['staffroom_mode']}; load average {machine['loadavg_at_start']} at start, "
        f"{machine['loadavg_at_end']} at end, {machine['nproc']} processors\n"
    )
    print(table(result))
    for check in result["targets"]:
        print(f"\ntarget {check['target']}: {check['measured']} -> {'met' if check['met'] else 'NOT met'}", end="")
    print()
    suffix = "-postgres" if args.postgres else ""
    output = args.output or RESULTS_DIR / (
        f"fanout-{scenario.name}-{scenario.members}-{dt.date.today().isoformat()}{suffix}.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {output.relative_to(REPO_ROOT) if output.is_relative_to(REPO_ROOT) else output}")
    return 0 if all(c["met"] for c in result["targets"]) else 1


if __name__ == "__main__":
    sys.exit(main())
