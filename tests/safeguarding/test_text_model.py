"""The text model beside the phrase rules (safeguarding/text_model.py): run-time scores equal scikit-learn's,
the shipped weights match this code and the training data, a broken file turns it off without losing a
message, and what its findings may do under the school's policy (never block)."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from staffroom.errors import Invalid
from staffroom.messaging import actions as messaging
from staffroom.safeguarding import actions, detectors, text_model
from staffroom.safeguarding.folding import fold, words
from staffroom.safeguarding.models import Concern
from staffroom.safeguarding.policy import (
    MODEL_CONCERNS,
    MODEL_SPECIAL,
    Policy,
    decide,
    default_outcome,
    explain,
    outcomes_for,
)
from tests.safeguarding.test_detectors import (
    HEALTH_AND_CP_WORDS_IN_SCHOOL_TALK,
    ORDINARY_SCHOOL_TALK,
    ROSTER,
    SCHOOL_TALK_ABOUT_GROUPS,
    SPECIAL_WORDS_WITHOUT_A_PERSON,
)
from tests.verify import verify_refused

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _vector(text: str) -> dict[int, float]:
    return text_model.features(words(fold(text)))


@pytest.fixture
def shipped():
    """The shipped weights, loaded afresh (a test that swaps the model puts it back)."""
    text_model.reset()
    yield text_model.current()
    text_model.reset()


# --- the featuriser and the run-time scores ---------------------------------------------------------------


def test_features_are_the_same_for_the_same_words_whatever_the_disguise():
    assert _vector("I want to kill myself") == _vector("i want to k i l l myself")
    assert _vector("I want to kill myself") == _vector("I want to kіll myself")  # noqa: RUF001 -- Cyrillic i
    assert _vector("") == {}
    vector = _vector("ending it all")
    assert all(0 <= bucket < text_model.BUCKETS for bucket in vector)
    # Each block (words, characters) is L2-normalised.
    words_block = [v for b, v in vector.items() if b < text_model.BUCKETS // 2]
    assert sum(v * v for v in words_block) == pytest.approx(1.0)


def test_the_scores_are_scikit_learns_from_a_file(tmp_path):
    rows = [json.loads(line) for line in (BENCH / "data" / "safeguarding_train_a.jsonl").open(encoding="utf-8")]
    rows = rows[:400]
    texts = [r["text"] for r in rows]
    vectors = [_vector(t) for t in texts]
    x = sparse.csr_matrix(
        (
            [v for vec in vectors for v in vec.values()],
            [b for vec in vectors for b in vec],
            np.cumsum([0] + [len(vec) for vec in vectors]),
        ),
        shape=(len(texts), text_model.BUCKETS),
    )
    kinds = ("self_harm", "bullying")
    models = [
        LogisticRegression(C=4.0, solver="liblinear").fit(x, [kind in r["categories"] for r in rows]) for kind in kinds
    ]
    thresholds = np.array([0.5, -0.25])
    dense = np.stack([m.coef_[0] for m in models], axis=1)
    bias = np.array([m.intercept_[0] for m in models]) - thresholds
    model = text_model.save(tmp_path / "w.npz", kinds, dense, bias, {"trial": True})
    loaded = text_model.read(tmp_path / "w.npz")
    assert loaded.kinds == kinds and loaded.meta["trial"] is True
    expected = np.stack([m.decision_function(x) for m in models], axis=1) - thresholds
    got = np.stack([loaded.scores(vec) for vec in vectors])
    # Weights are stored as float16: the scores move by a few thousandths at most.
    assert np.max(np.abs(got - expected)) < 0.01
    clear = np.abs(expected) > 0.01
    assert np.array_equal((got >= 0)[clear], (expected >= 0)[clear])
    assert np.array_equal(model.scores(vectors[0]), loaded.scores(vectors[0]))


def test_the_shipped_weights_match_this_featuriser_and_the_training_data(shipped):
    assert shipped is not None, "the text model is off: see the log; train it with bench/safeguarding_model.py"
    assert shipped.meta["features_version"] == text_model.FEATURES_VERSION
    assert shipped.meta["fingerprint"] == text_model.fingerprint()
    assert shipped.kinds == text_model.KINDS
    # Trained on the files as they are now: a changed training file needs the model trained again.
    for name, recorded in shipped.meta["design"]["training"].items():
        digest = hashlib.sha256((BENCH / "data" / name).read_bytes()).hexdigest()
        assert digest == recorded["sha256"], f"{name} changed since the model was trained: train it again"


def test_a_weights_file_for_another_featuriser_is_refused(tmp_path, monkeypatch):
    dense = np.zeros((text_model.BUCKETS, 1))
    dense[5, 0] = 1.0
    text_model.save(tmp_path / "w.npz", ("drugs",), dense, np.zeros(1), {})
    monkeypatch.setattr(text_model, "FEATURES_VERSION", text_model.FEATURES_VERSION + 1)
    with pytest.raises(ValueError, match="featuriser"):
        text_model.read(tmp_path / "w.npz")


@pytest.mark.parametrize("content", [None, b"not a weights file"])
def test_a_missing_or_damaged_file_turns_the_model_off_and_the_rules_work_alone(tmp_path, monkeypatch, caplog, content):
    path = tmp_path / "text_model.npz"
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setattr(text_model, "WEIGHTS", path)
    text_model.reset()
    try:
        with caplog.at_level(logging.ERROR, logger="staffroom.safeguarding.text_model"):
            result = detectors.scan("Sometimes I think about ending it all. I want to kill myself")
        assert result.categories == ["self_harm"]
        assert {f.source for f in result.findings} == {"rules"}
        assert "text model is off" in caplog.text
        assert "ending it all" not in caplog.text  # never the message
    finally:
        text_model.reset()


# --- in the scan ------------------------------------------------------------------------------------------


def test_the_model_finds_what_the_rules_miss_and_points_at_the_words(shipped):
    text = "Sometimes I think about ending it all"
    assert detectors.scan(text, model=False).findings == ()
    (finding,) = detectors.scan(text).findings
    assert (finding.kind, finding.group, finding.source, finding.severity) == (
        "self_harm",
        "concern",
        "model",
        "medium",
    )
    assert "ending" in text[finding.start : finding.end]
    assert finding.reason == "reads like self-harm or suicidal thoughts to the text model (no phrase rule matched)"
    assert "ending" not in json.dumps(finding.as_dict())


def test_a_kind_the_rules_found_is_not_found_again_by_the_model(shipped):
    result = detectors.scan("i want to kill myself, i think about ending it all every night")
    assert {f.source for f in result.findings if f.kind == "self_harm"} == {"rules"}


def test_the_model_adds_nothing_to_ordinary_school_talk(shipped):
    for text in ("killing it in PE today", "Year 9 are a nightmare", "my mum will kill me if i fail this test"):
        assert detectors.scan(text).findings == (), text


# What the shipped model still reads into the school talk the rules' tests leave alone: false alarms a school
# would see (from a pupil, "raise" by default: a medium concern the DSL closes; from staff among staff, nothing
# by default). Kept here so a retrained model that stops making one says so, and one that makes more fails.
KNOWN_FALSE_ALARMS = {
    "Diet coke anyone?": "drugs",
    "We got high marks in the mocks": "drugs",
    "u r a star x": "bullying",
    "Hit me up if you need the seating plan": "violence",
    "EHCP paperwork training on the INSET day": "sen",
    "the cin is a letter combination": "child_protection",
    "the polish kids should go home at 3 today": "discrimination",
}


@pytest.mark.parametrize(
    "text",
    [
        *ORDINARY_SCHOOL_TALK,
        *SPECIAL_WORDS_WITHOUT_A_PERSON,
        *HEALTH_AND_CP_WORDS_IN_SCHOOL_TALK,
        *SCHOOL_TALK_ABOUT_GROUPS,
    ],
)
def test_what_the_model_makes_of_the_school_talk_the_rules_leave_alone(shipped, text):
    found = {f.kind for f in detectors.scan(text, ROSTER).findings if f.source == "model"}
    expected = {KNOWN_FALSE_ALARMS[text]} if text in KNOWN_FALSE_ALARMS else set()
    assert found == expected, "a known false alarm is gone: take it out of KNOWN_FALSE_ALARMS" if expected else text


def test_a_model_off_for_one_test_is_put_back():
    text_model.use(None)
    try:
        assert text_model.find(words(fold("Sometimes I think about ending it all"))) == []
    finally:
        text_model.reset()
    assert text_model.current() is not None


# --- under the school's policy ----------------------------------------------------------------------------


def test_the_models_findings_never_block_or_hold():
    for detector in (MODEL_CONCERNS, MODEL_SPECIAL):
        assert set(outcomes_for(detector)) == {"allow", "nudge", "warn_dpo", "raise"}
        for kind in ("channel", "group", "direct", "announcement", "class"):
            for sender in ("staff", "pupil"):
                assert default_outcome(detector, kind, sender) in outcomes_for(detector)


def test_the_models_defaults():
    # A pupil's message, or an adult's to pupils, reaches the DSL; staff among staff are left alone by the
    # model (its reading is not a phrase they can be shown; the rules still nudge).
    assert default_outcome(MODEL_CONCERNS, "class", "pupil") == "raise"
    assert default_outcome(MODEL_CONCERNS, "class", "staff") == "raise"
    assert default_outcome(MODEL_CONCERNS, "channel", "staff") == "allow"
    assert default_outcome(MODEL_SPECIAL, "class", "pupil") == "nudge"
    assert default_outcome(MODEL_SPECIAL, "direct", "staff") == "allow"


def test_a_model_finding_follows_the_models_row_not_its_kinds():
    model = detectors.Finding("self_harm", "concern", 0, 4, "medium", "why", "model")
    rules = detectors.Finding("self_harm", "concern", 0, 4, "high", "why")
    policy = Policy({(MODEL_CONCERNS, "class", "pupil"): "nudge"})
    decision = decide([model, rules], policy, conversation_kind="class", sender="pupil")
    assert decision.nudged == (model,) and decision.raised == (rules,)


@pytest.mark.django_db
def test_the_dsl_may_not_make_the_model_block(world):
    rule = {"detector": MODEL_CONCERNS, "conversation_kind": "class", "sender": "pupil", "outcome": "block"}
    with verify_refused(Invalid, field="rules.0.outcome"):
        actions.change_policy(world.school, acting=world.dsl, rules=[rule])
    actions.change_policy(world.school, acting=world.dsl, rules=[{**rule, "outcome": "nudge"}])


@pytest.mark.django_db
def test_a_pupils_message_only_the_model_reads_raises_a_medium_concern_saying_so(world, shipped, no_alerts):
    klass = world.class_channel(world.pupil, world.pupil2)
    message, created = messaging.send_message(klass, acting=world.pupil, body="Sometimes I think about ending it all")
    assert created
    (concern,) = Concern.objects.all()
    assert concern.message == message
    assert (concern.category, concern.severity) == ("self_harm", "medium")
    assert [f["source"] for f in concern.findings] == ["model"]
    assert explain(concern.findings[0]) == "Self-harm and suicide: the text model's reading, no phrase matched"


@pytest.mark.django_db
def test_staff_among_staff_are_not_stopped_by_the_model(world, shipped):
    staff = world.channel(world.teacher2)
    _message, created = messaging.send_message(
        staff, acting=world.teacher, body="Sometimes I think about ending it all"
    )
    assert created
    assert not Concern.objects.exists()
