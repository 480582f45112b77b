"""Announcements: acknowledging one, and for its sender who has and has not, with a reminder to the rest."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from staffroom.errors import NotFound, PermissionDenied, StaffroomError
from staffroom.messaging import actions
from staffroom.web.guards import is_htmx, signed_in
from staffroom.web.pages import viewer_of
from staffroom.web.timeline import Acknowledgements, acknowledgements_for
from staffroom.web.views.messages import message_in, render_message


def _render_status(request: HttpRequest, acknowledgements: Acknowledgements, *, status: int = 200) -> HttpResponse:
    message = acknowledgements.status.message
    if not is_htmx(request) and request.method == "POST":
        return redirect(reverse("web:conversation", args=[message.conversation_id]) + f"#message-{message.pk}")
    context = {"message": message, "conversation": message.conversation, "acks": acknowledgements}
    return render(request, "staffroom/conversation.html#ack_status", context, status=status)


@signed_in
@require_POST
def acknowledge(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    message = message_in(viewer, conversation_id, message_id)
    actions.acknowledge(message, acting=viewer)
    return render_message(request, message)


@signed_in
@require_GET
def acknowledgement_status(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """The "N of M acknowledged" block with its details, which the page refreshes as people acknowledge."""
    viewer = viewer_of(request)
    message = message_in(viewer, conversation_id, message_id)
    return _render_status(request, acknowledgements_for(viewer, message))


@signed_in
@require_POST
def remind(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    message = message_in(viewer, conversation_id, message_id)
    notice = error = ""
    try:
        reminded = actions.remind_unacknowledged(message, acting=viewer)
    except (NotFound, PermissionDenied):
        raise
    except StaffroomError as exc:
        error = exc.message
    else:
        notice = ngettext("Reminder sent to %(n)d person.", "Reminder sent to %(n)d people.", reminded) % {
            "n": reminded
        }
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, notice)
    acknowledgements = acknowledgements_for(viewer, message)
    acknowledgements.notice, acknowledgements.error = notice, error
    return _render_status(request, acknowledgements, status=422 if error else 200)
