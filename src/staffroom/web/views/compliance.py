"""The compliance console's audit log (`/compliance/`): the data protection officer's (and IT admins') view of
every recorded action, filtered, downloadable, with the state of its hash chain."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.compliance import audit
from staffroom.compliance.audit import MEANINGS
from staffroom.compliance.export import audit_csv
from staffroom.compliance.queries import PAGE, AuditFilters, audit_log
from staffroom.errors import NotFound, StaffroomError
from staffroom.web.forms import show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of


class AuditFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label=_("Who or what (name, title or reason)"))
    action = forms.ChoiceField(required=False, label=_("Action"))
    since = forms.DateField(required=False, label=_("From"))
    until = forms.DateField(required=False, label=_("To"))
    conversation_id = forms.IntegerField(required=False, min_value=1, label=_("Conversation number"))

    def __init__(self, data: object = None) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        choices = [("", _("Any action"))] + [(a.value, f"{MEANINGS[a]} ({a.value})") for a in MEANINGS]
        self.fields["action"].choices = choices  # type: ignore[attr-defined]


def _auditor(request: HttpRequest) -> Person:
    viewer = viewer_of(request)
    if not permissions.allows(viewer, "audit.view", viewer.organisation):
        raise NotFound()  # the console does not show itself to those who may not use it
    return viewer


def _filters(form: AuditFilterForm) -> AuditFilters:
    data = form.cleaned_data
    return AuditFilters(
        q=data["q"], action=data["action"], since=data["since"], until=data["until"],
        conversation_id=data["conversation_id"],
    )  # fmt: skip


@signed_in
@require_GET
def audit_page(request: HttpRequest) -> HttpResponse:
    viewer = _auditor(request)
    form = AuditFilterForm(request.GET or None)
    entries, more, status = [], False, 200
    filters = AuditFilters()
    if request.GET and not form.is_valid():
        status = 422
    else:
        if request.GET:
            filters = _filters(form)
        try:
            found = audit_log(viewer, filters)
            before = request.GET.get("before", "")
            if before.isdigit():
                found = found.filter(pk__lt=int(before))
            entries = list(found[: PAGE + 1])
        except StaffroomError as exc:
            show_error(form, exc)
            status = 422
    more = len(entries) > PAGE
    entries = entries[:PAGE]
    kept = {k: v for k, v in request.GET.items() if k != "before" and v}
    context = {
        "form": form,
        "entries": [(e, audit.entry_payload(e)) for e in entries],
        "query": urlencode(kept),
        "next_before": entries[-1].pk if more and entries else None,
        "chain": request.session.pop("audit_chain", None),
        "console_section": "audit",
        "console_home": not request.GET,
    }
    return render(request, "staffroom/compliance/audit.html", context, status=status)


@signed_in
@require_GET
def audit_download(request: HttpRequest) -> HttpResponse:
    viewer = _auditor(request)
    form = AuditFilterForm(request.GET or None)
    filters = _filters(form) if request.GET and form.is_valid() else AuditFilters()
    return audit_csv(audit_log(viewer, filters))


@signed_in
@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    viewer = _auditor(request)
    result = audit.verify(viewer.organisation)
    request.session["audit_chain"] = {
        "ok": result.ok, "entries": result.entries, "first_bad_id": result.first_bad_id, "problem": result.problem,
    }  # fmt: skip
    return redirect("web:compliance_audit")
