"""Measure the safeguarding detectors on the labelled evaluation set: precision and recall per kind, cost.

    uv run python bench/safeguarding_eval.py                  # both splits, as shipped; writes bench/results/
    uv run python bench/safeguarding_eval.py --rules-only     # the phrase rules without the text model
    uv run python bench/safeguarding_eval.py --errors drugs   # the tune split's misses and false alarms

Precision and recall are counted per identifier kind and concern category over messages: a message counts
as a true positive for a kind when it is labelled with it and the detectors raise it. The cost is the CPU
time of `detectors.scan` per message (thread time, so other work on a shared machine does not inflate it),
mean and 99th percentile over the whole set, after one warm-up pass.

The held-out split (every fourth seed) was not tuned against; both are reported. It measures new phrasings
of the same author's seeds, not new writers. Sets written by independent writers are measured by
safeguarding_model.py (the text model is trained on most of them, and its test set is read there, once per
design); `--independent PATH` adds one here. `--errors` lists the tune split only, and the cost is measured
on the generated set alone. Targets (issue 8):
recall >= 0.9 on identifiers and >= 0.8 on concerns, at precision >= 0.8; under 0.5 ms per message.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from safeguarding_seeds import EVAL_ROSTER
from staffroom.safeguarding import detectors
from staffroom.safeguarding.concerns import CATEGORIES

DATA = Path(__file__).resolve().parent / "data" / "safeguarding_eval.jsonl"
RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {"identifier_recall": 0.9, "concern_recall": 0.8, "precision": 0.8, "mean_ms": 0.5}


def load(path: Path = DATA) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def evaluate(rows: list[dict[str, Any]], roster: detectors.Roster, *, model: bool = True) -> dict[str, Any]:
    """Per-kind precision and recall for these rows, with the counts behind them (`model=False`: the phrase
    rules alone, without the text model)."""
    counts: dict[str, dict[str, int]] = {
        kind: {"tp": 0, "fp": 0, "fn": 0} for kind in (*detectors.IDENTIFIER_KINDS, *CATEGORIES)
    }
    false_alarms_on_negatives = 0
    negatives = 0
    for row in rows:
        result = detectors.scan(row["text"], roster, model=model)
        found = set(result.identifiers) | set(result.categories)
        expected = set(row["identifiers"]) | set(row["categories"])
        for kind, tally in counts.items():
            if kind in expected and kind in found:
                tally["tp"] += 1
            elif kind in found:
                tally["fp"] += 1
            elif kind in expected:
                tally["fn"] += 1
        if row["group"] == "hard_negative":
            negatives += 1
            false_alarms_on_negatives += bool(found)
    kinds = {}
    for kind, tally in counts.items():
        tp, fp, fn = tally["tp"], tally["fp"], tally["fn"]
        kinds[kind] = {
            "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None,
            "support": tp + fn,
            **tally,
        }
    return {
        "messages": len(rows),
        "hard_negatives": negatives,
        "hard_negatives_flagged": false_alarms_on_negatives,
        "kinds": kinds,
    }


def cost(rows: list[dict[str, Any]], roster: detectors.Roster, *, model: bool = True) -> dict[str, float]:
    """CPU milliseconds per message: mean and 99th percentile (after a warm-up pass)."""
    for row in rows:
        detectors.scan(row["text"], roster, model=model)
    samples = []
    for row in rows:
        start = time.thread_time_ns()
        detectors.scan(row["text"], roster, model=model)
        samples.append((time.thread_time_ns() - start) / 1e6)
    samples.sort()
    return {
        "mean_ms": round(statistics.fmean(samples), 4),
        "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 4),
        "max_ms": round(samples[-1], 4),
    }


def meets_targets(report: dict[str, Any]) -> list[str]:
    """The targets a split's report misses, in words (empty when it meets them all)."""
    missed = []
    for kind, figures in report["kinds"].items():
        if not figures["support"]:
            continue
        wanted = TARGETS["identifier_recall"] if kind in detectors.IDENTIFIER_KINDS else TARGETS["concern_recall"]
        if figures["recall"] < wanted:
            missed.append(f"{kind}: recall {figures['recall']} < {wanted}")
        if figures["precision"] is not None and figures["precision"] < TARGETS["precision"]:
            missed.append(f"{kind}: precision {figures['precision']} < {TARGETS['precision']}")
    return missed


def show_errors(rows: list[dict[str, Any]], roster: detectors.Roster, kind: str) -> None:
    for row in rows:
        if row["split"] != "tune":
            continue
        result = detectors.scan(row["text"], roster)
        found = set(result.identifiers) | set(result.categories)
        expected = set(row["identifiers"]) | set(row["categories"])
        if (kind in found) != (kind in expected):
            label = "MISS " if kind in expected else "FALSE"
            print(label, json.dumps(row["text"], ensure_ascii=False), sorted(found), sorted(expected))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--errors", metavar="KIND", help="list the tune split's errors for one kind, then stop")
    parser.add_argument(
        "--independent", type=Path, action="append", default=[],
        help="also an independent set (its rows' own split); held_out_2 is training data for the text model now, "
        "and the test set held_out_3 is read only by safeguarding_model.py --look",
    )  # fmt: skip
    parser.add_argument("--rules-only", action="store_true", help="the phrase rules alone, without the text model")
    parser.add_argument("--no-write", action="store_true", help="print only; do not write bench/results")
    args = parser.parse_args()
    rows = load(args.data)
    roster = detectors.Roster(EVAL_ROSTER)
    if args.errors:
        show_errors(rows, roster, args.errors)
        return
    model = not args.rules_only
    report: dict[str, Any] = {
        "date": date.today().isoformat(),
        "data": str(args.data.name),
        "detectors": "rules and text model" if model else "rules only",
        "targets": TARGETS,
    }
    splits = [("tune", rows), ("held_out", rows)]
    for path in args.independent:
        extra = load(path)
        splits.append((extra[0]["split"], extra))
    for split, source in splits:
        chosen = [r for r in source if r["split"] == split]
        report[split] = evaluate(chosen, roster, model=model)
        report[split]["missed_targets"] = meets_targets(report[split])
    report["cost"] = cost(rows, roster, model=model)
    text = json.dumps(report, indent=2)
    print(text)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        name = f"safeguarding-eval-{report['date']}{'-rules' if args.rules_only else ''}.json"
        (RESULTS / name).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
