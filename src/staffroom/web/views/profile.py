"""The signed-in person's own profile: who the school says they are, and where they are signed in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from staffroom.accounts import actions as account_actions
from staffroom.accounts import queries as people_queries
from staffroom.accounts import second_factor, working_hours
from staffroom.accounts.models import Person
from staffroom.accounts.payloads import preferences_payload
from staffroom.compliance.actions import export_my_data, report_lost_device
from staffroom.compliance.bundle import spooled_download
from staffroom.errors import StaffroomError
from staffroom.web.forms import PreferencesForm, show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of
from staffroom.web.timeline import role_labels


def _unchosen_language() -> str:
    """Someone who never chose sees the language the page is in (their browser's) as the choice to save."""
    return "cy" if translation.get_language() == "cy" else "en"


def _preferences_form(person: Person) -> PreferencesForm:
    current = preferences_payload(person)
    hours = current["quiet_hours"]
    return PreferencesForm(
        initial={
            "language": current["language"] if hasattr(person, "preferences") else _unchosen_language(),
            "notify": current["notify"],
            "own_hours": current["quiet_hours_from"] == "own",
            "start": hours["start"],
            "end": hours["end"],
            "days": [str(d) for d in hours["days"]],
            "sound": current["sound"],
        }
    )


def _render_profile(request: HttpRequest, form: PreferencesForm | None = None, status: int = 200) -> HttpResponse:
    viewer = viewer_of(request)
    person = people_queries.get_person(viewer, viewer.pk)
    hours, source = working_hours.hours_of(person)
    school = working_hours.school_hours(person.organisation_id, person.school_id)
    context = {
        "person": person,
        "roles": role_labels(person),
        "organisation": person.organisation,
        "second_factor_required": second_factor.is_required(person),
        "preferences_form": form or _preferences_form(person),
        "hours": hours,
        "hours_days": working_hours.days_label(hours.days),
        "hours_source": source,
        "school_hours": school,
        "school_days": working_hours.days_label(school.days),
        "devices": people_queries.own_devices(person),
    }
    return render(request, "staffroom/profile.html", context, status=status)


@signed_in
@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    return _render_profile(request)


@signed_in
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    """Language, which messages notify, working hours and sound, from the profile page."""
    viewer = viewer_of(request)
    form = PreferencesForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        hours = (
            {"start": data["start"], "end": data["end"], "days": [int(d) for d in data["days"]]}
            if data["own_hours"]
            else None
        )
        try:
            account_actions.change_preferences(
                acting=viewer, language=data["language"], notify=data["notify"], quiet_hours=hours, sound=data["sound"]
            )
        except StaffroomError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Your preferences are saved."))
            return redirect("web:profile")
    return _render_profile(request, form, status=422)


@signed_in
@require_POST
def remove_device(request: HttpRequest, device_id: int) -> HttpResponse:
    """Turn notifications off for one of one's devices (it is forgotten here; the device may turn them on again)."""
    account_actions.remove_device(device_id, acting=viewer_of(request))
    messages.success(request, _("That device will not be notified any more."))
    return redirect("web:profile")


@signed_in
@require_GET
def sign_in_address(request: HttpRequest) -> HttpResponse:
    """Stands in for allauth's address management: the school issues sign-in addresses (DESIGN.md invariant 3),
    so this page only says which one is yours and who can change it."""
    return render(request, "staffroom/sign_in_address.html", {"person": viewer_of(request)})


@signed_in
@require_POST
def lost_device(request: HttpRequest) -> HttpResponse:
    """Report a lost or stolen device: every session ends (this one too) and the DPO is told."""
    viewer = viewer_of(request)
    report_lost_device(acting=viewer, note=request.POST.get("note", "")[:2000])
    logout(request)
    messages.success(
        request,
        _(
            "Every session of yours has ended, on every device, and the data protection officer has been told. "
            "Sign in again here; if you think someone knows your password, change it after signing in."
        ),
    )
    return redirect("account_login")


@signed_in
@require_GET
def my_data(request: HttpRequest) -> HttpResponseBase:
    """Download my data: the same ZIP as `GET /api/v1/me/export`, through the same action."""
    viewer = viewer_of(request)
    response, _summary = spooled_download(
        lambda target: export_my_data(acting=viewer, target=target),
        filename=f"staffroom-my-data-{timezone.localdate().isoformat()}.zip",
    )
    return response
