"""CPU time and memory of server processes, read from /proc (Linux), so the benchmarks need no extra library.

A server is measured as a set of process groups (every benchmark process is started in its own group), so a
server's worker children (PostgreSQL backends, for example) count with it; the CPU of children that have
exited is in their parent's `cutime`/`cstime`, which is counted too.
"""

from __future__ import annotations

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


def group_members(pgid: int) -> list[int]:
    """Live processes whose process group is `pgid`."""
    members = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[2]) == pgid:  # field 5 of /proc/pid/stat: pgrp
                members.append(int(entry.name))
    return members


def sample(pgids: list[int]) -> Sample:
    """CPU seconds and RSS of every process in these process groups, now."""
    ticks = rss_pages = count = 0
    for pgid in pgids:
        for pid in group_members(pgid):
            fields = _stat_fields(pid)
            if fields is None:
                continue
            # utime, stime, cutime, cstime are fields 14-17; rss (pages) is field 24.
            ticks += sum(int(x) for x in fields[11:15])
            rss_pages += int(fields[21])
            count += 1
    return Sample(ticks / CLOCK_TICKS, rss_pages * PAGE_SIZE, count)


def pgid_of(pid: int) -> int:
    return os.getpgid(pid)
