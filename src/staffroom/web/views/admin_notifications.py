"""The console's notification defaults (`/admin/notifications/`): the working hours a school (or the whole trust)
gives everyone who has not set their own, and whether notifications may name the conversation. IT admins for the
trust and every school, headteachers for their own school; anyone else gets 404. Every change takes a reason and
is audited (accounts.actions.set_notification_policy, as the API's PATCH /api/v1/admin/notifications)."""

from __future__ import annotations

import calendar
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from staffroom.accounts import actions, working_hours
from staffroom.accounts import queries as people_queries
from staffroom.accounts.models import Person, School
from staffroom.errors import NotFound, StaffroomError
from staffroom.web.forms import show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of

FOLLOW, OWN = "follow", "own"


class NotificationDefaultsForm(forms.Form):
    hours = forms.ChoiceField(
        label=gettext_lazy("Working hours"),
        choices=[(FOLLOW, gettext_lazy("Follow the default")), (OWN, gettext_lazy("Set hours here"))],
        widget=forms.RadioSelect,
    )
    start = forms.TimeField(label=gettext_lazy("Start"), required=False, input_formats=["%H:%M"])
    end = forms.TimeField(label=gettext_lazy("End"), required=False, input_formats=["%H:%M"])
    days = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Working days"),
        choices=[(str(d), calendar.day_name[d]) for d in range(7)],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    show_titles = forms.BooleanField(label=gettext_lazy("Notifications may name the conversation"), required=False)
    reason = forms.CharField(label=gettext_lazy("Why are you changing this?"), max_length=500)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("hours") == OWN:
            if data.get("start") is None:
                self.add_error("start", _("Give a start time, such as 07:30."))
            if data.get("end") is None:
                self.add_error("end", _("Give an end time, such as 18:00."))
        return data


def _scope_key(school: School | None) -> str:
    return str(school.pk) if school else ""


def _page(
    request: HttpRequest, viewer: Person, school_id: int | None, form: NotificationDefaultsForm | None
) -> dict[str, Any]:
    scopes = people_queries.notification_scopes(viewer)
    defaults = people_queries.notification_defaults(viewer, school_id)
    own = defaults["quiet_hours"]
    if form is None:
        shown = own or defaults["in_force"].as_dict()
        form = NotificationDefaultsForm(
            initial={
                "hours": FOLLOW if own is None else OWN,
                "start": shown["start"],
                "end": shown["end"],
                "days": [str(d) for d in shown["days"]],
                "show_titles": defaults["show_titles"],
            }
        )
    in_force: working_hours.WorkingHours = defaults["in_force"]
    context = {
        "form": form,
        "scopes": [{"key": _scope_key(s), "name": s.name if s else _("Whole organisation")} for s in scopes],
        "scope_key": "" if school_id is None else str(school_id),
        "scope_name": next((s.name for s in scopes if s and s.pk == school_id), "") if school_id else "",
        "for_school": school_id is not None,
        "defaults": defaults,
        "in_force": {
            "start": in_force.start.strftime("%H:%M"),
            "end": in_force.end.strftime("%H:%M"),
            "days": working_hours.days_label(in_force.days),
        },
        "console_section": "notifications",
        "console_home": True,
    }
    return context


def _wanted_school(request: HttpRequest, viewer: Person) -> int | None:
    """The scope asked for (`?school=`), else the viewer's first: the organisation for an IT admin, a headteacher's
    own school. 404 for anyone with no scope, or a scope they may not set."""
    scopes = people_queries.notification_scopes(viewer)
    if not scopes:
        raise NotFound()
    wanted = request.POST.get("school", request.GET.get("school"))
    if wanted is None:
        return scopes[0].pk if scopes[0] else None
    if wanted == "":
        return None
    if not wanted.isdigit():
        raise NotFound()
    return int(wanted)


@signed_in
@require_http_methods(["GET", "POST"])
def notification_defaults(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    school_id = _wanted_school(request, viewer)
    people_queries.notification_defaults(viewer, school_id)  # 404 before reading the form
    if request.method == "GET":
        return render(request, "staffroom/admin/notifications.html", _page(request, viewer, school_id, None))
    form = NotificationDefaultsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        quiet_hours = (
            None
            if data["hours"] == FOLLOW
            else {"start": data["start"].strftime("%H:%M"), "end": data["end"].strftime("%H:%M"), "days": data["days"]}
        )
        try:
            if school_id is None:
                actions.set_notification_policy(
                    acting=viewer, quiet_hours=quiet_hours, show_titles=data["show_titles"], reason=data["reason"]
                )
            else:
                actions.set_notification_policy(
                    acting=viewer, school_id=school_id, quiet_hours=quiet_hours, reason=data["reason"]
                )
        except StaffroomError as exc:
            if exc.field and exc.field.startswith("quiet_hours."):
                exc.field = exc.field.removeprefix("quiet_hours.")
            show_error(form, exc)
        else:
            messages.success(request, _("Saved. The new defaults apply to the next notification."))
            suffix = f"?school={school_id}" if school_id is not None else "?school="
            return redirect(reverse("web:admin_notifications") + suffix)
    return render(request, "staffroom/admin/notifications.html", _page(request, viewer, school_id, form), status=422)
