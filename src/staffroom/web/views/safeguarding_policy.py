"""The safeguarding policy page (`/safeguarding/policy`): what each detector's finding does in a school, per
conversation kind and sender, for the school's DSL and the DPO to change (docs/safeguarding.md); and the school's
rules for links and files from pupils in class channels, for its headteacher and DSLs, with a reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from staffroom.accounts.models import Person, School
from staffroom.errors import NotFound, StaffroomError
from staffroom.messaging import actions as messaging_actions
from staffroom.messaging import queries as messaging_queries
from staffroom.messaging import supervision
from staffroom.messaging.models import Conversation, PupilPostingPolicy
from staffroom.safeguarding import actions, queries
from staffroom.safeguarding.models import PolicyRule
from staffroom.safeguarding.policy import (
    CONVERSATION_KINDS,
    DETECTORS,
    SENDERS,
    Policy,
    group_of,
    label,
    outcomes_for,
)
from staffroom.web.forms import show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of

SENDER_LABELS = {"staff": _("staff"), "pupil": _("pupil")}


def _field(detector: str, kind: str, sender: str) -> str:
    return f"cell-{detector}-{kind}-{sender}"


def _columns() -> list[dict[str, str]]:
    kinds = dict(Conversation.Kind.choices)
    return [
        {"kind": k, "sender": s, "label": f"{kinds[k]}, {SENDER_LABELS[s]}"}
        for k in CONVERSATION_KINDS
        for s in SENDERS
    ]


def _rows(policy: Policy) -> list[dict[str, Any]]:
    columns = _columns()
    return [
        {
            "detector": d,
            "label": label(d)[:1].upper() + label(d)[1:],
            "group": group_of(d),
            "outcomes": [(value, text) for value, text in PolicyRule.Outcome.choices if value in outcomes_for(d)],
            "cells": [
                {
                    "name": _field(d, c["kind"], c["sender"]),
                    "column": c["label"],
                    "outcome": policy.outcome(d, c["kind"], c["sender"]),
                    "outcomes": [
                        (value, text)
                        for value, text in PolicyRule.Outcome.choices
                        if value in outcomes_for(d, c["kind"])
                    ],
                }
                for c in columns
            ],
        }
        for d in DETECTORS
    ]


class PupilPostingForm(forms.Form):
    """The school's rules for links and files from pupils in class channels (the API's PUT
    /api/v1/safeguarding/schools/{id}/pupil-posting), with the reason the page asks for."""

    links_allowed = forms.BooleanField(label=gettext_lazy("Pupils may post links"), required=False)
    file_types = forms.ChoiceField(
        label=gettext_lazy("Files pupils may send"), choices=PupilPostingPolicy.Files.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(label=gettext_lazy("Why are you changing this?"), max_length=500)


def _schools(viewer: Person) -> tuple[list[School], set[int], set[int]]:
    """Every school whose page the viewer may open, and the ids of those whose detector policy (the DSL, the
    DPO) and whose rules for pupils' links and files (the headteacher, the DSLs) they may set."""
    policy_schools = queries.policy_schools(viewer)
    posting_schools = messaging_queries.pupil_posting_schools(viewer)
    schools = sorted({s.pk: s for s in policy_schools + posting_schools}.values(), key=lambda s: (s.name, s.pk))
    if not schools:
        raise NotFound()
    return schools, {s.pk for s in policy_schools}, {s.pk for s in posting_schools}


def _render(
    request: HttpRequest, viewer: Person, wanted: str | None, *, pupil_form: PupilPostingForm | None = None,
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    schools, may_policy, may_posting = _schools(viewer)
    school = next((s for s in schools if str(s.pk) == wanted), None) or next(
        (s for s in schools if s.pk == viewer.school_id), schools[0]
    )
    context: dict[str, Any] = {
        "school": school,
        "schools": schools,
        "rows": None,
        "console_section": "safeguarding_policy",
        "console_home": True,
    }
    if school.pk in may_policy:
        school = queries.policy_school(viewer, school.pk)
        context |= {
            "columns": _columns(),
            "rows": _rows(queries.school_policy(viewer, school)),
            "outcomes": PolicyRule.Outcome.choices,
            # The DPO's count of posts the policy told them about this week, each one in the audit log.
            "dpo_warnings": queries.dpo_warnings_since(viewer, timezone.now() - timedelta(days=7)),
        }
    if school.pk in may_posting:
        links_allowed, files = supervision.pupil_policy(school.pk)
        context["pupil_form"] = pupil_form or PupilPostingForm(
            initial={"links_allowed": links_allowed, "file_types": str(files)}
        )
    return render(request, "staffroom/safeguarding/policy.html", context, status=status)


@signed_in
@require_http_methods(["GET", "POST"])
def policy_page(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    wanted = request.POST.get("school") or request.GET.get("school")
    if request.method == "GET":
        return _render(request, viewer, wanted)
    may_policy = _schools(viewer)[1]
    if not wanted or not wanted.isdigit() or int(wanted) not in may_policy:
        raise NotFound()
    school = queries.policy_school(viewer, int(wanted))
    policy = queries.school_policy(viewer, school)
    changes = [
        {"detector": d, "conversation_kind": k, "sender": s, "outcome": request.POST[_field(d, k, s)]}
        for d in DETECTORS
        for k in CONVERSATION_KINDS
        for s in SENDERS
        if request.POST.get(_field(d, k, s)) and request.POST[_field(d, k, s)] != policy.outcome(d, k, s)
    ]
    if not changes:
        messages.info(request, _("Nothing was changed."))
        return redirect(reverse("web:safeguarding_policy") + f"?school={school.pk}")
    try:
        actions.change_policy(school, acting=viewer, rules=changes)
    except StaffroomError as exc:
        messages.error(request, exc.message)
        return _render(request, viewer, wanted, status=422)
    messages.success(request, _("The policy is saved; it applies to the next message sent."))
    return redirect(reverse("web:safeguarding_policy") + f"?school={school.pk}")


@signed_in
@require_POST
def pupil_posting(request: HttpRequest) -> HttpResponse:
    """Save the school's rules for links and files from pupils (the same action as the API), with a reason."""
    viewer = viewer_of(request)
    wanted = request.POST.get("school") or ""
    may_posting = _schools(viewer)[2]
    if not wanted.isdigit() or int(wanted) not in may_posting:
        raise NotFound()
    school = School.objects.get(pk=int(wanted), organisation_id=viewer.organisation_id)
    form = PupilPostingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            messaging_actions.set_pupil_posting_policy(
                school,
                acting=viewer,
                links_allowed=data["links_allowed"],
                files=data["file_types"],
                reason=data["reason"],
            )
        except StaffroomError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Saved. Pupils' next messages follow the new rules."))
            return redirect(reverse("web:safeguarding_policy") + f"?school={school.pk}")
    return _render(request, viewer, wanted, pupil_form=form, status=422)
