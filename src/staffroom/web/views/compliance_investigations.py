"""The compliance console's investigation exports (`/compliance/investigations/`), four eyes: the list with each
export's status, a request form (people by name, conversations by title, dates, words, a reason), a page for
the second person showing the scope and the reason (never the content) with approve and refuse, and the
download once approved. The same actions as the API (compliance/actions/investigations.py)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staffroom.accounts.models import Person
from staffroom.compliance import actions
from staffroom.compliance.bundle import spooled_download
from staffroom.compliance.investigations import (
    DOWNLOAD_DAYS,
    export_payload,
    get_investigation_export,
    investigation_exports,
    may_investigate,
    reach,
)
from staffroom.errors import NotFound, StaffroomError
from staffroom.web.forms import show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of


class InvestigationForm(forms.Form):
    person_ids = forms.TypedMultipleChoiceField(
        coerce=int, required=False, label=_("People (messages they wrote, or that mention them)")
    )
    conversation_ids = forms.TypedMultipleChoiceField(
        coerce=int, required=False, label=_("Conversations (none chosen: every conversation you can include)")
    )
    date_from = forms.DateField(required=False, label=_("From (inclusive)"))
    date_to = forms.DateField(required=False, label=_("To (inclusive)"))
    words = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea,
        label=_("Words or phrases, one a line (messages containing any of them)"),
    )  # fmt: skip
    reason = forms.CharField(max_length=2000, widget=forms.Textarea, label=_("Reason (the approver sees it)"))

    def __init__(self, data: object = None, *, viewer: Person) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        found = reach(viewer, "investigation.request")
        people = found.people(viewer.organisation_id).order_by("name", "id") if found else Person.objects.none()
        conversations = found.conversations(viewer.organisation_id).order_by("title", "id") if found else []
        self.fields["person_ids"].choices = [(p.pk, p.name) for p in people]  # type: ignore[attr-defined]
        self.fields["conversation_ids"].choices = [  # type: ignore[attr-defined]
            (c.pk, f"{c} ({c.get_kind_display()})") for c in conversations
        ]
        self.may_request = found is not None


def _investigator(request: HttpRequest) -> Person:
    viewer = viewer_of(request)
    if not may_investigate(viewer):
        raise NotFound()  # the console does not show itself to those who may not use it
    return viewer


def _render_list(request: HttpRequest, viewer: Person, form: InvestigationForm, status: int = 200) -> HttpResponse:
    now = timezone.now()
    rows = [export_payload(e, viewer=viewer, now=now) for e in investigation_exports(viewer)[:200]]
    context = {"rows": rows, "form": form, "download_days": DOWNLOAD_DAYS, "console_section": "investigations",
               "console_home": True}  # fmt: skip
    return render(request, "staffroom/compliance/investigations.html", context, status=status)


@signed_in
@require_http_methods(["GET", "POST"])
def investigations_page(request: HttpRequest) -> HttpResponse:
    viewer = _investigator(request)
    if request.method == "GET":
        return _render_list(request, viewer, InvestigationForm(viewer=viewer))
    form = InvestigationForm(request.POST, viewer=viewer)
    if form.is_valid():
        data = form.cleaned_data
        try:
            export = actions.request_investigation_export(
                acting=viewer, reason=data["reason"], person_ids=data["person_ids"],
                conversation_ids=data["conversation_ids"], date_from=data["date_from"], date_to=data["date_to"],
                words=[line.strip() for line in data["words"].splitlines() if line.strip()],
            )  # fmt: skip
        except StaffroomError as exc:
            show_error(form, exc, default_field=None)
        else:
            messages.success(request, _("Requested. A second person must approve it before it can be downloaded."))
            return redirect("web:compliance_investigation", export.pk)
    return _render_list(request, viewer, form, status=422)


@signed_in
@require_GET
def investigation_page(request: HttpRequest, export_id: int) -> HttpResponse:
    viewer = _investigator(request)
    export = get_investigation_export(viewer, export_id)
    context = {
        "export": export_payload(export, viewer=viewer, count=True),
        "record": export,
        "download_days": DOWNLOAD_DAYS,
        "console_section": "investigations",
    }
    return render(request, "staffroom/compliance/investigation.html", context)


@signed_in
@require_POST
def investigation_step(request: HttpRequest, export_id: int, step: str) -> HttpResponse:
    viewer = _investigator(request)
    try:
        if step == "approve":
            actions.approve_investigation_export(export_id, acting=viewer, note=request.POST.get("note", ""))
            messages.success(request, _("Approved. The requester and you may download it for the next few days."))
        elif step == "refuse":
            actions.refuse_investigation_export(export_id, acting=viewer, reason=request.POST.get("reason", ""))
            messages.success(request, _("Refused. The requester sees your reason."))
        else:
            raise NotFound()
    except StaffroomError as exc:
        if isinstance(exc, NotFound) or exc.status == 403:
            raise
        messages.error(request, exc.message)
    return redirect("web:compliance_investigation", export_id)


@signed_in
@require_GET
def investigation_download(request: HttpRequest, export_id: int) -> HttpResponseBase:
    viewer = _investigator(request)
    response, _summary = spooled_download(
        lambda target: actions.download_investigation_export(export_id, acting=viewer, target=target),
        filename=f"staffroom-investigation-{export_id}.zip",
    )
    return response
