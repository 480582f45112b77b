"""What the layout shared by every page needs to know about the signed-in person."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from staffroom.accounts import queries as people_queries
from staffroom.accounts.models import Person


def admin_console(request: HttpRequest) -> dict[str, Callable[[], bool]]:
    """`manages_people`: whether the header offers the admin console. Asked only when a template uses it (the
    template calls it), so pages without the header do not pay for it."""
    user: Any = getattr(request, "user", None)
    if not isinstance(user, Person):
        return {}
    return {"manages_people": lambda: people_queries.manages_people(user)}
