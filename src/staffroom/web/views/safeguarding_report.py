"""Reporting a concern about a message (any member, pupils too): a small form, then a thank-you."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from staffroom.accounts import permissions
from staffroom.errors import PermissionDenied, StaffroomError
from staffroom.safeguarding import actions
from staffroom.safeguarding.models import Concern
from staffroom.web.forms import show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of
from staffroom.web.timeline import snippet
from staffroom.web.views.messages import message_in

# What a reporter chooses from: the concern categories, not the ones the checks themselves raise.
_CHOICES = [
    ("", _("Not sure")),
    *[(v, label) for v, label in Concern.Category.choices if v not in {"pupil_data", "photo"}],
]


class ReportConcernForm(forms.Form):
    category = forms.ChoiceField(required=False, choices=_CHOICES, label=_("What is it about? (optional)"))
    note = forms.CharField(
        label=_("What worries you about this message?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )


@signed_in
@require_http_methods(["GET", "POST"])
def report_concern(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    found = message_in(viewer, conversation_id, message_id)
    if not permissions.allows(viewer, "concern.report", found):
        raise PermissionDenied()
    form = ReportConcernForm(request.POST if request.method == "POST" else None)
    context = {"message": found, "conversation": found.conversation, "snippet": snippet(found), "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            actions.report_concern(
                found, acting=viewer, note=form.cleaned_data["note"], category=form.cleaned_data["category"] or None
            )
        except StaffroomError as exc:
            show_error(form, exc, default_field="note")
        else:
            return render(request, "staffroom/safeguarding/reported.html", context)
    return render(request, "staffroom/safeguarding/report.html", context, status=422 if form.is_bound else 200)
