"""Text people type (titles, descriptions, message bodies, names), made safe to store, show and compare.

Every action that keeps typed text passes it through `clean` first, so the rule lives in one place:

- NFC normalisation, so the same words are the same characters (search, duplicates, detectors).
- Bidirectional embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069) are removed: they
  make text display in a different order from the one it is stored in ("Trojan Source"), so a title or a
  message can show one thing and say another. Plain right-to-left writing needs none of them.
- Zero-width and invisible characters (U+200B, U+2060, U+FEFF, and the like) are removed: they make blank
  messages and look-alike titles, and split words so that safeguarding detectors miss them. The two joiners
  are kept only where they mean something: a zero-width joiner inside an emoji sequence (a family, a flag,
  a profession with a skin tone), and either joiner between letters of the scripts that use them (Arabic,
  Persian, Urdu, the Indic scripts...), where they change how a word is written.
- Other control characters go; in one-line text, line breaks and tabs become spaces and runs of spaces one.

Callers decide what an empty result means (`clean` never raises); `was_only_invisible` tells them whether
the person typed something that turned out to be nothing visible, so the message can say so.
"""

from __future__ import annotations

import unicodedata

ZWNJ = "\u200c"
ZWJ = "\u200d"
JOINERS = frozenset({ZWNJ, ZWJ})
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
INVISIBLE = frozenset(
    "\u200b"  # zero width space
    "\u2060"  # word joiner
    "\ufeff"  # zero width no-break space (byte order mark)
    "\u00ad"  # soft hyphen
    "\u034f"  # combining grapheme joiner
    "\u180e"  # Mongolian vowel separator
    "\u2061\u2062\u2063\u2064"  # invisible mathematical operators
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers: blank letters used for blank names
)
REMOVED = BIDI_CONTROLS | INVISIBLE
LINE_BREAKS = frozenset("\n\r\u0085\u2028\u2029\x0b\x0c")
# Letters at or above this code point belong to scripts where the joiners shape words (Hebrew onwards:
# Arabic, Syriac, Thaana, the Indic scripts, ...); Latin, Greek and Cyrillic have no use for them.
_JOINING_SCRIPTS_FROM = 0x0590
_VARIATION_SELECTOR_16 = "\ufe0f"


def _is_emoji(char: str) -> bool:
    return unicodedata.category(char) == "So"


def _ends_emoji(char: str) -> bool:
    """Something a ZWJ may follow inside an emoji sequence: an emoji, its VS16 or a skin tone (Sk)."""
    return _is_emoji(char) or char == _VARIATION_SELECTOR_16 or 0x1F3FB <= ord(char) <= 0x1F3FF


def _shapes_words(char: str) -> bool:
    return ord(char) >= _JOINING_SCRIPTS_FROM and unicodedata.category(char)[0] in "LM"


def _joiner_means_something(joiner: str, before: str, after: str) -> bool:
    if joiner == ZWJ and _ends_emoji(before) and _is_emoji(after):
        return True
    return _shapes_words(before) and _shapes_words(after)


def _keep_meaningful_joiners(text: str) -> str:
    kept: list[str] = []
    for i, char in enumerate(text):
        if char in JOINERS:
            before = kept[-1] if kept else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if not (before and after and _joiner_means_something(char, before, after)):
                continue
        kept.append(char)
    return "".join(kept)


def _drop_controls(text: str, *, multiline: bool) -> str:
    out: list[str] = []
    for char in text:
        if char in REMOVED:
            continue
        if char in LINE_BREAKS or char == "\t":
            out.append("\n" if multiline and char != "\t" else ("\t" if multiline else " "))
        elif unicodedata.category(char) == "Cc":
            continue
        else:
            out.append(char)
    return "".join(out)


def _once(text: str, *, multiline: bool) -> str:
    text = text.replace("\r\n", "\n")
    text = _drop_controls(text, multiline=multiline)
    text = unicodedata.normalize("NFC", text)
    text = _keep_meaningful_joiners(text)
    if not multiline:
        text = " ".join(text.split())
    return text.strip()


def clean(text: str | None, *, multiline: bool = False) -> str:
    """`text` normalised as described above, trimmed. `multiline` keeps line breaks and tabs (message bodies);
    otherwise the result is one line (titles, names)."""
    text = text or ""
    # Removing a character can bring two others together that compose, or strand a joiner; repeat until
    # nothing changes so that cleaning clean text changes nothing (each pass only shortens the text).
    while True:
        cleaned = _once(text, multiline=multiline)
        if cleaned == text:
            return cleaned
        text = cleaned


def was_only_invisible(raw: str | None, cleaned: str) -> bool:
    """True when the person typed something, but nothing visible was left once it was cleaned."""
    return not cleaned and bool((raw or "").strip())
