"""Pinned messages: pinning and unpinning from a message's actions, the "Pinned" strip at the top of a
conversation (refreshed when an event says the pins changed), and the list of all of a conversation's pins."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from staffroom.accounts.models import Person
from staffroom.errors import Invalid
from staffroom.messaging import actions, pins, queries
from staffroom.messaging.models import Conversation, Pin
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of, with_sidebar
from staffroom.web.sidebar import conversation_name
from staffroom.web.timeline import snippet
from staffroom.web.views.messages import message_in, render_message

SNIPPET = 120


@signed_in
@require_POST
def pin(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """Pin the message, or with `unpin`, unpin it; the message comes back with its button changed."""
    viewer = viewer_of(request)
    found = message_in(viewer, conversation_id, message_id)
    try:
        if request.POST.get("unpin"):
            actions.unpin_message(found, acting=viewer)
        else:
            actions.pin_message(found, acting=viewer)
    except Invalid:
        # A button press with nothing to correct (the message was deleted meanwhile): show how things stand.
        return render_message(request, found, status=422)
    return render_message(request, found)


def pinned_rows(viewer: Person, conversation: Conversation) -> list[tuple[Pin, str]]:
    """The conversation's pins, latest first, each with a snippet of its message."""
    return [(p, snippet(p.message, SNIPPET)) for p in pins.pinned(viewer, conversation)]


def _pinned(request: HttpRequest, conversation_id: int) -> dict[str, Any]:
    viewer = viewer_of(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    return {
        "conversation": conversation,
        "pins": pinned_rows(viewer, conversation),
        "may_pin": pins.may_pin(viewer, conversation),
        "conversation_title": conversation_name(viewer, conversation),
    }


@signed_in
@require_GET
def strip(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The "Pinned" strip alone: the live script fetches it when the conversation's pins may have changed."""
    return render(request, "staffroom/fastpaths/pinned_strip.html", _pinned(request, conversation_id))


@signed_in
@require_GET
def pinned(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Every pinned message of the conversation, latest pinned first, each a link to it in the conversation."""
    context = with_sidebar(
        request, current_id=conversation_id, collapse_sidebar=True, **_pinned(request, conversation_id)
    )
    return render(request, "staffroom/fastpaths/pins.html", context)
