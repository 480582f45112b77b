# ruff: noqa: RUF001, RUF002 -- the table of look-alike letters is made of ambiguous characters on purpose.
"""One normalisation pass that the detectors read instead of the typed text, with a map back to it.

Two views of a message, each remembering, for every character, where it came from in the original, so a
finding's span points at what the person typed (and the matched text itself is never copied anywhere):

- `fold`: lower case, accents and compatibility forms gone (NFKD: full-width, mathematical letters,
  ligatures), Cyrillic and Greek look-alikes turned into the Latin letters they imitate ("kіll" with a
  Cyrillic i), curly apostrophes straightened, invisible characters dropped, and emoji that stand for words
  replaced by the word (a knife emoji reads " knife "). Identifiers, dates and addresses are read here.
- `words`: the folded text as a line of words, one space apart, with a space at each end, where l33t
  characters inside a word are letters again ("k1ll", "$uicide"), runs of a repeated letter are one letter
  ("kiiilll" and "kill" both read "kil"), apostrophes are gone ("don't" reads "dont") and letters typed
  one at a time ("k i l l", "k.i.l.l") are joined into a word. The concern phrases are read here, written
  through `squash` so that they are spelled the same way.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

# Look-alike letters from other scripts (Unicode's confusables, the Latin-looking subset), lower case.
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ӏ": "l", "ԛ": "q",
    "ԝ": "w", "ѡ": "w", "һ": "h", "ь": "b", "г": "r", "п": "n", "з": "3",
    # Greek
    "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "ζ": "z", "η": "n", "ι": "i", "κ": "k", "μ": "u",
    "ν": "v", "ο": "o", "ρ": "p", "σ": "o", "ς": "s", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c",
    # Latin odds and ends NFKD leaves alone
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŀ": "l", "ſ": "s", "ß": "ss", "æ": "ae", "œ": "oe",
    "ɑ": "a", "ɡ": "g", "ɩ": "i", "ʟ": "l", "ℓ": "l",
    # punctuation that changes how words split
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'",
}  # fmt: skip

# Emoji that people use as words in the phrases the concern detectors read. Others stay as they are.
_EMOJI_WORDS = {
    "\U0001f52a": "knife",  # kitchen knife
    "\U0001f5e1": "knife",  # dagger
    "\U0001f52b": "gun",  # pistol (a water pistol since 2016, still typed as a gun)
    "\U0001f4a3": "bomb",
    "\U0001f4a5": "bang",
    "\U0001f48a": "pills",
    "\U0001f489": "needle",
    "\U0001f343": "weed",  # leaf fluttering in wind
    "\U0001f33f": "weed",  # herb
    "\U0001f96c": "weed",  # leafy green
    "\u2744": "snow",
    "\U0001f344": "shrooms",
    "\U0001f346": "aubergine",
    "\U0001f351": "peach",
    "\U0001f4a6": "splash",
    "\U0001f445": "tongue",
    "\U0001f51e": "adult",  # no one under eighteen
    "\U0001fa78": "blood",  # drop of blood
    "\U0001fa62": "rope",  # knot
    "\U0001f480": "skull",
    "\u2620": "skull",
    "\U0001f52b\ufe0f": "gun",
    "\U0001f595": "finger",
    "\U0001f937": "shrug",
    "\U0001f92b": "shush",  # shushing face: keep it secret
    "\U0001f910": "shush",  # zipper-mouth face
    "\U0001f648": "shush",  # see-no-evil monkey
    "\U0001f4f8": "photo",
    "\U0001f4f7": "photo",
    "\U0001f933": "selfie",
}

_DROP = frozenset("\ufe0f\ufe0e\u200b\u200c\u200d\u2060\ufeff\u00ad\u034f\u180e\u2061\u2062\u2063\u2064")

# Inside a word, these stand for letters. Digits only where the word has letters too ("k1ll", not "2024").
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l"}
# Read as letters only in a word of four characters or three letters ("f4660t", "ni66a"): "y6", "6th", "9b" stay.
_LEET_WIDE = {**_LEET, "6": "g", "9": "g", "8": "b"}
_WORD = re.compile(r"[a-z][a-z0-9$@!|']*\*+[a-z0-9$@!|'*]*|[a-z0-9$@!|']+")
# Slurs as people mask them with asterisks ("n*****", "p*ki", "f****t"): a masked word reads as the first of
# these its visible letters fit, when two letters show or it is six long (a lone first letter is ambiguous).
_MASKABLE = (
    "nigger", "niggers", "nigga", "niggas", "paki", "pakis", "faggot", "faggots", "fag", "fags", "retard",
    "retarded", "retards", "spastic", "spaz", "tranny", "trannies", "dyke", "dykes", "chink", "chinks", "kike",
    "wog", "wogs", "coon", "coons", "gyppo", "pikey", "lesbo", "slut", "slag", "whore", "bitch", "kill", "kys",
)  # fmt: skip
_TEXTSPEAK = {"h8": "hate", "h8s": "hates", "h8ed": "hated", "gr8": "great", "l8r": "later", "2day": "today"}


@dataclass(frozen=True, slots=True)
class View:
    """A rewritten text and, for each of its characters, the index in the original it came from."""

    text: str
    origin: tuple[int, ...] | None  # None: the same indices as the original (plain ASCII, nothing changed)
    original_length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of view[start:end] (end exclusive)."""
        if self.origin is None:
            return start, end
        if end <= start:
            at = self.origin[start] if start < len(self.origin) else self.original_length
            return at, at
        return self.origin[start], self.origin[end - 1] + 1


