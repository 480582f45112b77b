"""The console's school closures (`/admin/closures/`): term holidays and INSET days a headteacher (own school) or
an IT admin (every school) enters, on which pupils cannot post in class channels with posting hours. Bank
holidays need no entry. Anyone else gets 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from staffroom.accounts import actions
from staffroom.accounts import queries as people_queries
from staffroom.accounts.models import Person, School, SchoolClosure
from staffroom.errors import NotFound, StaffroomError
from staffroom.web.forms import show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of


class ClosureForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("What is it?"), max_length=100)
    starts_on = forms.DateField(label=gettext_lazy("First day"), input_formats=["%Y-%m-%d"])
    ends_on = forms.DateField(label=gettext_lazy("Last day"), input_formats=["%Y-%m-%d"])


def _school(request: HttpRequest, viewer: Person) -> School:
    schools = people_queries.calendar_schools(viewer)
    if not schools:
        raise NotFound()
    wanted = request.POST.get("school") or request.GET.get("school")
    if wanted is None or wanted == "":
        return next((s for s in schools if s.pk == viewer.school_id), schools[0])
    school = next((s for s in schools if str(s.pk) == wanted), None)
    if school is None:
        raise NotFound()
    return school


def _page(request: HttpRequest, viewer: Person, school: School, form: ClosureForm, status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {
        "school": school,
        "schools": people_queries.calendar_schools(viewer),
        "closures": people_queries.school_closures(viewer, school.pk),
        "form": form,
        "console_section": "closures",
        "console_home": True,
    }
    return render(request, "staffroom/admin/closures.html", context, status=status)


@signed_in
@require_http_methods(["GET", "POST"])
def closures(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    school = _school(request, viewer)
    if request.method == "GET":
        return _page(request, viewer, school, ClosureForm())
    form = ClosureForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_school_closure(
                school.pk, acting=viewer, starts_on=data["starts_on"], ends_on=data["ends_on"], label=data["label"]
            )
        except StaffroomError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Added %(label)s.") % {"label": data["label"]})
            return redirect(reverse("web:admin_closures") + f"?school={school.pk}")
    return _page(request, viewer, school, form, status=422)


@signed_in
@require_POST
def remove(request: HttpRequest, closure_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    closure = SchoolClosure.objects.filter(pk=closure_id, school__organisation_id=viewer.organisation_id).first()
    if closure is None or closure.school_id not in {s.pk for s in people_queries.calendar_schools(viewer)}:
        raise NotFound()
    actions.remove_school_closure(closure.pk, acting=viewer)
    messages.success(request, _("Removed %(label)s.") % {"label": closure.label})
    return redirect(reverse("web:admin_closures") + f"?school={closure.school_id}")
