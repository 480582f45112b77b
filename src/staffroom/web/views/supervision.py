"""Supervised class channels, for the safeguarding lead: reading what a message said (after giving a reason)
and hiding a harmful message; for the teachers who run a class channel: its posting rules."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from staffroom.accounts import permissions
from staffroom.errors import NotFound, StaffroomError
from staffroom.messaging import actions, queries
from staffroom.messaging.models import Conversation, Message
from staffroom.web.forms import PostingRulesForm, ReasonForm, show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of, with_sidebar
from staffroom.web.sidebar import conversation_name


def _overseen_message(request: HttpRequest, conversation_id: int, message_id: int, permission: str) -> Message:
    """A message of the conversation in the URL that the viewer may act on as its overseer; else NotFound, so
    nobody else learns that there is anything to see."""
    viewer = viewer_of(request)
    message = queries.get_message(viewer, message_id)
    if message.conversation_id != conversation_id or not permissions.allows(viewer, permission, message):
        raise NotFound()
    return message


def _page(request: HttpRequest, template: str, message: Message, **extra: Any) -> HttpResponse:
    viewer = viewer_of(request)
    context = with_sidebar(
        request,
        current_id=message.conversation_id,
        conversation=message.conversation,
        conversation_title=conversation_name(viewer, message.conversation),
        message=message,
        **extra,
    )
    return render(request, template, context, status=422 if extra.get("invalid") else 200)


@signed_in
@require_http_methods(["GET", "POST"])
def message_history(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """Ask for a reason; then record the look and show the text, deleted or not, and every earlier version."""
    message = _overseen_message(request, conversation_id, message_id, "message.history")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            history = actions.view_message_history(
                message, acting=viewer_of(request), reason=form.cleaned_data["reason"]
            )
        except StaffroomError as error:
            show_error(form, error, default_field="reason")
        else:
            return _page(request, "staffroom/message_history.html", message, history=history)
    return _page(request, "staffroom/message_history.html", message, form=form, invalid=bool(form.errors))


@signed_in
@require_http_methods(["GET", "POST"])
def hide_message(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """Ask for a reason, then hide the message from everyone but the safeguarding leads."""
    message = _overseen_message(request, conversation_id, message_id, "message.hide")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.hide_message(message, acting=viewer_of(request), reason=form.cleaned_data["reason"])
        except StaffroomError as error:
            show_error(form, error, default_field="reason")
        else:
            return redirect(reverse("web:conversation", args=[conversation_id]) + f"#message-{message.pk}")
    return _page(request, "staffroom/message_hide.html", message, form=form, invalid=bool(form.errors))


@signed_in
@require_http_methods(["GET", "POST"])
def posting_rules(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """A class channel's posting hours for pupils and teacher-only mode, for those who run it."""
    viewer = viewer_of(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    if conversation.kind != Conversation.Kind.CLASS or not permissions.allows(
        viewer, "conversation.posting_rules", conversation
    ):
        raise NotFound()
    initial = {
        "pupil_hours_start": conversation.pupil_hours_start,
        "pupil_hours_end": conversation.pupil_hours_end,
        "staff_only": conversation.staff_only,
    }
    form = PostingRulesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_posting_rules(conversation, acting=viewer, **form.cleaned_data)
        except StaffroomError as error:
            show_error(form, error)
        else:
            return redirect("web:members", conversation.pk)
    context = with_sidebar(
        request,
        current_id=conversation.pk,
        conversation=conversation,
        conversation_title=conversation_name(viewer, conversation),
        form=form,
    )
    return render(request, "staffroom/posting_rules.html", context, status=422 if form.errors else 200)
