"""SCIM provisioning in the admin console (/admin/scim/): an IT admin issues a token for the school's identity
provider, sees each token's use and revokes it. The token is shown once, on the page that issues it; Staffroom
keeps only its hash. To anyone else these pages do not exist (404)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from staffroom.accounts import actions, permissions, queries
from staffroom.accounts.models import Person, School
from staffroom.errors import NotFound, StaffroomError
from staffroom.web.forms import ScimTokenForm, show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of


def _token_admin(request: HttpRequest) -> Person:
    viewer = viewer_of(request)
    if not permissions.allows(viewer, "scim.manage_tokens", viewer.organisation):
        raise NotFound()
    return viewer


def _form(viewer: Person, data: object = None) -> ScimTokenForm:
    schools = list(
        School.objects.filter(organisation_id=viewer.organisation_id).order_by("name").values_list("pk", "name")
    )
    return ScimTokenForm(data, schools=schools)


def _render(request: HttpRequest, viewer: Person, form: ScimTokenForm, *, new_token: str = "", status: int = 200):
    context = {
        "form": form,
        "tokens": queries.scim_tokens(viewer),
        "new_token": new_token,
        "scim_url": request.build_absolute_uri("/scim/v2"),
        "console_section": "scim",
        "console_home": True,
    }
    return render(request, "staffroom/admin/scim.html", context, status=status)


@signed_in
@require_GET
def tokens(request: HttpRequest) -> HttpResponse:
    viewer = _token_admin(request)
    return _render(request, viewer, _form(viewer))


@signed_in
@require_POST
def create_token(request: HttpRequest) -> HttpResponse:
    viewer = _token_admin(request)
    form = _form(viewer, request.POST)
    if form.is_valid():
        try:
            _token, raw = actions.create_scim_token(
                viewer.organisation_id, acting=viewer, label=form.cleaned_data["label"],
                domain=form.cleaned_data["domain"], default_school_id=form.cleaned_data["default_school_id"],
            )  # fmt: skip
        except StaffroomError as exc:
            show_error(form, exc)
        else:
            # Shown on this answer only (never kept in the session): the page says to copy it now.
            return _render(request, viewer, _form(viewer), new_token=raw, status=201)
    return _render(request, viewer, form, status=422)


@signed_in
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    viewer = _token_admin(request)
    token = actions.revoke_scim_token(token_id, acting=viewer, organisation_id=viewer.organisation_id)
    messages.success(request, _("The token %(label)s was revoked.") % {"label": token.label or token.pk})
    return redirect("web:admin_scim")
