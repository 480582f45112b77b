"""The DSL queue's pages: `/safeguarding/` (every concern of the lead's school, open and high first, with
filters) and `/safeguarding/<id>/` (the message in context as the lead sees it, edits and deleted text marked,
the notes, and the forms to assign, note, mark reviewed, escalate with the referral and close with the outcome).
Anyone who is not a safeguarding lead gets the 404 page. The same actions as the API, so every look is audited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from staffroom.errors import NotFound, PermissionDenied, StaffroomError
from staffroom.messaging import queries as messaging_queries
from staffroom.safeguarding import actions, queries
from staffroom.safeguarding.models import Concern
from staffroom.safeguarding.policy import explain
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of

ANY = [("", _("Any"))]


class QueueFilters(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ANY + list(Concern.Status.choices), required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=ANY + list(Concern.Severity.choices), required=False)
    category = forms.ChoiceField(label=_("Category"), choices=ANY + list(Concern.Category.choices), required=False)
    mine = forms.BooleanField(label=_("Only those given to me"), required=False)


@signed_in
@require_GET
def queue_page(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    if not queries.may_view_queue(viewer):
        raise NotFound()
    form = QueueFilters(request.GET)
    chosen: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    filters = queries.Filters(
        status=chosen.get("status") or None,
        severity=chosen.get("severity") or None,
        category=chosen.get("category") or None,
        assigned_to=viewer.pk if chosen.get("mine") else None,
    )
    try:
        page = actions.list_concerns(acting=viewer, filters=filters, cursor=request.GET.get("cursor"))
    except PermissionDenied:
        raise NotFound() from None
    context: dict[str, Any] = {
        "concerns": page.items,
        "next": page.next,
        "filters": form,
        "query": request.GET.copy(),
        # Photos held for review the lead may release or remove, so that none is forgotten.
        "held_photos": messaging_queries.held_photos(viewer),
    }
    return render(request, "staffroom/safeguarding/queue.html", context)


def _leads(concern: Concern) -> list[Any]:
    return list(queries.leads_of(concern))


@signed_in
@require_GET
def concern_page(request: HttpRequest, concern_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    opened = actions.open_concern(concern_id, acting=viewer)
    concern = opened.concern
    context = {
        "concern": concern,
        # One line per kind found: several phrases of one kind say the same thing to the DSL.
        "why": list(dict.fromkeys(explain(f) for f in concern.findings or [] if isinstance(f, dict))),
        "context": opened.context,
        "notes": opened.notes,
        "leads": _leads(concern),
        "moves": [s for s in queries.STATUS_ORDER if s in actions.MOVES[concern.status]],
    }
    return render(request, "staffroom/safeguarding/concern.html", context)


@signed_in
@require_POST
def concern_update(request: HttpRequest, concern_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    post = request.POST
    changes: dict[str, Any] = {}
    if "assigned_to" in post:
        raw = post.get("assigned_to", "")
        changes["assigned_to"] = int(raw) if raw.isdigit() else None
    if post.get("status"):
        changes["status"] = post["status"]
    try:
        actions.update_concern(
            concern_id, acting=viewer, note=post.get("note"), referral=post.get("referral"),
            outcome=post.get("outcome"), **changes,
        )  # fmt: skip
    except (NotFound, PermissionDenied):
        raise NotFound() from None
    except StaffroomError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved in the concern's record."))
    return redirect("web:safeguarding_concern", concern_id=concern_id)
