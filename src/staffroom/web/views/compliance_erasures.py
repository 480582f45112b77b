"""Erasure requests in the compliance console (`/compliance/erasures/`), for the data protection officer: the
requests, logging one (the person found by name), and deciding one: what stands in the way is shown first, and
erasing asks to be confirmed with what it will remove. The same actions as the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.compliance import actions
from staffroom.compliance.erasure import reasons_to_refuse, what_would_be_erased
from staffroom.compliance.models import ErasureRequest
from staffroom.compliance.queries import erasure_candidates, erasure_request, erasure_requests
from staffroom.errors import NotFound, StaffroomError
from staffroom.web.forms import show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of

# What an erasure counts, in the school's words (the confirmation step and the record of a decision).
COUNTED = {
    "messages": _("Messages they wrote (blanked; each keeps its place in its conversation)"),
    "revisions": _("Earlier versions of their edited messages"),
    "attachments": _("Files they uploaded"),
    "files": _("Stored files deleted from disk"),
    "reactions": _("Reactions they added"),
    "acknowledgements": _("Announcements they acknowledged"),
    "mentions": _("Mentions of them, and in their messages"),
    "review_notes": _("Notes of membership reviews they wrote"),
    "sessions": _("Signed-in sessions"),
    "tokens": _("API tokens"),
    "sign_in_accounts": _("Single sign-on accounts (Google, Entra ID)"),
    "authenticators": _("Authenticator apps, passkeys and recovery codes"),
    "email_addresses": _("Sign-in addresses kept for password resets"),
    "roles": _("Roles held"),
    "classes": _("Classes they were in or taught"),
    "scim_records": _("The identity provider's record of them (SCIM)"),
    "audit_entries": _("Audit entries whose names, reasons and addresses were blanked"),
}


class LogForm(forms.Form):
    subject_id = forms.IntegerField(min_value=1, label=_("Who asked"))
    reason = forms.CharField(max_length=10000, label=_("What they asked for, and why"), widget=forms.Textarea)
    received_on = forms.DateField(required=False, label=_("Received on (empty: today)"))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=ErasureRequest.Decision.choices, label=_("Decision"))
    reason = forms.CharField(max_length=10000, label=_("Why (the record of the decision)"), widget=forms.Textarea)


def _dpo(request: HttpRequest) -> Person:
    viewer = viewer_of(request)
    if not permissions.allows(viewer, "erasure.decide", viewer.organisation):
        raise NotFound()  # the console does not show itself to those who may not use it
    return viewer


def _counted(counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(str(COUNTED.get(key, key)), count) for key, count in counts.items()]


@signed_in
@require_http_methods(["GET", "POST"])
def erasures(request: HttpRequest) -> HttpResponse:
    viewer = _dpo(request)
    words = request.GET.get("q", "")[:150]
    form = LogForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = actions.request_erasure(
                    data["subject_id"], acting=viewer, reason=data["reason"], received_on=data["received_on"]
                )
            except StaffroomError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("The request is logged. Decide it within one month of receipt."))
                return redirect("web:compliance_erasure", made.pk)
        status = 422
    candidates: list[Person] = []
    try:
        candidates = erasure_candidates(viewer, words)
    except StaffroomError:
        candidates = []
    chosen = form["subject_id"].value()
    context = {
        "requests": erasure_requests(viewer)[:200],
        "form": form,
        "q": words,
        "candidates": candidates,
        "chosen": str(chosen) if chosen else "",
        "console_section": "erasures",
        "console_home": True,
    }
    return render(request, "staffroom/compliance/erasures.html", context, status=status)


@signed_in
@require_http_methods(["GET", "POST"])
def erasure(request: HttpRequest, erasure_id: int) -> HttpResponse:
    viewer = _dpo(request)
    found = erasure_request(viewer, erasure_id)
    form = DecisionForm(request.POST or None)
    context: dict[str, Any] = {"console_section": "erasures", "console_home": False}
    status = 200
    if request.method == "POST" and found.status == ErasureRequest.Status.OPEN:
        if form.is_valid():
            decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
            erase = decision == ErasureRequest.Decision.ERASE
            if erase and request.POST.get("confirmed") != "yes" and not reasons_to_refuse(found.subject):
                context |= {"found": found, "form": form, "preview": _counted(what_would_be_erased(found.subject))}
                return render(request, "staffroom/compliance/erasure_confirm.html", context)
            try:
                actions.decide_erasure(found.pk, acting=viewer, decision=decision, reason=reason)
            except StaffroomError as exc:
                show_error(form, exc)
            else:
                done = _("The person's data is erased.") if erase else _("The refusal and its reason are recorded.")
                messages.success(request, done)
                return redirect("web:compliance_erasure", found.pk)
        status = 422
    context |= {
        "found": found,
        "form": form,
        "refusals": reasons_to_refuse(found.subject) if found.status == ErasureRequest.Status.OPEN else [],
        "erased": _counted(found.erased),
    }
    return render(request, "staffroom/compliance/erasure.html", context, status=status)
