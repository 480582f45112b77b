"""The text model: a learned linear classifier beside the phrase rules, for what people write in their own words.

The phrase rules (concerns.py, detectors.py) find what their author thought of and can show the DSL the words
that matched; on messages written by other people they miss most concerns ("sometimes i think about ending it
all"). The text model is one logistic regression per concern category and per special category, trained on
hand-written messages in pupils' and staff words (bench/safeguarding_model.py, bench/README.md). It runs after
the rules and adds a finding only for a kind the rules did not find in the message.

What its findings may do is limited, because a score is not a reason:
- they are separate detectors in the school's policy: `model_concerns` and `model_special` (policy.py), which
  may allow, nudge, warn the DPO or raise a concern, never block and never hold;
- a concern it raises says it came from the text model and is at most medium severity, so it never pages the
  DSL at once; the rules' high-severity phrases still do;
- the finding's span is the words that weighed most towards the kind, for the sender's nudge and the DSL.

Run time is the standard library and numpy: word 1-2 grams and character 2-5 grams of the scan's normalised
words (`folding.words`), hashed with zlib.crc32 into two blocks of 2^18 buckets, each block L2-normalised, then
one gather and dot product against the weights of the buckets that carry one. The weights file
(`data/text_model.npz`) is written by the training script with the featuriser's version and a fingerprint of
its output on fixed sentences; if either differs from this code, or the file is missing or damaged, the model
is off (logged once) and the rules work alone: a failure never stops a message.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import numpy as np

from staffroom.safeguarding.folding import Words

logger = logging.getLogger(__name__)

FEATURES_VERSION = 1
BITS = 18  # buckets per block (words, characters)
_MASK = (1 << BITS) - 1
_CHAR_OFFSET = 1 << BITS
BUCKETS = 2 << BITS
CHAR_NGRAMS = (2, 3, 4, 5)
WEIGHTS = Path(__file__).resolve().parent / "data" / "text_model.npz"
SEVERITY: Final = "medium"  # at most: a score never pages the DSL at once (detectors.RANK)

# Sentences whose features are fingerprinted into the weights file: if the normaliser or the featuriser
# changes, the fingerprint no longer matches and the model stays off until it is trained again.
PROBES = (
    "i just want to disappear tbh",
    "Ｓｏｍｅｔｉｍｅｓ I think about ENDING it all 😭",  # noqa: RUF001 -- full-width letters, on purpose
    "he said dont tell ur mum and he'd get me a new phone",
    "k1ll y0urself lol nobody likes u",
    "Jake's on a CP plan, SW visiting Thurs",
    "killing it in PE today!!",
    "s.e.l.f h.a.r.m",
    "їм мусульманин і піст",  # noqa: RUF001 -- Cyrillic look-alikes, on purpose
)


def features(worded: Words | str) -> dict[int, float]:
    """Hashed features of one message's words view (`folding.words(folding.fold(text))`), bucket -> value."""
    line = worded if isinstance(worded, str) else worded.text
    tokens = line.split()
    word_counts: dict[int, float] = {}
    previous = None
    for token in tokens:
        h = _word_hash(token)
        word_counts[h] = word_counts.get(h, 0.0) + 1.0
        if previous is not None:
            h = _word_hash(f"{previous} {token}")
            word_counts[h] = word_counts.get(h, 0.0) + 1.0
        previous = token
    char_counts: dict[int, float] = {}
    for token in tokens:
        for h in _char_hashes(token):
            char_counts[h] = char_counts.get(h, 0.0) + 1.0
    out: dict[int, float] = {}
    for block in (word_counts, char_counts):
        norm = sum(v * v for v in block.values()) ** 0.5 or 1.0
        for h, v in block.items():
            out[h] = v / norm
    return out


@lru_cache(maxsize=65536)
def _word_hash(gram: str) -> int:
    return zlib.crc32(gram.encode()) & _MASK


@lru_cache(maxsize=65536)
def _char_hashes(token: str) -> tuple[int, ...]:
    """Every character 2-5 gram of one word padded with spaces, as buckets of the second block (repeats kept:
    they are counted)."""
    padded = f" {token} "
    return tuple(
        _CHAR_OFFSET + (zlib.crc32(padded[start : start + n].encode()) & _MASK)
        for n in CHAR_NGRAMS
        for start in range(len(padded) - n + 1)
    )


