"""New message: the short way to a direct message. One search box ("Who to?"), the people the viewer may
message, and a button for each that opens the direct message with them (started if there is none yet)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from staffroom.accounts import queries as people_queries
from staffroom.errors import Invalid
from staffroom.messaging import actions
from staffroom.messaging.models import Conversation
from staffroom.web import sidebar
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of, with_sidebar
from staffroom.web.timeline import role_label

MAX_QUERY = 100


@signed_in
@require_http_methods(["GET", "POST"])
def new_message(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    if request.method == "POST":
        return _start(request)
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY]
    may_message = sidebar.may_message(viewer)
    people = []
    if may_message:
        # The same directory (and so the same rules) as everywhere else people are chosen: staff never see
        # pupils here, and the action checks again when the button is pressed.
        people = [(p, role_label(p)) for p in people_queries.directory(viewer, search=query) if p.pk != viewer.pk]
    # On a phone the list folds away, as above a conversation, so "Who to?" is the first thing seen.
    context = with_sidebar(request, query=query, people=people, may_message=may_message, collapse_sidebar=True)
    return render(request, "staffroom/new_message.html", context)


def _start(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    try:
        person_id = int(request.POST.get("person_id", ""))
    except ValueError:
        raise Invalid("person_id", _("Choose the person to message.")) from None
    # The action returns the direct message these two already have, or starts it; it refuses anyone the
    # viewer may not message (a pupil, for a member of staff) with its own error, answered as a 4xx page.
    conversation = actions.create_conversation(acting=viewer, kind=Conversation.Kind.DIRECT, member_ids=[person_id])
    return redirect(reverse("web:conversation", args=[conversation.pk]) + "?focus=composer")
