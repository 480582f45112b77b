"""Print the Markdown tables of fan-out results again (for docs/performance.md), from their JSON files.

python bench/fanout_report.py bench/results/fanout-*.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fanout import table


def describe(result: dict) -> str:  # type: ignore[type-arg]
    s, m = result["scenario"], result["machine"]
    return (
        f"`{result['command']}` ({result['date'][:16].replace('T', ' ')} UTC, revision {result['revision']}): "
        f"{s['members']} people in {s['groups']} conversation(s) of {s['group_size']}, {s['rate_per_second']:g} "
        f"msg/s for {s['seconds']:g} s; Staffroom {s['staffroom_mode']}; load average {m['loadavg_at_start'][0]} "
        f"at the start and {m['loadavg_at_end'][0]} at the end on {m['nproc']} processors."
    )


def main() -> None:
    for path in sys.argv[1:]:
        result = json.loads(Path(path).read_text())
        print(f"\n{describe(result)}\n")
        print(table(result))
        for check in result.get("targets", []):
            print(f"\n- Target {check['target']}: {check['measured']}, {'met' if check['met'] else '**not met**'}.")


if __name__ == "__main__":
    main()
