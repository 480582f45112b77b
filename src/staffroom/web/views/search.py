"""Searching the messages one may see."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from staffroom.errors import Invalid
from staffroom.messaging.models import Message
from staffroom.messaging.search import search_messages
from staffroom.web.forms import SearchForm, show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of
from staffroom.web.sidebar import conversation_name
from staffroom.web.timeline import snippet

RESULT_LIMIT = 50


@signed_in
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    form = SearchForm(request.GET)
    results: list[tuple[Message, str, str]] = []
    searched = False
    status = 200
    if "q" in request.GET and form.is_valid():
        searched = True
        try:
            found = search_messages(viewer, form.cleaned_data["q"], limit=RESULT_LIMIT)
        except Invalid as exc:
            show_error(form, exc)
            status = 422
        else:
            names: dict[int, str] = {}
            for message in found:
                if message.conversation_id not in names:
                    names[message.conversation_id] = conversation_name(viewer, message.conversation)
                results.append((message, names[message.conversation_id], snippet(message, 300)))
    context = {"form": form, "results": results, "searched": searched, "search_query": request.GET.get("q", "")}
    return render(request, "staffroom/search.html", context, status=status)