def fold(text: str) -> View:
    """Lower case, look-alikes and accents gone, emoji as words; see the module's docstring."""
    if text.isascii():
        return View(text.lower(), None, len(text))
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        if char < "\x80":
            out.append(char.lower())
            origin.append(i)
            continue
        if char in _DROP:
            continue
        mapped = _CONFUSABLES.get(char) or _CONFUSABLES.get(char.lower())
        if mapped is None:
            word = _EMOJI_WORDS.get(char)
            if word is not None:
                mapped = f" {word} "
            else:
                decomposed = unicodedata.normalize("NFKD", char)
                mapped = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
                mapped = "".join(_CONFUSABLES.get(c, c) for c in mapped)
        for c in mapped:
            out.append(c)
            origin.append(i)
    return View("".join(out), tuple(origin), len(text))


def _letters(token: str) -> str:
    """A word as the detectors compare it: l33t as letters, no apostrophes, runs of a letter as one."""
    if not token.isalpha():
        if "*" in token:
            token = _unmask(token)
        token = token.replace("'", "").strip("!|")
        if token in _TEXTSPEAK:
            return _TEXTSPEAK[token]
        if not token.isalpha() and any(c.isalpha() for c in token):
            table = _LEET_WIDE if len(token) >= 4 or sum(c.isalpha() for c in token) >= 3 else _LEET
            token = "".join(table.get(c, c) for c in token)
    return _RUN.sub(r"\1", token) if _RUN.search(token) else token


_RUN = re.compile(r"(.)\1+")


def _unmask(token: str) -> str:
    """A word with asterisks in it: the masked slur it fits, or the word without its asterisks."""
    visible = sum(c != "*" for c in token)
    if visible >= 2 or len(token) >= 6:
        for word in _MASKABLE:
            if len(word) == len(token) and all(m in ("*", w) for m, w in zip(token, word, strict=True)):
                return word
    return token.replace("*", "")


def squash(text: str) -> str:
    """Runs of one character as one: how `words` spells every word, and so how phrases must be written."""
    return _RUN.sub(r"\1", text)


