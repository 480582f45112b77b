"""Outsiders on the web: a member of staff asks for one (`/externals/new`) and sees their requests; the DPO and
IT admins decide them (`/admin/externals/`). The pages call the same actions as the API."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staffroom.accounts import permissions
from staffroom.accounts.invitations import send_external_invitation
from staffroom.accounts.models import ExternalAccessRequest, Person
from staffroom.errors import NotFound, StaffroomError
from staffroom.messaging import actions, queries
from staffroom.messaging.models import Conversation
from staffroom.web.forms import DecisionForm, ExternalRequestForm, show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of

Kind = Conversation.Kind


def _conversations_run_by(viewer: Person) -> list[tuple[int, str]]:
    """Conversations the viewer runs that an outsider may join (not class channels or direct messages)."""
    candidates = (
        Conversation.objects.filter(memberships__person=viewer, archived_at__isnull=True)
        .exclude(kind__in=[Kind.CLASS, Kind.DIRECT])
        .order_by("title")
    )
    return [(c.pk, c.title) for c in candidates if permissions.allows(viewer, "conversation.manage_members", c)]


@signed_in
@require_http_methods(["GET", "POST"])
def request_external(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    if not permissions.allows(viewer, "external.request", viewer.organisation):
        raise NotFound()
    conversations = _conversations_run_by(viewer)
    status = 200
    if request.method == "POST":
        form = ExternalRequestForm(request.POST, conversations=conversations)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.request_external(
                    acting=viewer, name=data["name"], email=data["email"],
                    organisation_name=data["organisation_name"], reason=data["reason"],
                    conversation_ids=data["conversation_ids"], access_ends_on=data["access_ends_on"],
                )  # fmt: skip
            except StaffroomError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Your request was sent to the data protection officer and IT admins."))
                return redirect("web:externals")
        status = 422
    else:
        wanted = request.GET.get("conversation", "")
        initial = [int(wanted)] if wanted.isdigit() else []
        form = ExternalRequestForm(conversations=conversations)
        form.initial = {"conversation_ids": [i for i in initial if i in dict(conversations)]}
    mine = queries.my_external_requests(viewer)[:50]
    context = {"form": form, "requests": mine, "has_conversations": bool(conversations)}
    return render(request, "staffroom/externals/request.html", context, status=status)


def _decider(request: HttpRequest) -> Person:
    viewer = viewer_of(request)
    if not permissions.allows(viewer, "external.decide", viewer.organisation):
        raise NotFound()  # the console does not show itself to those who may not use it
    return viewer


@signed_in
@require_GET
def decide_list(request: HttpRequest) -> HttpResponse:
    viewer = _decider(request)
    requests = queries.external_requests(viewer)
    pending = list(requests.filter(status=ExternalAccessRequest.Status.PENDING).order_by("created_at"))
    decided = list(requests.exclude(status=ExternalAccessRequest.Status.PENDING).order_by("-decided_at")[:50])
    titles = dict(
        Conversation.objects.filter(pk__in={i for r in pending for i in r.conversation_ids}).values_list("pk", "title")
    )
    rows = [(r, [titles.get(i, _("(no longer there)")) for i in r.conversation_ids]) for r in pending]
    return render(request, "staffroom/admin/externals.html", {"pending": rows, "decided": decided})


@signed_in
@require_POST
def decide(request: HttpRequest, request_id: int, decision: str) -> HttpResponse:
    viewer = _decider(request)
    if decision not in ("approve", "refuse"):
        raise NotFound()
    form = DecisionForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    try:
        if decision == "approve":
            external = actions.approve_external(request_id, acting=viewer, reason=reason)
            sponsor = ExternalAccessRequest.objects.select_related("sponsor").get(pk=request_id).sponsor
            send_external_invitation(request, external, sponsor=sponsor)
            messages.success(
                request, _("%(name)s can now sign in; their invitation was emailed.") % {"name": external.name}
            )
        else:
            refused = actions.refuse_external(request_id, acting=viewer, reason=reason)
            messages.success(request, _("The request for %(name)s was refused.") % {"name": refused.name})
    except StaffroomError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    return redirect("web:admin_externals")
