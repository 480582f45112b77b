"""The compliance console (`/compliance/`): the audit log, for the data protection officer and IT admins (every
recorded action, filtered, downloadable, with the state of its hash chain), and the DPO's breach register."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.compliance import actions, audit
from staffroom.compliance.audit import MEANINGS
from staffroom.compliance.export import audit_csv
from staffroom.compliance.models import Breach
from staffroom.compliance.queries import PAGE, AuditFilters, audit_log, breach_register, ico_deadline
from staffroom.errors import Invalid, NotFound, PermissionDenied, StaffroomError
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
        choices = [("", _("Any action"))] + [(a.value, f"{gettext(MEANINGS[a])} ({a.value})") for a in MEANINGS]
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


# --- the breach register ----------------------------------------------------------------------------------


class BreachForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("What happened, in a few words"))
    description = forms.CharField(required=False, max_length=10000, label=_("Details"), widget=forms.Textarea)
    aware_at = forms.DateTimeField(required=False, label=_("When the school became aware (empty: now)"))


def _keeper(request: HttpRequest) -> Person:
    viewer = viewer_of(request)
    if not permissions.allows(viewer, "breach.manage", viewer.organisation):
        raise NotFound()
    return viewer


def _render_breaches(
    request: HttpRequest, viewer: Person, form: BreachForm | None = None, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    rows = []
    for breach in breach_register(viewer)[:200]:
        deadline = ico_deadline(breach)
        hours_left = (deadline - now).total_seconds() / 3600
        rows.append({"breach": breach, "deadline": deadline, "hours_left": round(hours_left),
                     "overdue": hours_left < 0 and breach.notify_ico is None})  # fmt: skip
    context = {
        "rows": rows,
        "form": form or BreachForm(),
        "risks": [(v, label) for v, label in Breach.Risk.choices if v != Breach.Risk.UNASSESSED],
        "console_section": "breaches",
        "console_home": True,
    }
    return render(request, "staffroom/compliance/breaches.html", context, status=status)


@signed_in
@require_http_methods(["GET", "POST"])
def breaches_page(request: HttpRequest) -> HttpResponse:
    viewer = _keeper(request)
    if request.method == "GET":
        return _render_breaches(request, viewer)
    form = BreachForm(request.POST)
    if form.is_valid():
        aware = form.cleaned_data["aware_at"]
        try:
            actions.record_breach(
                acting=viewer, title=form.cleaned_data["title"], description=form.cleaned_data["description"],
                aware_at=timezone.make_aware(aware) if aware and timezone.is_naive(aware) else aware,
            )  # fmt: skip
        except StaffroomError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The breach is in the register. Assess the risk within 72 hours."))
            return redirect("web:compliance_breaches")
    return _render_breaches(request, viewer, form, status=422)


@signed_in
@require_POST
def breach_step(request: HttpRequest, breach_id: int, step: str) -> HttpResponse:
    viewer = _keeper(request)
    try:
        if step == "decide":
            notify = request.POST.get("notify_ico", "")
            if notify not in ("yes", "no"):
                raise Invalid("notify_ico", str(_("Choose whether the ICO is told.")))
            told_ico = request.POST.get("ico_notified", "") == "yes"
            actions.decide_breach(
                breach_id, acting=viewer, risk=request.POST.get("risk", ""), notify_ico=notify == "yes",
                reason=request.POST.get("reason", ""), ico_notified_at=timezone.now() if told_ico else None,
            )  # fmt: skip
            messages.success(request, _("The decision is recorded."))
        elif step == "close":
            actions.close_breach(breach_id, acting=viewer, outcome=request.POST.get("outcome", ""))
            messages.success(request, _("The breach is closed."))
        else:
            raise NotFound()
    except (NotFound, PermissionDenied):
        raise
    except StaffroomError as exc:
        messages.error(request, exc.message)
    return redirect("web:compliance_breaches")
