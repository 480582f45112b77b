"""The emoji Staffroom knows: the `emoji` package's data set (Unicode's emoji list), not a hand-written one.

A reaction must be one emoji the data set knows (any qualification, any skin tone). The picker offers the
fully-qualified ones without skin-tone variants, grouped by the Unicode block their first character is in: a
grouping derived from the code points alone, so it is the same on every server and changes only when the data
set does. `VERSION` names the data set, so the picker's JSON can be cached for a long time under a URL that
changes with it.
"""

from __future__ import annotations

import functools
import hashlib
import json

import emoji

FULLY_QUALIFIED = emoji.STATUS["fully_qualified"]
SKIN_TONES = range(0x1F3FB, 0x1F400)
MAX_LENGTH = 32  # code points; the longest sequence in the data set is well under this

# (group key, first code point, last code point); the first range that holds an emoji's first character wins.
GROUPS: tuple[tuple[str, int, int], ...] = (
    ("faces", 0x1F600, 0x1F64F),  # Emoticons
    ("pictures", 0x1F300, 0x1F5FF),  # Miscellaneous Symbols and Pictographs
    ("travel", 0x1F680, 0x1F6FF),  # Transport and Map Symbols
    ("more", 0x1F900, 0x1F9FF),  # Supplemental Symbols and Pictographs
    ("more", 0x1FA70, 0x1FAFF),  # Symbols and Pictographs Extended-A
    ("flags", 0x1F1E6, 0x1F1FF),
    ("flags", 0x1F3F4, 0x1F3F4),
)
OTHER_GROUP = "symbols"
GROUP_ORDER = ("faces", "pictures", "more", "travel", "symbols", "flags")


def is_known(text: str) -> bool:
    """True when `text` is exactly one emoji of the data set (a skin tone or hair style on its own is not one)."""
    if not text or len(text) > MAX_LENGTH:
        return False
    data = emoji.EMOJI_DATA.get(text)
    return data is not None and data["status"] != emoji.STATUS["component"]


def name(text: str) -> str:
    """The emoji's English name ("thumbs up"), or the text itself when the data set does not know it."""
    data = emoji.EMOJI_DATA.get(text)
    if data is None:
        return text
    return str(data["en"]).strip(":").replace("_", " ")


def _group(text: str) -> str:
    first = ord(text[0])
    if first == 0x1F3F4 and len(text) == 1:
        return "symbols"  # the plain black flag; its tag sequences are the flags of nations
    for key, low, high in GROUPS:
        if low <= first <= high:
            return key
    return OTHER_GROUP


def _offered(text: str, status: int) -> bool:
    return status == FULLY_QUALIFIED and not any(ord(c) in SKIN_TONES for c in text)


@functools.cache
def catalogue() -> dict[str, object]:
    """The picker's data: groups in a fixed order, each a list of [emoji, English name] in code point order."""
    grouped: dict[str, list[list[str]]] = {key: [] for key in GROUP_ORDER}
    for text, data in sorted(emoji.EMOJI_DATA.items(), key=lambda item: [ord(c) for c in item[0]]):
        if _offered(text, data["status"]):
            grouped[_group(text)].append([text, name(text)])
    return {
        "version": VERSION,
        "groups": [{"key": key, "emoji": items} for key, items in grouped.items() if items],
    }


def _version() -> str:
    digest = hashlib.sha256(emoji.__version__.encode())
    digest.update(json.dumps(GROUPS).encode())
    return digest.hexdigest()[:12]


VERSION = _version()
