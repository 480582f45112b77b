"""Searching the messages one may see."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from staffroom.accounts.models import Person
from staffroom.errors import Invalid, NotFound
from staffroom.messaging import queries
from staffroom.messaging.models import Conversation, Message
from staffroom.messaging.search import search_messages
from staffroom.web.forms import SearchForm, show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of
from staffroom.web.sidebar import conversation_name
from staffroom.web.timeline import snippet

RESULT_LIMIT = 50


def within_conversation(viewer: Person, value: str | None) -> Conversation | None:
    """The conversation a search is limited to (`?in=<id>`), or None; NotFound unless the viewer can see it."""
    if not value:
        return None
    try:
        conversation_id = int(value)
    except ValueError:
        raise NotFound() from None
    return queries.get_conversation(viewer, conversation_id)


@signed_in
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    form = SearchForm(request.GET)
    results: list[tuple[Message, str, str]] = []
    searched = False
    status = 200
    # `in`: search one conversation only (its header's search button); NotFound if the viewer cannot see it.
    within = within_conversation(viewer, request.GET.get("in"))
    if "q" in request.GET and form.is_valid():
        searched = True
        try:
            found = search_messages(
                viewer, form.cleaned_data["q"], limit=RESULT_LIMIT, conversation_id=within.pk if within else None
            )
        except Invalid as exc:
            show_error(form, exc)
            status = 422
        else:
            names: dict[int, str] = {}
            for message in found:
                if message.conversation_id not in names:
                    names[message.conversation_id] = conversation_name(viewer, message.conversation)
                results.append((message, names[message.conversation_id], snippet(message, 300)))
    context = {
        "form": form,
        "results": results,
        "searched": searched,
        "search_query": request.GET.get("q", ""),
        "within": within,
        "within_title": conversation_name(viewer, within) if within else "",
    }
    return render(request, "staffroom/search.html", context, status=status)
