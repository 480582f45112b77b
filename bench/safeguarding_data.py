# ruff: noqa: RUF001 -- the look-alike letters are ambiguous on purpose: they are the evasion being measured.
"""Build the labelled safeguarding evaluation set from the hand-written seeds (bench/safeguarding_seeds.py).

    uv run python bench/safeguarding_data.py      # writes bench/data/safeguarding_eval.jsonl

Deterministic (a fixed random seed), so the file in the repository can be rebuilt and reviewed. Each seed is
expanded into variations: pupils' names and pronouns, year groups and days, staff or pupil phrasing around
it, fresh identifiers (valid check characters, drawn here), and for concerns an evasion on the bracketed
word in about six variations in ten (spacing, repeated letters, l33t, look-alike letters, dots, emoji).

Every fourth seed of each list (and its variations) is held out: the detectors were not tuned against it.
The tune-only seeds (TUNE_CONCERNS, TUNE_IDENTIFIERS, TUNE_HARD_NEGATIVES) come last, from a random generator
of their own, so adding them changes neither the text nor the split of any message made from the seeds above.
One JSON object per line: text, identifiers, categories (expected), split, group, evasion.
"""

from __future__ import annotations

import json
import math
import random
import re
import string
import sys
from pathlib import Path

from stdnum.gb import upn as stdnum_upn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from safeguarding_seeds import (
    CONCERNS,
    EVAL_ROSTER,
    HARD_NEGATIVES,
    IDENTIFIERS,
    TUNE_CONCERNS,
    TUNE_HARD_NEGATIVES,
    TUNE_IDENTIFIERS,
)

OUT = Path(__file__).resolve().parent / "data" / "safeguarding_eval.jsonl"
PER_KIND = 330  # messages wanted per category or identifier kind
NEGATIVES_PER_SEED = 9
TUNE_PER_SEED = 8  # variations of each tune-only seed

PREFIXES = ["", "", "", "omg ", "tbh ", "Miss, ", "Sir ", "honestly ", "ngl ", "Just to let you know, ", "FYI ",
            "Hi all, ", "Quick one: ", "Sorry to bother you but ", "Hiya, ", "idk what to do ", "Update: "]  # fmt: skip
SUFFIXES = ["", "", "", " lol", " 😭", "...", "!!", " x", " fr", " tbh", " - can you advise?", " Thanks",
            " Will log on CPOMS.", " 🙄", " ffs", " pls help", " (see me after)"]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "i": "і", "c": "с", "p": "р", "x": "х", "y": "у", "k": "κ"}
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "$", "t": "7"}
EMOJI = {"knife": "🔪", "stab": "🔪", "gun": "🔫", "shoot": "🔫", "weed": "🌿", "pills": "💊", "bomb": "💣"}
STREETS = ["Elm", "Station", "Church", "Victoria", "Mill", "Park View", "Oak Tree", "Kingsway", "Albert",
           "Queens", "Manor", "Beech", "Meadow", "Chapel", "Hollybush", "Greenfield", "St John's"]  # fmt: skip
