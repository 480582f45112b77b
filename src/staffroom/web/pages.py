"""What every signed-in page shares: the conversation list and the position of the live event stream."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from staffroom.accounts.models import Person
from staffroom.realtime import streams as realtime
from staffroom.web import sidebar


def viewer_of(request: HttpRequest) -> Person:
    """The signed-in person (views are wrapped in `guards.signed_in`, so there always is one)."""
    user = request.user
    assert isinstance(user, Person)
    return user


def stream_position(request: HttpRequest) -> int:
    """Where the viewer's event stream stands. Read it before reading what the page shows: the live script
    resumes from here, so anything that changes after the read is replayed and nothing falls in between."""
    return realtime.current_seq(viewer_of(request).pk)


def with_sidebar(
    request: HttpRequest, *, current_id: int | None = None, seq: int | None = None, **context: Any
) -> dict[str, Any]:
    """Context for a page with the conversation list and live updates (`seq`: see `stream_position`)."""
    viewer = viewer_of(request)
    if seq is None:
        seq = stream_position(request)
    return {"sidebar": sidebar.build(viewer, current_id=current_id), "seq": seq, "live": True, **context}
