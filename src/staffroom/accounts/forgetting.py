"""Forgetting a person (an erasure, UK GDPR Art. 17): how apps above compliance remove what they keep about them.

Compliance's erasure action may not import those apps (imports run one way, docs/architecture.md), so it sends
`person_forgotten` inside its transaction, after the person's own rows are anonymised, and each app that keeps
something of its own about people (SCIM's record of what the directory sent) connects a receiver that deletes
it and returns `{what: count}`. Receivers must not write audit entries: the erasure records the counts.
"""

from __future__ import annotations

from django.dispatch import Signal

from staffroom.accounts.models import Person

# Sent with `person=` (the subject, locked) inside the erasure's transaction; a receiver returns {what: count}.
person_forgotten = Signal()


def forget(person: Person) -> dict[str, int]:
    """Ask every connected app to delete what it keeps about `person`; their counts, added up."""
    counts: dict[str, int] = {}
    for _receiver, answer in person_forgotten.send(sender=Person, person=person):
        found: dict[str, int] = answer if isinstance(answer, dict) else {}
        for what, count in found.items():
            counts[what] = counts.get(what, 0) + int(count)
    return counts
