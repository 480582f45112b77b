"""Telling the apps above accounts that someone became staff of a school (added, or their school or roles
changed), inside the same transaction, so that what follows from it (e.g. joining an "all staff" announcement
channel) happens with it or not at all. Accounts cannot import the apps above it; they register here."""

from __future__ import annotations

from collections.abc import Callable

from staffroom.accounts.actors import Actor
from staffroom.accounts.models import Person

JoinListener = Callable[[Person, Actor], None]
_listeners: list[JoinListener] = []


def when_joined(listener: JoinListener) -> None:
    """Call `listener(person, acting)` whenever a person is added, or their school or roles change."""
    if listener not in _listeners:
        _listeners.append(listener)


def joined(person: Person, acting: Actor) -> None:
    """Run inside the action's transaction, before its own audit entry (the audit chain is locked last)."""
    for listener in _listeners:
        listener(person, acting)
