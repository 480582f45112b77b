"""What the layout shared by every page needs to know about the signed-in person."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from staffroom.accounts.models import Person
from staffroom.web import console


def admin_console(request: HttpRequest) -> dict[str, Callable[[], list[console.Section]]]:
    """`console_sections`: the admin console's sections the person may use (none: the header does not offer
    the console). Worked out only when a template asks (it calls it), and once per request."""
    user: Any = getattr(request, "user", None)
    if not isinstance(user, Person):
        return {}
    return {"console_sections": functools.cache(lambda: console.sections(user))}


def device(request: HttpRequest) -> dict[str, Callable[[], bool]]:
    """`sound_on`: whether new messages make a sound on this person's pages (their preference, off by default).
    Looked up only when the layout asks."""
    user: Any = getattr(request, "user", None)
    if not isinstance(user, Person):
        return {}

    def sound_on() -> bool:
        from staffroom.accounts.models import Preferences

        return bool(Preferences.objects.filter(person=user, sound=True).exists())

    return {"sound_on": functools.cache(sound_on)}


def safeguarding(request: HttpRequest) -> dict[str, Callable[[], int | None]]:
    """`safeguarding_open`: for a safeguarding lead, how many concerns of their school are open (the header links
    the queue with it); None for everyone else. Worked out only when the layout asks, once per request."""
    user: Any = getattr(request, "user", None)
    if not isinstance(user, Person):
        return {}

    def open_concerns() -> int | None:
        from staffroom.safeguarding import queries

        return queries.open_count(user) if queries.may_view_queue(user) else None

    return {"safeguarding_open": functools.cache(open_concerns)}
