"""The legal holds page (`/compliance/holds/`): every hold, those in force first, the DPO's form to place one
(people, conversations, dates, and why) and to release one (and why). The headteacher reads it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.compliance import actions, holds
from staffroom.errors import NotFound, PermissionDenied, StaffroomError
from staffroom.messaging.models import Conversation
from staffroom.web.forms import show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of

# The form's lists: a school's people and conversations fit; a larger trust narrows them first (the API takes ids).
MAX_CHOICES = 3000


class HoldForm(forms.Form):
    reason = forms.CharField(label=_("Why the records are held"), max_length=5000, widget=forms.Textarea)
    person_ids = forms.TypedMultipleChoiceField(label=_("People"), coerce=int, required=False)
    conversation_ids = forms.TypedMultipleChoiceField(label=_("Conversations"), coerce=int, required=False)
    starts_on = forms.DateField(label=_("Messages sent from (optional)"), required=False)
    ends_on = forms.DateField(label=_("Messages sent up to (optional)"), required=False)

    def __init__(self, *args: object, viewer: Person, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        people = Person.objects.filter(organisation_id=viewer.organisation_id).order_by("name")[:MAX_CHOICES]
        self.fields["person_ids"].choices = [(p.pk, p.name) for p in people]  # type: ignore[attr-defined]
        conversations = (
            Conversation.objects.filter(organisation_id=viewer.organisation_id)
            .select_related("school")
            .prefetch_related("memberships__person")
            .order_by("kind", "title", "id")[:MAX_CHOICES]
        )
        self.fields["conversation_ids"].choices = [(c.pk, _label(c)) for c in conversations]  # type: ignore[attr-defined]


def _label(conversation: Conversation) -> str:
    if conversation.kind == Conversation.Kind.DIRECT:
        names = sorted(m.person.name for m in conversation.memberships.all())
        return str(_("Direct message: %(names)s")) % {"names": ", ".join(names)}
    where = conversation.school.name if conversation.school else str(_("whole trust"))
    return f"{conversation} ({conversation.get_kind_display()}, {where})"


def _reader(request: HttpRequest) -> Person:
    viewer = viewer_of(request)
    if not permissions.allows(viewer, "hold.manage", viewer.organisation):
        raise NotFound()  # the DPO's alone: a hold may concern the school's own leaders
    return viewer


def _render(request: HttpRequest, viewer: Person, form: HoldForm | None = None, status: int = 200) -> HttpResponse:
    manages = permissions.allows(viewer, "hold.manage", viewer.organisation)
    context = {
        "holds": list(holds.holds_list(viewer)[:200]),
        "manages": manages,
        "form": form or (HoldForm(viewer=viewer) if manages else None),
        "console_section": "holds",
        "console_home": True,
    }
    return render(request, "staffroom/compliance/holds.html", context, status=status)


@signed_in
@require_http_methods(["GET", "POST"])
def holds_page(request: HttpRequest) -> HttpResponse:
    viewer = _reader(request)
    if request.method == "GET":
        return _render(request, viewer)
    if not permissions.allows(viewer, "hold.manage", viewer.organisation):
        raise PermissionDenied()
    form = HoldForm(request.POST, viewer=viewer)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.place_hold(
                acting=viewer, reason=data["reason"], person_ids=data["person_ids"],
                conversation_ids=data["conversation_ids"], starts_on=data["starts_on"], ends_on=data["ends_on"],
            )  # fmt: skip
        except StaffroomError as exc:
            show_error(form, exc)
        else:
            messages.success(
                request, _("The hold is in force: nothing in its scope will be removed until it is released.")
            )
            return redirect("web:compliance_holds")
    return _render(request, viewer, form, status=422)


@signed_in
@require_POST
def release(request: HttpRequest, hold_id: int) -> HttpResponse:
    viewer = _reader(request)
    try:
        actions.release_hold(hold_id, acting=viewer, reason=request.POST.get("reason", ""))
    except (NotFound, PermissionDenied):
        raise
    except StaffroomError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The hold is released."))
    return redirect("web:compliance_holds")
