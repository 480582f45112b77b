"""The quality gates: the phrase rules on the generated set they were written against, and the detectors as
shipped (rules and text model) on the independent test set (bench/data, bench/README.md).

Targets (issue 8): recall >= 0.9 on identifiers and >= 0.8 on concerns, precision >= 0.8. On the generated
set the rules meet them all with no hard negative flagged. Kinds measured below their target are listed with
the figure measured (docs/safeguarding.md "Measured"): for those the gate stops a regression, and the day
one of them meets its target the gate says so, so the entry goes.
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


def report(rows, split, *, model=False):
    return evaluation.evaluate([r for r in rows if r["split"] == split], Roster(EVAL_ROSTER), model=model)


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


# --- as shipped: the rules and the text model ---------------------------------------------------------------

# On the generated set the text model adds no miss and few false alarms, but two kinds' precision falls where
# the rules' author labelled differently from the brief the model's writers followed: abuse of one person for
# who they are is discrimination alone there (the model finds bullying too), and a request for pictures is
# grooming alone (the model finds sexual content too). 32 of 222 hard negatives are flagged, from a few
# sentences in their variations ("EHCP paperwork training", "Hit me up if you need...", "u r a star x").
SHIPPED_ON_GENERATED = {"hard_negatives_flagged": 32, "precision": {"bullying": 0.62, "sexual_content": 0.71}}


def test_the_shipped_detectors_on_the_generated_held_out_split(rows):
    held_out = report(rows, "held_out", model=True)
    assert held_out["hard_negatives_flagged"] <= SHIPPED_ON_GENERATED["hard_negatives_flagged"]
    for kind, figures in held_out["kinds"].items():
        target = 0.9 if kind in IDENTIFIER_KINDS else 0.8
        assert figures["recall"] >= target, (kind, figures)
        assert figures["precision"] >= SHIPPED_ON_GENERATED["precision"].get(kind, 0.8), (kind, figures)


# The independent test set (bench/data/safeguarding_heldout5.jsonl, split held_out_5): written by a writer who
# never saw the detectors or the training data, looked at once by the final design (bench/README.md). The
# floors are what the shipped detectors measured at that look (precision, recall), rounded down; where a kind
# is below the targets there, this gate only stops it getting worse. Never tune against this set: read
# its misses and it is a validation set, and a fresh test set has to be written to measure again.
SHIPPED_ON_INDEPENDENT = {
    "upn": (1.0, 1.0), "nhs_number": (1.0, 1.0), "ni_number": (1.0, 1.0), "date_of_birth": (1.0, 0.57),
    "address": (0.87, 0.84), "postcode": (0.76, 1.0), "pupil_name": (0.97, 0.9), "health": (0.77, 0.83),
    "sen": (0.93, 0.96), "ethnicity": (0.9, 0.9), "religion": (0.9, 0.88), "sexual_orientation": (0.9, 0.96),
    "free_school_meals": (0.82, 0.98), "child_protection": (0.83, 0.95), "bullying": (0.85, 0.78),
    "grooming": (0.84, 0.87), "extremism": (0.9, 0.86), "self_harm": (0.78, 0.87), "violence": (0.78, 0.78),
    "drugs": (0.81, 0.85), "sexual_content": (0.82, 0.87), "discrimination": (0.72, 0.8),
}  # fmt: skip
INDEPENDENT_HARD_NEGATIVES_FLAGGED = 102  # of 520


def test_the_shipped_detectors_on_the_independent_test_set():
    test = evaluation.load(BENCH / "data" / "safeguarding_heldout5.jsonl")
    shipped = evaluation.evaluate(test, Roster(EVAL_ROSTER))
    assert shipped["hard_negatives_flagged"] <= INDEPENDENT_HARD_NEGATIVES_FLAGGED
    for kind, (precision, recall) in SHIPPED_ON_INDEPENDENT.items():
        figures = shipped["kinds"][kind]
        assert figures["precision"] >= precision and figures["recall"] >= recall, (kind, figures)
    assert set(SHIPPED_ON_INDEPENDENT) == set(shipped["kinds"])
