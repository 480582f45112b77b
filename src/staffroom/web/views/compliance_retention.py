"""The retention page (`/compliance/retention/`): the rule in force for each kind of conversation and where it
comes from, the DPO's form to change one (for the trust or a school) or remove one, what the next run would remove
(on request: counting takes a moment on a large school), and the recent runs. The headteacher reads their school's
part; only the DPO changes anything."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from staffroom.accounts import permissions
from staffroom.accounts.models import Person, School
from staffroom.compliance import actions, retention
from staffroom.errors import NotFound, PermissionDenied, StaffroomError
from staffroom.web.forms import show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of


class RuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of conversation"), choices=retention.Kind.choices)
    school_id = forms.TypedChoiceField(label=_("For"), coerce=int, empty_value=None, required=False)
    keep_months = forms.IntegerField(
        label=_("Keep for (months: 24 is 2 years)"), min_value=1, max_value=retention.MAX_MONTHS
    )
    basis = forms.ChoiceField(label=_("Counted from"), choices=retention.Basis.choices)
    source = forms.CharField(label=_("Source (where the period comes from)"), max_length=500)
    reason = forms.CharField(label=_("Why it changes (kept in the audit log)"), max_length=5000, widget=forms.Textarea)

    def __init__(self, *args: object, schools: list[School], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [("", str(_("The whole trust")))] + [(str(s.pk), s.name) for s in schools]
        self.fields["school_id"].choices = choices  # type: ignore[attr-defined]


def _reader(request: HttpRequest) -> Person:
    viewer = viewer_of(request)
    if not retention.may_read_records(viewer):
        raise NotFound()  # the console does not show itself to those who may not use it
    return viewer


def _schools(viewer: Person) -> list[School]:
    return list(School.objects.filter(organisation_id=viewer.organisation_id).order_by("name"))


def _render(request: HttpRequest, viewer: Person, form: RuleForm | None = None, status: int = 200) -> HttpResponse:
    manages = permissions.allows(viewer, "retention.manage", viewer.organisation)
    schools = {s.pk: s.name for s in _schools(viewer)}
    rules = retention.rules_in_force(viewer)
    today = timezone.localdate()
    shown_preview = retention.preview(viewer, today) if request.GET.get("preview") else None
    context = {
        "rules": [(rule, schools.get(rule.school_id) if rule.school_id else None) for rule in rules],
        "manages": manages,
        "form": form or (RuleForm(schools=_schools(viewer)) if manages else None),
        "preview": shown_preview,
        "kinds": dict(retention.Kind.choices),
        "bases": dict(retention.Basis.choices),
        "schools": schools,
        "today": today,
        "runs": list(retention.recent_runs(viewer)),
        "console_section": "retention",
        "console_home": not request.GET,
    }
    return render(request, "staffroom/compliance/retention.html", context, status=status)


@signed_in
@require_http_methods(["GET", "POST"])
def retention_page(request: HttpRequest) -> HttpResponse:
    viewer = _reader(request)
    if request.method == "GET":
        return _render(request, viewer)
    form = RuleForm(request.POST, schools=_schools(viewer))
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.set_retention_rule(
                acting=viewer, kind=data["kind"], keep_months=data["keep_months"], basis=data["basis"],
                source=data["source"], reason=data["reason"], school_id=data["school_id"],
            )  # fmt: skip
        except StaffroomError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The rule is saved. The next run follows it."))
            return redirect("web:compliance_retention")
    return _render(request, viewer, form, status=422)


@signed_in
@require_POST
def remove_rule(request: HttpRequest, rule_id: int) -> HttpResponse:
    viewer = _reader(request)
    try:
        actions.remove_retention_rule(rule_id, acting=viewer, reason=request.POST.get("reason", ""))
    except (NotFound, PermissionDenied):
        raise
    except StaffroomError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The rule is removed: the trust's rule or the default applies again."))
    return redirect("web:compliance_retention")
