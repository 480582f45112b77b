"""Staff policies on the web: each person's page of what to read and accept (`/policies/`, where the guard sends
them), and the evidence of who has accepted (`/compliance/policies/`): the DPO publishes versions there, and a
headteacher reads their school's evidence."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staffroom.accounts import permissions
from staffroom.accounts.models import Person, Role
from staffroom.compliance import actions
from staffroom.compliance.models import Policy, PolicyVersion
from staffroom.compliance.policies import STANDING_LABELS, Standing
from staffroom.compliance.policy_evidence import evidence_csv
from staffroom.compliance.queries import (
    may_view_policy_evidence,
    my_policies,
    owes_acknowledgement,
    policies_and_versions,
    policy_evidence,
)
from staffroom.errors import NotFound, PermissionDenied, StaffroomError
from staffroom.web.forms import show_error
from staffroom.web.guards import local_path, policies_url, signed_in
from staffroom.web.pages import viewer_of

# People listed on the page per policy; the CSV has everyone.
SHOWN_OUTSTANDING = 200


def _next_path(request: HttpRequest) -> str:
    """Where to go once everything is accepted: a path on this site only (never `//host` or `/\\host`, which
    browsers read as another site), and never back to the policies page."""
    raw = request.POST.get("next") or request.GET.get("next") or "/"
    safe = (
        raw.startswith("/")
        and not raw.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(raw, allowed_hosts={request.get_host()})
    )
    path = local_path(raw) if safe else "/"
    return "/" if path.startswith("/policies/") else path


# --- what a person must read ------------------------------------------------------------------------------


@signed_in
@require_GET
def policies(request: HttpRequest) -> HttpResponse:
    """The policies the person must read and accept (each version's text, and what changed), then what they
    have accepted and when they will be asked again."""
    viewer = viewer_of(request)
    mine = my_policies(viewer)
    context = {"owed": mine.owed, "accepted": mine.accepted, "next": _next_path(request)}
    return render(request, "staffroom/policies.html", context)


@signed_in
@require_POST
def acknowledge(request: HttpRequest, version_id: int) -> HttpResponse:
    """ "I have read and accept": the same action as POST /api/v1/me/policies/{version_id}/acknowledge."""
    viewer = viewer_of(request)
    next_path = _next_path(request)
    try:
        acknowledgement = actions.acknowledge_policy(version_id, acting=viewer)
    except (NotFound, PermissionDenied):
        raise
    except StaffroomError as exc:  # a newer version was published meanwhile: the page shows it
        messages.error(request, exc.message)
    else:
        version = acknowledgement.version
        messages.success(
            request,
            _("Thank you: you accepted the %(policy)s (%(label)s).")
            % {"policy": version.policy.get_kind_display().lower(), "label": version.label},
        )
        if not owes_acknowledgement(viewer):
            return redirect(next_path)
    return redirect(policies_url(next_path))


# --- the evidence, and publishing -------------------------------------------------------------------------


class PublishForm(forms.Form):
    kind = forms.ChoiceField(label=_("Policy"), choices=Policy.Kind.choices)
    label = forms.CharField(max_length=200, label=_("Version name (e.g. 2026 or v2)"))
    text = forms.CharField(max_length=200_000, label=_("The policy's text"), widget=forms.Textarea, strip=False)
    text_format = forms.ChoiceField(
        label=_("Written as"), choices=PolicyVersion.Format.choices, initial=PolicyVersion.Format.PLAIN
    )
    summary = forms.CharField(
        required=False, max_length=10_000, widget=forms.Textarea,
        label=_("What changed since the last version (required after the first)"),
    )  # fmt: skip
    includes_pupils = forms.BooleanField(required=False, label=_("Pupils too (acceptable use policy only)"))


def _evidence_viewer(request: HttpRequest) -> Person:
    viewer = viewer_of(request)
    if not may_view_policy_evidence(viewer):
        raise NotFound()  # the console does not show itself to those who may not use it
    return viewer


def _render_report(
    request: HttpRequest, viewer: Person, form: PublishForm | None = None, status: int = 200
) -> HttpResponse:
    publisher = permissions.allows(viewer, "policy.manage", viewer.organisation)
    evidences = policy_evidence(viewer)
    role_labels = {r.value: str(r.label) for r in Role}
    shown = [
        {
            "evidence": e,
            "groups": [(school, role_labels.get(role, "-"), tally) for school, role, tally in e.by_school_and_role],
            "outstanding": [
                {
                    "standing": s,
                    "label": STANDING_LABELS[s.standing],
                    "roles": ", ".join(role_labels[r] for r in s.person.role_codes),
                }
                for s in e.outstanding[:SHOWN_OUTSTANDING]
            ],
            "more": max(0, len(e.outstanding) - SHOWN_OUTSTANDING),
        }
        for e in evidences
    ]
    context = {
        "shown": shown,
        "publisher": publisher,
        "form": (form or PublishForm()) if publisher else None,
        "history": policies_and_versions(viewer) if publisher else [],
        "out_of_date": Standing.OUT_OF_DATE,
        "console_section": "policies",
        "console_home": True,
    }
    return render(request, "staffroom/compliance/policies.html", context, status=status)


@signed_in
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    return _render_report(request, _evidence_viewer(request))


@signed_in
@require_http_methods(["POST"])
def publish(request: HttpRequest) -> HttpResponse:
    """Publish a version: the same action as POST /api/v1/compliance/policies."""
    viewer = _evidence_viewer(request)
    if not permissions.allows(viewer, "policy.manage", viewer.organisation):
        raise PermissionDenied()
    form = PublishForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            version = actions.publish_policy(
                data["kind"], acting=viewer, label=data["label"], text=data["text"], summary=data["summary"],
                text_format=data["text_format"], includes_pupils=data["includes_pupils"],
            )  # fmt: skip
        except StaffroomError as exc:
            show_error(form, exc)
        else:
            messages.success(
                request,
                _("%(policy)s %(label)s is published. Everyone it applies to is asked to accept it.")
                % {"policy": version.policy.get_kind_display(), "label": version.label},
            )
            return redirect("web:compliance_policies")
    return _render_report(request, viewer, form, status=422)


@signed_in
@require_GET
def evidence_download(request: HttpRequest, policy_id: int) -> HttpResponse:
    """Everyone the policy asks, with where they stand, as CSV."""
    viewer = _evidence_viewer(request)
    evidences = policy_evidence(viewer, policy_id)
    return evidence_csv(evidences, name=f"{evidences[0].policy.kind.replace('_', '-')}-policy")
