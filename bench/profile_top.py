"""Where a server's time went: the top functions of a py-spy profile in raw (collapsed) form.

    python bench/profile_top.py bench/results/profile-....txt [--top 15]

bench/fanout.py --profile records one with `py-spy record --format raw --idle --threads` while it measures.
Samples are grouped by thread: the event loop (MainThread) and the request threads (asgiref's and Channels'
thread pools run Django's synchronous code, database work included). A sample whose innermost frame is a wait
(the event loop's `select`, an idle pool thread, a lock) counts as idle; the rest is busy. Functions are
ranked by self time (innermost frame) and by total time (anywhere on the stack), as a percentage of the
busy samples of their thread group.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

LINE = re.compile(r"^thread \((?P<tid>\d+)\): (?P<stack>.*) (?P<count>\d+)$")
# Innermost frames (function, file) that mean the thread is waiting, not working. py-spy qualifies methods
# with their class (`Condition.wait`), so the last part of the name is compared.
IDLE_LEAVES = {
    ("select", "selectors.py"),
    ("wait", "threading.py"),
    ("_wait_for_tstate_lock", "threading.py"),
    ("_worker", "concurrent/futures/thread.py"),
    ("get", "queue.py"),
    # Under uvloop (uvicorn's loop here) the loop itself is C: waiting for I/O, and its own socket writes,
    # show as this frame. Its share is reported as `in_uvloop_percent`, not as busy Python.
    ("run", "asyncio/runners.py"),
}
LEAF = re.compile(r"^(?:.*\.)?(?P<function>[^.\s]+) \((?:.*/)?(?P<file>[^/]+/[^/]+\.py|[^/]+\.py):\d+\)$")


def is_idle(frame: str) -> bool:
    match = LEAF.match(frame)
    if match is None:
        return False
    function, file = match["function"], match["file"]
    return any(
        function == f and (file == name or file.endswith("/" + name) or name.endswith(file)) for f, name in IDLE_LEAVES
    )


def frame_name(frame: str) -> str:
    """`send_message (staffroom/messaging/actions.py:351)` -> `send_message (staffroom/messaging/actions.py)`,
    with site-packages paths shortened, so that lines of one function add up."""
    name = re.sub(r":\d+\)$", ")", frame)
    return re.sub(r"\(.*?(site-packages|lib/python3\.\d+)/", "(", name)


def summarise(path: Path, top: int = 15) -> dict[str, Any]:
    groups: dict[str, dict[str, Any]] = {}
    for raw in path.read_text().splitlines():
        match = LINE.match(raw)
        if match is None:
            continue
        frames = match["stack"].split(";")
        thread, frames = frames[0], frames[1:]
        group = "event loop" if thread.startswith("MainThread") else "request threads"
        count = int(match["count"])
        g = groups.setdefault(group, {"samples": 0, "idle": 0, "self": Counter(), "total": Counter(), "threads": set()})
        g["samples"] += count
        g["threads"].add(match["tid"])
        leaf = frames[-1] if frames else ""
        if not frames or is_idle(leaf):
            g["idle"] += count
            if leaf.startswith("Runner.run (") and "asyncio/runners.py" in leaf:
                g["uvloop"] = g.get("uvloop", 0) + count
            continue
        g["self"][frame_name(leaf)] += count
        for name in {frame_name(f) for f in frames}:
            g["total"][name] += count
    out: dict[str, Any] = {}
    for group, g in groups.items():
        busy = g["samples"] - g["idle"]
        out[group] = {
            "threads": len(g["threads"]),
            "samples": g["samples"],
            "busy_percent_of_samples": round(100 * busy / g["samples"], 1) if g["samples"] else 0.0,
            "in_uvloop_percent": round(100 * g.get("uvloop", 0) / g["samples"], 1) if g["samples"] else 0.0,
            "top_self": [(name, round(100 * n / busy, 1)) for name, n in g["self"].most_common(top)] if busy else [],
            "top_total": [(name, round(100 * n / busy, 1)) for name, n in g["total"].most_common(top)] if busy else [],
        }
    return out


def print_summary(summary: dict[str, Any]) -> None:
    for group, g in summary.items():
        print(
            f"\n{group}: {g['threads']} thread(s), {g['samples']} samples, busy (Python) in "
            f"{g['busy_percent_of_samples']}%, in uvloop's C code (I/O or waiting) {g['in_uvloop_percent']}%"
        )
        print("  self % of busy      function")
        for name, pct in g["top_self"]:
            print(f"  {pct:6.1f}             {name}")
        print("  total % of busy     function")
        for name, pct in g["top_total"]:
            print(f"  {pct:6.1f}             {name}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args()
    result = summarise(args.profile, args.top)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_summary(result)
