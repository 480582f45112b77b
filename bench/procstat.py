"""CPU time and memory of server processes, read from /proc (Linux), so the benchmarks need no extra library.

A server is measured as process trees: each root process and all its descendants, so a server's worker children
(PostgreSQL backends, which put themselves in sessions of their own, for example) count with it; the CPU of
children that have exited is in their parent's `cutime`/`cstime`, which is counted too.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Sample:
    cpu_seconds: float  # user + system, of the group's live processes and their reaped children
    rss_bytes: int  # resident memory of the group's live processes, summed
    processes: int


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses; everything after the last ')' is fixed.
    return raw[raw.rindex(")") + 2 :].split()


def descendants(roots: list[int]) -> list[int]:
    """These processes and every live process below them."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry.name))  # field 4 of stat: ppid
    found, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def sample(roots: list[int]) -> Sample:
    """CPU seconds and RSS of these processes and their descendants, now."""
    ticks = rss_pages = count = 0
    for pid in descendants(roots):
        fields = _stat_fields(pid)
        if fields is None:
            continue
        # utime, stime, cutime, cstime are fields 14-17; rss (pages) is field 24.
        ticks += sum(int(x) for x in fields[11:15])
        rss_pages += int(fields[21])
        count += 1
    return Sample(ticks / CLOCK_TICKS, rss_pages * PAGE_SIZE, count)


def main_thread_cpu_seconds(pids: list[int]) -> float:
    """CPU seconds of the main thread of each process (for an asyncio server: its event loop), summed."""
    total = 0
    for pid in pids:
        try:
            raw = Path(f"/proc/{pid}/task/{pid}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def thread_count(pids: list[int]) -> int:
    """Threads of these processes (not their children), summed."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += len(os.listdir(f"/proc/{pid}/task"))
    return total