@dataclass(frozen=True, slots=True)
class Words:
    """The words view: the text, where each of its words starts, and the original span of each word."""

    text: str
    starts: tuple[int, ...]
    spans: tuple[tuple[int, int], ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the words that text[start:end] touches."""
        first = max(bisect_right(self.starts, start) - 1, 0)
        last = max(bisect_right(self.starts, end - 1) - 1, 0)
        return self.spans[first][0], self.spans[last][1]

    def position(self, original: int) -> int | None:
        """Where the word holding an original index starts in the words view, if any word does."""
        for start, (low, high) in zip(self.starts, self.spans, strict=True):
            if low <= original < high:
                return start
        return None


def words(folded: View) -> Words:
    """The folded text as one line of normalised words; see the module's docstring."""
    source = folded.text
    tokens = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(source)]
    tokens = _join_spelled_out(tokens, source)
    parts: list[str] = []
    starts: list[int] = []
    spans: list[tuple[int, int]] = []
    position = 1
    mapped = folded.origin is not None
    for raw, start, end in tokens:
        word = _letters(raw)
        if not word:
            continue
        parts.append(word)
        starts.append(position)
        spans.append(folded.span(start, end) if mapped else (start, end))
        position += len(word) + 1
    return Words(" " + " ".join(parts) + " ", tuple(starts), tuple(spans))


_SPELLED_GAP = re.compile(r"[\s.\-_*,/]{1,3}")


# Letters that are words on their own in texting ("u r a star", "c u l8r"): a run made only of these is words.
_SINGLE_LETTER_WORDS = frozenset("uraiycnbx")
# Words a rule looks for that begin with "a" or "i": spelled out, their first letter is not the article.
_A_I_WORDS = frozenset(
    squash(w)
    for w in [
        "immigrant", "immigrants", "islam", "isis", "idiot", "idiots", "infidel", "infidels", "inbred", "indians",
        "asian", "asians", "arab", "arabs", "africans", "autistic", "autist", "alcohol", "anorexic", "anorexia",
        "abuse", "abused", "attack", "addict", "addicted", "ammo", "armed", "ashamed", "alone", "anxiety",
    ]
)  # fmt: skip


def _join_spelled_out(tokens: list[tuple[str, int, int]], source: str) -> list[tuple[str, int, int]]:
    """Letters typed one at a time ("k i l l", "$ u i c i d e", "k.i.l.l") become one word.

    A run is three or more single characters with the same separator between each: where the separator
    changes, the word ends ("a f.a.g" is "a" and a word; "n.u.d.e.s x" is a word and a kiss), and a last "x"
    after three letters or more is a kiss too ("so g a y x"). A run made only of letters that are words in
    texting stays words, and a leading "a" or "i" before four or more letters is the article or the pronoun
    ("called me a p a k i").
    """
    if sum(1 for t in tokens if len(t[0]) == 1) < 3:
        return tokens
    out: list[tuple[str, int, int]] = []
    index = 0
    while index < len(tokens):
        if len(tokens[index][0]) != 1:
            out.append(tokens[index])
            index += 1
            continue
        # The longest run of single characters from here with one separator throughout.
        end = index + 1
        gap: str | None = None
        while end < len(tokens) and len(tokens[end][0]) == 1:
            this_gap = source[tokens[end - 1][2] : tokens[end][1]]
            if not _SPELLED_GAP.fullmatch(this_gap) or (gap is not None and this_gap != gap):
                break
            gap = this_gap
            end += 1
        # A different separator after the first letter: the first letter is a word of its own.
        if end - index == 2 and end < len(tokens) and len(tokens[end][0]) == 1:
            out.append(tokens[index])
            index += 1
            continue
        run = tokens[index:end]
        if len(run) >= 5 and run[0][0] in "ai" and squash("".join(t[0] for t in run)) not in _A_I_WORDS:
            out.append(run[0])
            run = run[1:]
        # A kiss after a spelled-out word with the same gap ("so g a y x") is a kiss, not a letter of it.
        kiss = run[-1] if len(run) >= 4 and run[-1][0] == "x" else None
        if kiss is not None:
            run = run[:-1]
        if len(run) >= 3 and not all(t[0] in _SINGLE_LETTER_WORDS for t in run):
            out.append(("".join(t[0] for t in run), run[0][1], run[-1][2]))
        else:
            out.extend(run)
        if kiss is not None:
            out.append(kiss)
        index = end
    return out
