"""Who can be @mentioned in a conversation, found by name as it is typed: its active members (the same people
the send path turns `@handle` into a mention for), matched on the start of any part of the name, ignoring case
and accents, so "zo" finds Zoë and "obrien" finds O'Brien."""

from __future__ import annotations

import re
import unicodedata

from staffroom.accounts.models import Person
from staffroom.messaging import queries
from staffroom.messaging.models import Conversation, Membership

MAX_SUGGESTIONS = 8


def fold(text: str) -> str:
    """Lower case without accents or punctuation inside words: the form names are compared in."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return re.sub("['\u2019.\\-]", "", plain)


def _matches(person: Person, wanted: str) -> bool:
    words = fold(person.name).split()
    return any(word.startswith(wanted) for word in words) or fold(person.handle).startswith(wanted)


def mention_candidates(viewer: Person, conversation: Conversation, search: str) -> list[Membership]:
    """Active members of a conversation the viewer can see whose name (first, last or any part) or handle starts
    with `search`, best first: those whose first name matches, then by name. Never the viewer themselves."""
    members = [m for m in queries.members(viewer, conversation) if m.person.is_active and m.person_id != viewer.pk]
    wanted = fold(search.strip().lstrip("@"))
    if not wanted:
        return members[:MAX_SUGGESTIONS]
    found = [m for m in members if _matches(m.person, wanted)]
    found.sort(key=lambda m: (not fold(m.person.name).startswith(wanted), m.person.name.casefold(), m.person_id))
    return found[:MAX_SUGGESTIONS]
