"""One message at a time: its fragment (for live updates), editing, deleting, reactions and read receipts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staffroom.accounts.models import Person
from staffroom.errors import Invalid, NotFound, StaffroomError
from staffroom.messaging import actions, queries
from staffroom.messaging.models import Message
from staffroom.web.forms import EditMessageForm, ReactionForm, show_error
from staffroom.web.guards import is_htmx, signed_in
from staffroom.web.pages import viewer_of
from staffroom.web.timeline import Timeline


def message_in(viewer: Person, conversation_id: int, message_id: int, *, to_edit: bool = False) -> Message:
    """A message the viewer can see (or with `to_edit`, may edit), reached through the conversation in its URL."""
    message = queries.editable_message(viewer, message_id) if to_edit else queries.get_message(viewer, message_id)
    if message.conversation_id != conversation_id:
        raise NotFound()
    return message


def render_message(request: HttpRequest, message: Message, *, receipt: bool = False, status: int = 200) -> HttpResponse:
    """The message's fragment for htmx; a browser without JavaScript goes back to the conversation."""
    if not is_htmx(request) and request.method == "POST":
        url = reverse("web:conversation", args=[message.conversation_id]) + f"#message-{message.pk}"
        return redirect(url)
    viewer = viewer_of(request)
    message = queries.get_message(viewer, message.pk)  # fresh, with reactions and acknowledgements
    row = Timeline(viewer, message.conversation).row(message, receipt=receipt)
    return render(
        request,
        "staffroom/conversation.html#message",
        {"row": row, "conversation": message.conversation},
        status=status,
    )


@signed_in
@require_GET
def message(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """One message as the page shows it. The live script fetches this when an event says it changed."""
    viewer = viewer_of(request)
    found = message_in(viewer, conversation_id, message_id)
    return render_message(request, found, receipt=request.GET.get("receipt") == "1")


@signed_in
@require_GET
def receipt(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """Who has seen one of the viewer's messages."""
    viewer = viewer_of(request)
    found = message_in(viewer, conversation_id, message_id)
    row = Timeline(viewer, found.conversation).row(found, receipt=True)
    return render(request, "staffroom/conversation.html#receipt", {"row": row, "conversation": found.conversation})


def _edit_context(message: Message, form: EditMessageForm) -> dict[str, Any]:
    return {"message": message, "conversation": message.conversation, "edit_form": form}


@signed_in
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    found = message_in(viewer, conversation_id, message_id, to_edit=True)
    if request.method == "GET":
        form = EditMessageForm(initial={"body": found.body})
        template = "staffroom/conversation.html#edit_form" if is_htmx(request) else "staffroom/message_edit.html"
        return render(request, template, _edit_context(found, form))
    form = EditMessageForm(request.POST)
    if form.is_valid():
        try:
            actions.edit_message(found, acting=viewer, body=form.cleaned_data["body"])
        except StaffroomError as exc:
            show_error(form, exc, default_field="body")
        else:
            return render_message(request, found)
    template = "staffroom/conversation.html#edit_form" if is_htmx(request) else "staffroom/message_edit.html"
    return render(request, template, _edit_context(found, form), status=422)


@signed_in
@require_POST
def delete(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    found = message_in(viewer, conversation_id, message_id)
    actions.delete_message(found, acting=viewer)
    return render_message(request, found)


@signed_in
@require_POST
def react(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    found = message_in(viewer, conversation_id, message_id)
    form = ReactionForm(request.POST)
    if not form.is_valid():
        return render_message(request, found, status=422)
    try:
        actions.react(found, form.cleaned_data["emoji"], acting=viewer, add=not form.cleaned_data["remove"])
    except Invalid:
        # A reaction is a button press with nothing to correct; the refreshed message shows how things stand.
        # Going too fast (RateLimited) is left to the guard, whose alert says how long to wait.
        return render_message(request, found, status=422)
    return render_message(request, found)
