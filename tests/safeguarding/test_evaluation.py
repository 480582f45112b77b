"""The quality gate: the detectors on the held-out split of the labelled evaluation set (bench/data).

Targets (issue 8): recall >= 0.9 on identifiers and >= 0.8 on concerns, precision >= 0.8, and no hard
negative flagged. Kinds measured below their target on the held-out split are listed in KNOWN_SHORTFALLS
with the recall measured when they were first held out (docs/safeguarding.md "Measured"): for those the gate
stops a regression, and the day one of them meets its target the gate says so, so the entry goes.
No timing here (bench/safeguarding_eval.py measures cost; a shared test machine would make it flaky).
"""

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import safeguarding_eval as evaluation  # noqa: E402
from safeguarding_seeds import EVAL_ROSTER  # noqa: E402
from staffroom.safeguarding.detectors import IDENTIFIER_KINDS, Roster  # noqa: E402

# Every kind meets its target on the held-out split (health, child_protection and discrimination were listed
# here at 0.68, 0.85 and 0.65 until their rules were rewritten); a kind that falls short goes back in, with its
# measured recall.
KNOWN_SHORTFALLS: dict[str, float] = {}


@pytest.fixture(scope="module")
def rows():
    return evaluation.load()


def report(rows, split):
    return evaluation.evaluate([r for r in rows if r["split"] == split], Roster(EVAL_ROSTER))


def test_the_set_has_several_hundred_messages_per_kind_and_hard_negatives(rows):
    per_kind: dict[str, int] = {}
    for row in rows:
        for kind in row["identifiers"] + row["categories"]:
            per_kind[kind] = per_kind.get(kind, 0) + 1
    assert len(per_kind) == 22
    assert min(per_kind.values()) >= 300
    assert sum(1 for r in rows if r["group"] == "hard_negative") >= 800
    assert sum(1 for r in rows if r["evasion"]) >= 750
    assert {r["split"] for r in rows} == {"tune", "held_out"}


def test_held_out_split_meets_the_targets(rows):
    held_out = report(rows, "held_out")
    assert held_out["hard_negatives_flagged"] == 0
    for kind, figures in held_out["kinds"].items():
        assert figures["support"] > 0, kind
        assert figures["precision"] >= 0.8, (kind, figures)
        target = 0.9 if kind in IDENTIFIER_KINDS else 0.8
        if kind in KNOWN_SHORTFALLS:
            assert figures["recall"] >= KNOWN_SHORTFALLS[kind], (kind, figures)
            assert figures["recall"] < target, f"{kind} now meets its target: take it out of KNOWN_SHORTFALLS"
        else:
            assert figures["recall"] >= target, (kind, figures)


def test_tune_split_meets_every_target(rows):
    tune = report(rows, "tune")
    assert evaluation.meets_targets(tune) == []
    assert tune["hard_negatives_flagged"] <= 0.02 * tune["hard_negatives"]
