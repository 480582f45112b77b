"""Phrase rules over `folding.words`, compiled once and indexed by the words they can start with.

Trying a hundred phrases at every word of every message costs about a millisecond; almost every message
contains none of the words a phrase can begin with. So each phrase's possible first words are worked out
from its parsed regular expression, and a message only runs the phrases whose first word it contains
(phrases whose first word cannot be listed, such as one starting with a digit class, always run).
"""

from __future__ import annotations

import re
import re._constants as sre_constants
import re._parser as sre_parse
from collections.abc import Iterable, Iterator
from typing import Any


def compile_phrases(pattern: str) -> str:
    """A phrase written in ordinary spelling, as a regular expression over `folding.words`.

    Letters are squashed the way `words` spells them ("kill" becomes "kil"), `(` becomes a non-capturing
    group and `~` stands for up to three other words (`~1`: up to one).
    """
    # "a ~2 b": the space before the tilde goes into the optional words, so "a b" and "a x y b" both match.
    pattern = re.sub(r" ?~(\d)?", lambda m: f"(?: [^ ]+){{0,{m.group(1) or 3}}}", pattern)
    pattern = re.sub(r"\((?!\?)", "(?:", pattern)
    # Squash letter runs, but not inside escapes such as \d.
    return re.sub(r"(?<!\\)([a-z])\1+", r"\1", pattern)


_LIMIT = 4000  # first words per phrase before giving up and always running it


def first_words(pattern: str) -> set[str] | None:
    """Every word a compiled phrase can start with, or None when they cannot be listed."""
    try:
        return _firsts(list(sre_parse.parse(pattern).data), "")
    except Exception:  # _Unlistable, or a change in CPython's private parser: the phrase then always runs
        return None


class _Unlistable(Exception):
    pass


def _firsts(items: list[Any], prefix: str) -> set[str]:
    if not items:
        return {prefix} if prefix else set()
    op, av = items[0]
    rest = items[1:]
    if op is sre_constants.LITERAL:
        char = chr(av)
        if char == " ":
            if prefix:
                return {prefix}
            return _firsts(rest, prefix)
        return _firsts(rest, prefix + char)
    if op is sre_constants.SUBPATTERN:
        return _firsts(list(av[3].data) + rest, prefix)
    if op is sre_constants.BRANCH:
        return _union(_firsts(list(branch.data) + rest, prefix) for branch in av[1])
    if op is sre_constants.IN:
        if not all(member_op is sre_constants.LITERAL for member_op, _ in av):
            raise _Unlistable
        return _union(_firsts([(sre_constants.LITERAL, value), *rest], prefix) for _, value in av)
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
        low, high, sub = av
        if (low, high) == (0, 1):
            return _firsts(rest, prefix) | _firsts(list(sub.data) + rest, prefix)
        if (low, high) == (1, 1):
            return _firsts(list(sub.data) + rest, prefix)
        raise _Unlistable
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT, sre_constants.AT):
        return _firsts(rest, prefix)
    raise _Unlistable


def _union(sets: Iterable[set[str]]) -> set[str]:
    out: set[str] = set()
    for found in sets:
        out |= found
        if len(out) > _LIMIT:
            raise _Unlistable
    return out


class PhraseIndex:
    """Phrases compiled once; `matches` runs only those that can start with a word of the message."""

    def __init__(self, patterns: list[str]) -> None:
        self.regexes: list[re.Pattern[str]] = []
        self.by_word: dict[str, list[int]] = {}
        self.always: list[int] = []
        for number, pattern in enumerate(patterns):
            compiled = compile_phrases(pattern)
            self.regexes.append(re.compile(f" (?:{compiled})(?= )"))
            firsts = first_words(compiled)
            if firsts is None:
                self.always.append(number)
                continue
            for word in firsts:
                self.by_word.setdefault(word, []).append(number)

    def candidates(self, tokens: frozenset[str]) -> list[int]:
        """The phrases that might match a message with these words, in their written order."""
        present = self.by_word.keys() & tokens
        if not present:
            return self.always
        chosen = set(self.always)
        for word in present:
            chosen.update(self.by_word[word])
        return sorted(chosen)

    def matches(self, text: str, tokens: frozenset[str]) -> Iterator[tuple[int, re.Match[str]]]:
        """(phrase number, match) for every phrase that matches, phrase by phrase."""
        for number in self.candidates(tokens):
            for match in self.regexes[number].finditer(text):
                yield number, match