def fingerprint() -> str:
    """What this code's featuriser makes of `PROBES` (with the normaliser in front of it), as a short digest."""
    from staffroom.safeguarding.folding import fold, words

    digest = hashlib.sha256(str(FEATURES_VERSION).encode())
    for probe in PROBES:
        vector = features(words(fold(probe)))
        digest.update(json.dumps(sorted((k, round(v, 9)) for k, v in vector.items())).encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Model:
    """Weights of the buckets that carry one (row per bucket, column per kind) and a bias per kind with the
    kind's threshold folded in: a score >= 0 is a finding."""

    kinds: tuple[str, ...]
    rows: np.ndarray  # int32, BUCKETS long: bucket -> row of `weights`, or -1
    weights: np.ndarray  # float32 (rows, kinds)
    bias: np.ndarray  # float64 (kinds,)
    meta: dict[str, Any]

    @classmethod
    def from_arrays(
        cls, kinds: Sequence[str], buckets: np.ndarray, weights: np.ndarray, bias: np.ndarray, meta: dict[str, Any]
    ) -> Model:
        rows = np.full(BUCKETS, -1, dtype=np.int32)
        rows[buckets.astype(np.int64)] = np.arange(len(buckets), dtype=np.int32)
        return cls(tuple(kinds), rows, weights.astype(np.float32), bias.astype(np.float64), meta)

    def scores(self, vector: dict[int, float]) -> np.ndarray:
        """The score of every kind (>= 0: found) for one message's features."""
        if not vector:
            return self.bias.copy()
        index = np.fromiter(vector.keys(), dtype=np.intp, count=len(vector))
        values = np.fromiter(vector.values(), dtype=np.float64, count=len(vector))
        rows = self.rows[index]
        kept = rows >= 0
        return values[kept] @ self.weights[rows[kept]] + self.bias

    def contributions(self, vector: dict[int, float], kind: str) -> dict[int, float]:
        """How much each bucket added to one kind's score (for pointing at the words that weighed most)."""
        column = self.kinds.index(kind)
        out = {}
        for bucket, value in vector.items():
            row = int(self.rows[bucket])
            if row >= 0:
                out[bucket] = value * float(self.weights[row, column])
        return out


def save(path: Path, kinds: Sequence[str], dense: np.ndarray, bias: np.ndarray, meta: dict[str, Any]) -> Model:
    """Write the weights file from a dense (BUCKETS, kinds) weight matrix: only buckets with a weight are kept,
    as float16 (the scores move by less than 0.01; the training script reports how much)."""
    buckets = np.flatnonzero(np.any(dense != 0, axis=1)).astype(np.int32)
    weights = dense[buckets].astype(np.float16)
    full = meta | {"features_version": FEATURES_VERSION, "fingerprint": fingerprint(), "kinds": list(kinds)}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        np.savez_compressed(
            out, buckets=buckets, weights=weights, bias=bias.astype(np.float64), meta=np.array(json.dumps(full))
        )
    return Model.from_arrays(kinds, buckets, weights, bias, full)


def read(path: Path) -> Model:
    """The model in a weights file; ValueError if it was made for another featuriser or other kinds."""
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        kinds = tuple(meta["kinds"])
        if meta.get("features_version") != FEATURES_VERSION or meta.get("fingerprint") != fingerprint():
            raise ValueError("the weights were made by another version of the featuriser: train again")
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"the weights name kinds this code does not know: {sorted(unknown)}")
        return Model.from_arrays(kinds, data["buckets"], data["weights"], data["bias"], meta)


_lock = threading.Lock()
_loaded: list[Model | None] = []  # empty: not tried yet; [None]: off


def current() -> Model | None:
    """The shipped model, loaded once per process; None (logged once) when it cannot be used."""
    if _loaded:
        return _loaded[0]
    with _lock:
        if not _loaded:
            try:
                _loaded.append(read(WEIGHTS))
            except (OSError, ValueError, KeyError) as error:
                logger.error("safeguarding text model is off (%s: %s); the phrase rules work alone",
                             type(error).__name__, error)  # fmt: skip
                _loaded.append(None)
    return _loaded[0]


def use(model: Model | None) -> None:
    """Replace the process's model (tests; None turns it off). `reset` goes back to the shipped file."""
    with _lock:
        _loaded[:] = [model]


def reset() -> None:
    with _lock:
        _loaded.clear()


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str
    score: float
    start: int  # in the words view
    end: int


_TOKEN = re.compile(r"\S+")


def find(worded: Words, *, skip: frozenset[str] = frozenset()) -> list[Hit]:
    """The kinds the model finds in one message (those in `skip`, found already by the rules, left out), each
    with the score and the span in the words view of the word or pair of words that weighed most."""
    model = current()
    if model is None:
        return []
    vector = features(worded)
    if not vector:
        return []
    scores = model.scores(vector)
    hits = []
    for column, kind in enumerate(model.kinds):
        if scores[column] >= 0 and kind not in skip:
            start, end = _weightiest(worded.text, model.contributions(vector, kind))
            hits.append(Hit(kind, float(scores[column]), start, end))
    return hits


def _weightiest(line: str, contribution: dict[int, float], widest: int = 4) -> tuple[int, int]:
    """The span of the run of up to `widest` words whose features added most to the score (the whole line if
    none added anything): what the sender's nudge highlights and the DSL is pointed at. A word's share is its
    own word and character features and half of each word pair it is in."""
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(line)]
    if not tokens:
        return 0, len(line)
    shares = [contribution.get(_word_hash(t), 0.0) + sum(contribution.get(h, 0.0) for h in _char_hashes(t))
              for t, _, _ in tokens]  # fmt: skip
    for i in range(1, len(tokens)):
        pair = contribution.get(_word_hash(f"{tokens[i - 1][0]} {tokens[i][0]}"), 0.0) / 2
        shares[i - 1] += pair
        shares[i] += pair
    best, span = 0.0, (tokens[0][1], tokens[-1][2])
    for first in range(len(tokens)):
        total = 0.0
        for last in range(first, min(first + widest, len(tokens))):
            total += shares[last]
            if total > best:
                best, span = total, (tokens[first][1], tokens[last][2])
    return span


def reason(kind: str) -> str:
    """Why, in the detectors' plain words (kept with a concern, never the text): the model's reading, no phrase."""
    return f"reads like {_WORDS[kind]} to the text model (no phrase rule matched)"


_WORDS = {
    "bullying": "bullying",
    "grooming": "grooming or exploitation",
    "extremism": "radicalisation or extremism",
    "self_harm": "self-harm or suicidal thoughts",
    "violence": "violence or weapons",
    "drugs": "drugs or alcohol",
    "sexual_content": "sexual content",
    "discrimination": "discrimination",
    "health": "health information about someone",
    "sen": "special educational needs information about someone",
    "ethnicity": "someone's ethnicity",
    "religion": "someone's religion",
    "sexual_orientation": "someone's sexual orientation",
    "free_school_meals": "someone's free school meals",
    "child_protection": "someone's child protection status",
}
KINDS = tuple(_WORDS)  # every concern category, then the special categories (detectors.SPECIAL_CATEGORY_KINDS)
