"""The safeguarding policy page (`/safeguarding/policy`): what each detector's finding does in a school, per
conversation kind and sender, for the school's DSL and the DPO to change (docs/safeguarding.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from staffroom.errors import NotFound, StaffroomError
from staffroom.messaging.models import Conversation
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
                }
                for c in columns
            ],
        }
        for d in DETECTORS
    ]


@signed_in
@require_http_methods(["GET", "POST"])
def policy_page(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    schools = queries.policy_schools(viewer)
    if not schools:
        raise NotFound()
    wanted = request.POST.get("school") or request.GET.get("school")
    school = next((s for s in schools if str(s.pk) == wanted), None) or next(
        (s for s in schools if s.pk == viewer.school_id), schools[0]
    )
    school = queries.policy_school(viewer, school.pk)
    policy = queries.school_policy(viewer, school)
    status = 200
    if request.method == "POST":
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
            status = 422
        else:
            messages.success(request, _("The policy is saved; it applies to the next message sent."))
            return redirect(reverse("web:safeguarding_policy") + f"?school={school.pk}")
    context = {
        "school": school,
        "schools": schools,
        "columns": _columns(),
        "rows": _rows(policy),
        "outcomes": PolicyRule.Outcome.choices,
        # The DPO's count of posts the policy told them about this week, each one in the audit log.
        "dpo_warnings": queries.dpo_warnings_since(viewer, timezone.now() - timedelta(days=7)),
        "console_section": "safeguarding_policy",
        "console_home": True,
    }
    return render(request, "staffroom/safeguarding/policy.html", context, status=status)
