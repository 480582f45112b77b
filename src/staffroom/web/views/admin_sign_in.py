"""The console's sign-in settings (`/admin/sign-in/`), for the organisation's IT admins: single sign-on with Google
Workspace and Microsoft Entra ID, and who must use a second sign-in step. Anyone else gets 404. The pages call
the same actions as everything else; a stored client secret is never sent back to the browser."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from staffroom.accounts import actions
from staffroom.accounts import queries as people_queries
from staffroom.accounts.models import Person, SignInProvider
from staffroom.errors import NotFound, StaffroomError
from staffroom.web.forms import ResetSecondFactorForm, SecondFactorRuleForm, SignInProviderForm, show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of

Kind = SignInProvider.Kind


def _provider_form(kind: str, provider: SignInProvider | None) -> SignInProviderForm:
    if provider is None:
        return SignInProviderForm(prefix=kind, initial={"enabled": True})
    return SignInProviderForm(
        prefix=kind,
        initial={
            "client_id": provider.app.client_id,
            "tenant": provider.tenant,
            "allowed_domain": provider.allowed_domain,
            "enabled": provider.enabled,
        },
    )


def _page(
    request: HttpRequest,
    viewer: Person,
    *,
    rule_form: SecondFactorRuleForm | None = None,
    bound: tuple[str, SignInProviderForm] | None = None,
    reset_form: ResetSecondFactorForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rule, providers = people_queries.sign_in_settings(viewer)
    sections = []
    for kind in Kind:
        provider = providers.get(kind)
        form = bound[1] if bound and bound[0] == kind else _provider_form(kind, provider)
        provider_id = provider.app.provider_id if provider else f"{kind}-{viewer.organisation.slug}"
        callback = request.build_absolute_uri(reverse("openid_connect_callback", kwargs={"provider_id": provider_id}))
        sections.append(
            {"kind": kind.value, "label": kind.label, "provider": provider, "form": form, "callback_url": callback}
        )
    context: dict[str, Any] = {
        "rule_form": rule_form or SecondFactorRuleForm(initial={"second_factor": rule}),
        "providers": sections,
        "reset_form": reset_form or ResetSecondFactorForm(prefix="reset"),
    }
    return render(request, "staffroom/admin/sign_in.html", context, status=status)


@signed_in
@require_GET
def sign_in_settings(request: HttpRequest) -> HttpResponse:
    return _page(request, viewer_of(request))


@signed_in
@require_POST
def second_factor(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    people_queries.sign_in_settings(viewer)  # 404 for anyone but the IT admins, before reading the form
    form = SecondFactorRuleForm(request.POST)
    if form.is_valid():
        try:
            actions.set_second_factor_rule(form.cleaned_data["second_factor"], acting=viewer)
        except StaffroomError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Saved who must use a second sign-in step. It applies from their next page."))
            return redirect("web:admin_sign_in")
    return _page(request, viewer, rule_form=form, status=422)


@signed_in
@require_POST
def provider(request: HttpRequest, kind: str) -> HttpResponse:
    viewer = viewer_of(request)
    people_queries.sign_in_settings(viewer)
    if kind not in Kind.values:
        raise NotFound()
    form = SignInProviderForm(request.POST, prefix=kind)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.configure_sign_in_provider(
                kind, acting=viewer, client_id=data["client_id"], client_secret=data["client_secret"],
                tenant=data["tenant"], allowed_domain=data["allowed_domain"], enabled=data["enabled"],
            )  # fmt: skip
        except StaffroomError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Saved %(provider)s sign-in.") % {"provider": Kind(kind).label})
            return redirect("web:admin_sign_in")
    return _page(request, viewer, bound=(kind, form), status=422)


@signed_in
@require_POST
def reset_second_factor(request: HttpRequest) -> HttpResponse:
    """Help someone who lost their phone or passkey and their recovery codes back in."""
    viewer = viewer_of(request)
    people_queries.sign_in_settings(viewer)
    form = ResetSecondFactorForm(request.POST, prefix="reset")
    if form.is_valid():
        try:
            person = people_queries.person_by_sign_in_address(viewer, form.cleaned_data["email"])
            actions.reset_second_factor(person.pk, acting=viewer, reason=form.cleaned_data["reason"])
        except NotFound as exc:
            form.add_error("email", exc.message)
        except StaffroomError as exc:
            form.add_error("reason" if exc.field == "reason" else None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "%(name)s's second sign-in step was removed and they were signed out everywhere. They sign in "
                    "with their password and set up a new one."
                )
                % {"name": person.name},
            )
            return redirect("web:admin_sign_in")
    return _page(request, viewer, reset_form=form, status=422)
