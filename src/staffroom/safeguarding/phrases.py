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
from itertools import pairwise
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
        inner = list(sub.data)
        if low == 0 and prefix and inner and inner[0] == (sre_constants.LITERAL, ord(" ")):
            # Optional words after a word ("a ~2 b"): the first word ends here, whichever way it goes.
            return {prefix}
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


def branches(compiled: str) -> list[str]:
    """A compiled phrase that is one group of alternatives, as its alternatives; any other phrase as itself.

    Each alternative then has its own first words, so a long list of words ("asthma|epilepsy|...") runs only
    the alternatives whose word the message holds instead of trying every one at every word.
    """
    if not compiled.startswith("(?:"):
        return [compiled]
    depth = 0
    cuts: list[int] = []
    index = 0
    in_class = False
    while index < len(compiled):
        char = compiled[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0 and index != len(compiled) - 1:
                return [compiled]  # the group closes before the end: the phrase goes on after it
        elif char == "|" and depth == 1:
            cuts.append(index)
        index += 1
    if not cuts:
        return [compiled]
    edges = [2, *cuts, len(compiled) - 1]
    return [compiled[start + 1 : end] for start, end in pairwise(edges)]


class PhraseIndex:
    """Phrases compiled once; `matches` runs only those that can start with a word of the message.

    A phrase made of one group of alternatives is kept as its alternatives (`branches`), each run only when
    the message holds one of its first words; a match of any of them is a match of the phrase.
    """

    def __init__(self, patterns: list[str]) -> None:
        self.regexes: list[re.Pattern[str]] = []
        self.numbers: list[int] = []  # the phrase each regex is (an alternative of)
        self.by_word: dict[str, list[int]] = {}
        self.always: list[int] = []
        for number, pattern in enumerate(patterns):
            for branch in branches(compile_phrases(pattern)):
                at = len(self.regexes)
                self.regexes.append(re.compile(f" (?:{branch})(?= )"))
                self.numbers.append(number)
                firsts = first_words(branch)
                if firsts is None:
                    self.always.append(at)
                    continue
                for word in firsts:
                    self.by_word.setdefault(word, []).append(at)

    def candidates(self, tokens: frozenset[str]) -> list[int]:
        """The regexes that might match a message with these words, in their written order."""
        present = self.by_word.keys() & tokens
        if not present:
            return self.always
        chosen = set(self.always)
        for word in present:
            chosen.update(self.by_word[word])
        return sorted(chosen)

    def matches(self, text: str, tokens: frozenset[str]) -> Iterator[tuple[int, re.Match[str]]]:
        """(phrase number, match) for every phrase that matches, phrase by phrase."""
        for at in self.candidates(tokens):
            number = self.numbers[at]
            for match in self.regexes[at].finditer(text):
                yield number, match
