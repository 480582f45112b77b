"""How long a roster import holds the organisation: a school's first import, and the same roster again.

    python bench/roster_import.py [--pupils 1000] [--classes-each 10]

Writes a OneRoster 1.1 roster of `--pupils` pupils (each in `--classes-each` classes), one teacher to every two
classes and a class channel each, into a fresh embedded data directory, then runs `staffroom import_roster` on
it three times: `--dry-run` (the baseline in the same run: reading and planning, no writes), the first import
(everyone and everything added, in one transaction) and a second import (nothing to change). While the first
runs, the organisation's other changes wait (SQLite: every writer, up to its 20 s busy timeout). Results:
bench/results/roster-import-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.rosters.conftest import enrollment, roster, school_class, user, write  # noqa: E402

RESULTS_DIR = REPO_ROOT / "bench" / "results"
CREATE_ORGANISATION = "from staffroom.accounts.models import Organisation; Organisation.objects.create(slug='bench')"


def staffroom(data_dir: Path, *args: str) -> tuple[float, str]:
    """Run a `staffroom` command against `data_dir`; (seconds, stdout)."""
    env = {**os.environ, "STAFFROOM_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO_ROOT / "src")}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "staffroom.cli", *args], env=env, capture_output=True, text=True, check=False
    )
    took = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"staffroom {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return took, done.stdout


def synthetic(pupils: int, classes_each: int) -> dict[str, bytes]:
    classes = max(classes_each, pupils // 7)
    teachers = max(1, classes // 2)
    users = [user(f"t-{i:04d}", "teacher") for i in range(teachers)]
    users += [user(f"p-{i:05d}") for i in range(pupils)]
    rows = [enrollment(f"c-{i:04d}", f"t-{i % teachers:04d}", "teacher") for i in range(classes)]
    rows += [
        enrollment(f"c-{(i * 7 + k) % classes:04d}", f"p-{i:05d}") for i in range(pupils) for k in range(classes_each)
    ]
    return roster(
        users=users, classes=[school_class(f"c-{i:04d}", f"Class {i}") for i in range(classes)], enrollments=rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pupils", type=int, default=1000)
    parser.add_argument("--classes-each", type=int, default=10)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="staffroom-roster-bench-") as tmp:
        data_dir, folder = (
            Path(tmp) / "data",
            write(Path(tmp) / "roster", synthetic(options.pupils, options.classes_each)),
        )
        staffroom(data_dir, "migrate", "-v0")
        staffroom(
            data_dir,
            "shell",
            "-c",
            CREATE_ORGANISATION,
        )
        runs = {}
        for name, args in (("dry_run", ["--dry-run"]), ("first", []), ("second", [])):
            seconds, out = staffroom(data_dir, "import_roster", str(folder), *args)
            counts = json.loads(out)
            runs[name] = {"seconds": round(seconds, 2), **{k: counts[k] for k in ("created", "classes", "errors")}}
            print(f"{name:8} {seconds:7.2f} s  created {counts['created']:5}  classes {counts['classes']:4}")
    result = {
        "pupils": options.pupils,
        "classes_each": options.classes_each,
        "runs": runs,
        "first_over_dry_run": round(runs["first"]["seconds"] / runs["dry_run"]["seconds"], 1),
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"roster-import-{dt.date.today().isoformat()}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"first import / dry run: {result['first_over_dry_run']}x; written to {path.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