SUFFIX_WORDS = ["Road", "Street", "Avenue", "Lane", "Close", "Drive", "Crescent", "Gardens", "Grove", "Terrace"]
TOWNS = ["Leeds", "Bradford", "Oldham", "Stockport", "Wakefield", "Bolton", "Rochdale", ""]
AREAS = ["LS", "BD", "OL", "SK", "WF", "BL", "M", "S", "B", "NE", "SW", "E", "N", "CF", "G", "EH"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip
LA_CODES = sorted(stdnum_upn._la_numbers)


def draw_upn(rng: random.Random) -> str:
    body = f"{rng.choice(LA_CODES):03d}{rng.randint(1000, 7999):04d}{rng.randint(5, 24):02d}"
    serial = (
        f"{rng.randint(0, 999):03d}" if rng.random() < 0.85 else f"{rng.randint(0, 99):02d}{rng.choice('ABCDEFGH')}"
    )
    number = body + serial
    return stdnum_upn.calc_check_digit(number) + number


def draw_nhs(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        digits[0] = rng.randint(4, 9)
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 10:
            continue
        number = "".join(map(str, digits)) + str(0 if check == 11 else check)
        style = rng.random()
        if style < 0.4:
            return f"{number[:3]} {number[3:6]} {number[6:]}"
        if style < 0.5:
            return f"{number[:3]}-{number[3:6]}-{number[6:]}"
        return number


def draw_nino(rng: random.Random) -> str:
    first = "ABCEGHJKLMNOPRSTWXYZ"
    second = "ABCEGHJKLMNPRSTWXYZ"
    while True:
        prefix = rng.choice(first) + rng.choice(second)
        if prefix not in {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}:
            break
    digits = f"{rng.randint(0, 999999):06d}"
    suffix = rng.choice("ABCD")
    if rng.random() < 0.4:
        return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    text = prefix + digits + suffix
    return text.lower() if rng.random() < 0.1 else text


def draw_dob(rng: random.Random) -> str:
    year, month, day = rng.randint(2008, 2019), rng.randint(1, 12), rng.randint(1, 28)
    style = rng.randint(0, 4)
    if style == 0:
        return f"{day:02d}/{month:02d}/{year}"
    if style == 1:
        return f"{day} {MONTHS[month - 1]} {year}"
    if style == 2:
        return f"{day}/{month}/{year % 100:02d}"
    if style == 3:
        return f"{year}-{month:02d}-{day:02d}"
    ordinal = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(day, "th")
    return f"{day}{ordinal} {MONTHS[month - 1][:3]} {year}"


def draw_postcode(rng: random.Random) -> str:
    area = rng.choice(AREAS)
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{area}{rng.randint(1, 19)} {rng.randint(0, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def draw_address(rng: random.Random) -> tuple[str, bool]:
    """An address, and whether a postcode is part of it."""
    flat = f"Flat {rng.randint(1, 12)}, " if rng.random() < 0.15 else ""
    text = f"{flat}{rng.randint(1, 240)} {rng.choice(STREETS)} {rng.choice(SUFFIX_WORDS)}"
    town = rng.choice(TOWNS)
    if town:
        text += f", {town}"
    with_postcode = rng.random() < 0.3
    if with_postcode:
        text += f" {draw_postcode(rng)}"
    return text, with_postcode


def evade(word: str, rng: random.Random) -> tuple[str, str]:
    """The word written to slip past a naive filter, and how."""
    options = ["spacing", "repeat", "leet", "homoglyph", "dots"]
    if word.lower() in EMOJI:
        options.append("emoji")
    how = rng.choice(options)
    if how == "spacing":
        return " ".join(word), how
    if how == "dots":
        return ".".join(word), how
    if how == "repeat":
        vowels = [i for i, c in enumerate(word) if c in "aeiou"] or [len(word) - 1]
        at = rng.choice(vowels)
        return word[: at + 1] + word[at] * rng.randint(2, 4) + word[at + 1 :], how
    if how == "leet":
        chars = list(word)
        places = [i for i, c in enumerate(chars) if c.lower() in LEET]
        for i in rng.sample(places, k=min(len(places), rng.randint(1, 2))):
            chars[i] = LEET[chars[i].lower()]
        return "".join(chars), how
    if how == "homoglyph":
        chars = list(word)
        places = [i for i, c in enumerate(chars) if c in HOMOGLYPHS]
        for i in rng.sample(places, k=min(len(places), rng.randint(1, 3))):
            chars[i] = HOMOGLYPHS[chars[i]]
        return "".join(chars), how
    return EMOJI[word.lower()], how


# Words an evasion targets in seeds without a [bracketed] word: the word a filter would look for.
KEY_WORDS = re.compile(
    r"\b(kill|die|dead|cut|cutting|suicide|hurt|hurting|hang|harming|overdosed|burden|bullied|bullying|ugly|"
    r"loser|hate|hates|freak|pics|photos|selfies|nude|nudes|secret|snap|groomed|touching|jihad|hitler|isis|bomb|"
    r"martyr|caliphate|heil|stab|knife|gun|fight|punched|jump|jumped|batter|shoot|weed|pills|coke|ket|high|"
    r"stoned|drugs|cannabis|porn|sex|horny|sexting|gay|paki|retard|racist|muslims|immigrants|gypsies|jews)\b",
    re.IGNORECASE,
)


def fill(template: str, rng: random.Random, *, evasion: bool) -> tuple[str, str | None, set[str]]:
    """One message from a template: its text, the evasion used, and identifier kinds its values add."""
    extra: set[str] = set()
    how: str | None = None
    if evasion and "[" not in template:
        key = KEY_WORDS.search(template)
        if key:
            template = template[: key.start()] + f"[{key.group()}]" + template[key.end() :]
    start = template.find("[")
    if start >= 0:
        end = template.index("]", start)
        word = template[start + 1 : end]
        if evasion:
            word, how = evade(word, rng)
        template = template[:start] + word + template[end + 1 :]
    style = rng.random()
    if style < 0.3:
        template = template.lower()
    prefix, suffix = rng.choice(PREFIXES), rng.choice(SUFFIXES)
    if template[:1] in ("{",) and prefix and prefix[-1] != " ":
        prefix += " "
    template = prefix + template + suffix
    he = rng.random() < 0.5
    name = rng.choice(EVAL_ROSTER)
    name = name if rng.random() < 0.4 else name.split()[0]
    values = {
        "n": name,
        "p": "he" if he else "she",
        "P": "He" if he else "She",
        "o": "him" if he else "her",
        "s": "his" if he else "her",
        "y": str(rng.randint(7, 11)),
        "d": rng.choice(DAYS),
        "upn": draw_upn(rng),
        "nhs": draw_nhs(rng),
        "nino": draw_nino(rng),
        "dob": draw_dob(rng),
        "postcode": draw_postcode(rng),
    }
    address, with_postcode = draw_address(rng)
    values["address"] = address
    if "{address}" in template and with_postcode:
        extra.add("postcode")
    text = string.Formatter().vformat(template, (), values)
    return text, how, extra


def build() -> list[dict[str, object]]:
    rng = random.Random(20261205)
    rows: list[dict[str, object]] = []
    seen: set[str] = set()

    def add(text: str, identifiers: set[str], categories: set[str], split: str, group: str, how: str | None) -> None:
        if text in seen:
            return
        seen.add(text)
        rows.append(
            {
                "text": text,
                "identifiers": sorted(identifiers),
                "categories": sorted(categories),
                "split": split,
                "group": group,
                "evasion": how,
            }
        )

    def expand(template: str, kind: str, also: tuple[str, ...], group: str, split: str, wanted: int) -> None:
        made = 0
        for _ in range(wanted * 3):
            if made >= wanted:
                break
            text, how, extra = fill(template, rng, evasion=group == "concern" and rng.random() < 0.6)
            labels = {kind, *also}
            identifiers = {k for k in labels | extra if k not in CONCERNS}
            categories = {k for k in labels if k in CONCERNS}
            if "{n}" in template:
                identifiers.add("pupil_name")
            before = len(rows)
            add(text, identifiers, categories, split, group, how)
            made += len(rows) - before

    for group, table in (("concern", CONCERNS), ("identifier", IDENTIFIERS)):
        for kind, seeds in table.items():
            per_seed = math.ceil(PER_KIND / len(seeds))
            for number, (template, also) in enumerate(seeds):
                expand(template, kind, also, group, "held_out" if number % 4 == 3 else "tune", per_seed)
    for number, template in enumerate(HARD_NEGATIVES):
        split = "held_out" if number % 4 == 3 else "tune"
        for _ in range(NEGATIVES_PER_SEED):
            text, _, _ = fill(template, rng, evasion=False)
            add(text, set(), set(), split, "hard_negative", None)
    # Tune-only seeds: a generator of their own, after everything above (see the module's docstring).
    rng = random.Random(20261206)
    for group, table in (("concern", TUNE_CONCERNS), ("identifier", TUNE_IDENTIFIERS)):
        for kind, seeds in table.items():
            for template, also in seeds:
                expand(template, kind, also, group, "tune", TUNE_PER_SEED)
    for template in TUNE_HARD_NEGATIVES:
        for _ in range(NEGATIVES_PER_SEED):
            text, _, _ = fill(template, rng, evasion=False)
            add(text, set(), set(), "tune", "hard_negative", None)
    return rows


def main() -> None:
    rows = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} messages -> {OUT}")


if __name__ == "__main__":
    main()
