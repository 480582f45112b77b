"""The signed-in person's own profile: who the school says they are, and where they are signed in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from staffroom.accounts import queries as people_queries
from staffroom.accounts import second_factor
from staffroom.compliance.actions import export_my_data, report_lost_device
from staffroom.compliance.bundle import spooled_download
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of
from staffroom.web.timeline import role_labels


@signed_in
@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    person = people_queries.get_person(viewer, viewer.pk)
    context = {
        "person": person,
        "roles": role_labels(person),
        "organisation": person.organisation,
        "second_factor_required": second_factor.is_required(person),
    }
    return render(request, "staffroom/profile.html", context)


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
