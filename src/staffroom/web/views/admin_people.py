"""The admin console's people pages: find a person, add a starter, change someone's name, school, roles or leave
date, end or restore their access, sign them out everywhere and send them a sign-in link.

For IT admins (the whole trust) and headteachers (their own school). Everyone else gets the 404 page for every
/admin/ address, whatever the method, so the console's existence is not revealed. Every change is one accounts
action, the same the API's /api/v1/admin/people calls, so the page and the API cannot disagree.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staffroom.accounts import actions
from staffroom.accounts import queries as people_queries
from staffroom.accounts.actions import ASSIGNABLE_ROLES, TRUST_ROLES, UNCHANGED
from staffroom.accounts.models import Person, Role
from staffroom.errors import NotFound, PermissionDenied, StaffroomError
from staffroom.web.console import sections as console_sections
from staffroom.web.forms import (
    ChangePersonForm,
    Choices,
    DeactivateForm,
    NewPersonForm,
    PeopleFilterForm,
    PersonReasonForm,
    show_error,
)
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of
from staffroom.web.timeline import role_label, role_labels

PAGE_SIZE = 50
STATUSES = [
    ("active", gettext_lazy("Active")),
    ("leaving", gettext_lazy("Leaving (leave date set)")),
    ("inactive", gettext_lazy("Inactive")),
]


def console[View: Callable[..., HttpResponseBase]](view: View) -> View:
    """Only for people who manage someone; everyone else gets the 404 page.

    The CSRF check runs after that question, not before as the middleware would: a refused POST from someone
    who manages nobody must look like any unknown address (404), not like a page that exists (403)."""
    protected = csrf_protect(view)

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not people_queries.manages_people(viewer_of(request)):
            raise Http404()
        return protected(request, *args, **kwargs)

    wrapped.csrf_exempt = True  # type: ignore[attr-defined]  # checked above, once the viewer may be here
    return signed_in(wrapped)  # type: ignore[return-value]


def console_home[View: Callable[..., HttpResponseBase]](view: View) -> View:
    """As `console`, for /admin/ itself: someone who manages nobody but has another section of the console (the
    DPO: the group register, outsiders) is sent to their first section rather than told it does not exist."""
    guarded = console(view)

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        others = (
            console_sections(viewer_of(request))
            if request.user.is_authenticated and not people_queries.manages_people(viewer_of(request))
            else []
        )
        return redirect(others[0].url) if others else guarded(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


# --- what the forms offer ----------------------------------------------------------------------------------


def _school_choices(viewer: Person, *, whole_trust: bool) -> Choices:
    schools: Choices = [(s.pk, s.name) for s in people_queries.managed_schools(viewer)]
    if whole_trust and people_queries.manages_trust_wide(viewer):
        schools.append(("", _("Whole trust (no one school)")))
    return schools


def _role_choices(viewer: Person) -> Choices:
    """Roles the viewer may give: the trust roles only to those who manage people across the trust."""
    trust_wide = people_queries.manages_trust_wide(viewer)
    return [(r.value, str(r.label)) for r in ASSIGNABLE_ROLES if trust_wide or r not in TRUST_ROLES]


def _handover_choices(viewer: Person, leaver: Person) -> Choices:
    """Active staff who could take over a leaver's groups (the action checks the choice again)."""
    return [
        (p.pk, f"{p.name} ({role_label(p)}{', ' + p.school.name if p.school else ''})")
        for p in people_queries.directory(viewer)
        if p.pk != leaver.pk and not p.external and not p.is_pupil
    ]


def _attempt(form: forms.Form, action: Callable[[], Any]) -> tuple[Any, int]:
    """Run an action for a form: (its result, 200), or (None, the status of the page showing the problem).

    A refusal about the person (a headteacher giving a trust role, someone changing themselves) is shown on the
    form with its 403; one about reach (NotFound) is the 404 page, as for any unknown person."""
    try:
        return action(), 200
    except PermissionDenied as exc:
        form.add_error(None, exc.message)
        return None, exc.status
    except NotFound:
        raise
    except StaffroomError as exc:
        show_error(form, exc)
        return None, exc.status


# --- the list ----------------------------------------------------------------------------------------------


@dataclass
class Row:
    person: Person
    roles: list[str]
    status: str


def status_words(person: Person) -> str:
    """Whether the person may use Staffroom, in words (the list and the details page say the same)."""
    if not person.is_active:
        return _("Inactive")
    if person.access_has_ended():
        return _("Access ended")
    if person.access_ends_on is not None:
        return _("Leaving")
    return _("Active")


@console_home
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    """Everyone the viewer manages, leavers and pupils included: searched, filtered and a page at a time."""
    viewer = viewer_of(request)
    form = PeopleFilterForm(
        request.GET,
        schools=_school_choices(viewer, whole_trust=False),
        roles=[(r.value, str(r.label)) for r in Role],
        statuses=STATUSES,
    )
    found = people_queries.managed_people(viewer).none()
    status = 200
    if form.is_valid():
        try:
            found = people_queries.managed_people(
                viewer,
                search=form.cleaned_data["q"].strip(),
                school_id=form.cleaned_data["school_id"],
                role=form.cleaned_data["role"],
                status=form.cleaned_data["status"],
            )
        except StaffroomError as exc:
            show_error(form, exc)
            status = exc.status
    else:
        status = 422
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [Row(p, role_labels(p), status_words(p)) for p in page]
    filtered = any(form.data.get(k) for k in ("q", "school_id", "role", "status"))
    context = {"form": form, "page": page, "rows": rows, "filtered": filtered}
    context |= {"console_section": "people", "console_home": True}
    return render(request, "staffroom/admin/people.html", context, status=status)


@console
@require_GET
def people_again(request: HttpRequest) -> HttpResponse:
    """/admin/people/ is the list too, under the address one would guess."""
    query = request.META.get("QUERY_STRING", "")
    return redirect(reverse("web:admin") + (f"?{query}" if query else ""))


# --- a starter ---------------------------------------------------------------------------------------------


def _new_form(viewer: Person, data: Any = None) -> NewPersonForm:
    schools = _school_choices(viewer, whole_trust=True)
    initial = {"send_link": True, "school_id": viewer.school_id if viewer.school_id in dict(schools) else ""}
    return NewPersonForm(data, schools=schools, roles=_role_choices(viewer), initial=initial)


@console
@require_http_methods(["GET", "POST"])
def person_new(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    form = _new_form(viewer, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            person, status = _attempt(
                form,
                lambda: actions.add_person(
                    acting=viewer,
                    email=data["email"],
                    name=data["name"],
                    school_id=data["school_id"],
                    roles=data["roles"],
                    leaves_on=data["leaves_on"],
                ),
            )
            if person is not None:
                messages.success(request, _("%(name)s was added.") % {"name": person.name})
                if data["send_link"]:
                    _send_link(request, viewer, person)
                return redirect("web:admin_person", person_id=person.pk)
    return render(
        request, "staffroom/admin/person_new.html", {"form": form, "console_section": "people"}, status=status
    )


def _send_link(request: HttpRequest, viewer: Person, person: Person) -> bool:
    try:
        actions.send_sign_in_link(person.pk, acting=viewer)
    except StaffroomError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
        return False
    messages.success(request, _link_sent(person))
    return True


def _link_sent(person: Person) -> str:
    # The same words whatever becomes of the mail: a failed send is for the operator's log (accounts.adapter).
    return _("A sign-in link is on its way to %(email)s. It works once, for the next few days.") % {
        "email": person.email
    }


# --- one person --------------------------------------------------------------------------------------------


def _shown(viewer: Person, person_id: int) -> Person:
    """The person with when they were last seen, if the viewer manages them; else the 404 page."""
    person = people_queries.managed_people(viewer).filter(pk=person_id).first()
    if person is None:
        raise Http404()
    return person


def _details_initial(person: Person) -> dict[str, Any]:
    return {
        "name": person.name,
        "school_id": person.school_id or "",
        "roles": person.role_codes,
        "leaves_on": person.access_ends_on.isoformat() if person.access_ends_on else "",
    }


def _change_form(viewer: Person, person: Person, data: Any = None) -> ChangePersonForm:
    schools = _school_choices(viewer, whole_trust=True)
    if person.school_id is not None and person.school_id not in dict(schools) and person.school:
        schools.insert(0, (person.school_id, person.school.name))
    return ChangePersonForm(
        data, schools=schools, roles=_role_choices(viewer), initial=_details_initial(person), prefix="change"
    )


def _person_page(request: HttpRequest, person_id: int, status: int = 200, **bound: forms.Form) -> HttpResponse:
    """The details page, with any form that was just sent (and its problems) in place of a fresh one."""
    viewer = viewer_of(request)
    person = _shown(viewer, person_id)
    is_self = person.pk == viewer.pk
    # What the actions would refuse is not offered (they still decide): one's own roles, school and access, and
    # for a headteacher, an IT admin or DPO. A refusal sent anyway is shown at the top.
    trust_role_held = bool(TRUST_ROLES & {Role(code) for code in person.role_codes})
    out_of_reach = trust_role_held and not people_queries.manages_trust_wide(viewer)
    fresh: dict[str, Callable[[], forms.Form]] = {
        "change_form": lambda: _change_form(viewer, person),
        "sessions_form": lambda: PersonReasonForm(prefix="sessions"),
        "deactivate_form": lambda: DeactivateForm(people=_handover_choices(viewer, person), prefix="deactivate"),
        "restore_form": lambda: PersonReasonForm(prefix="restore"),
        "link_form": lambda: forms.Form(prefix="link"),
    }
    forms_shown = {name: bound[name] if name in bound else make() for name, make in fresh.items()}
    problems = [e for form in bound.values() for e in form.non_field_errors()] if is_self or out_of_reach else []
    context = {
        "person": person,
        "roles": role_labels(person),
        "status_words": status_words(person),
        "is_self": is_self,
        "out_of_reach": out_of_reach,
        "may_change": not (is_self or out_of_reach),
        "may_use": person.may_use_staffroom(),
        "problems": problems,
        "console_section": "people",
        **forms_shown,
    }
    return render(request, "staffroom/admin/person.html", context, status=status)


@console
@require_GET
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    return _person_page(request, person_id)


def _done(request: HttpRequest, person_id: int, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("web:admin_person", person_id=person_id)


@console
@require_POST
def change(request: HttpRequest, person_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    person = _shown(viewer, person_id)
    form = _change_form(viewer, person, request.POST)
    if not form.is_valid():
        return _person_page(request, person_id, 422, change_form=form)
    data = form.cleaned_data
    changed, status = _attempt(
        form,
        lambda: actions.update_person(
            person_id,
            acting=viewer,
            name=data["name"],
            school_id=data["school_id"],
            # An external's access comes from a sponsor's request, not from a role the form could give.
            roles=UNCHANGED if person.external else data["roles"],
            leaves_on=data["leaves_on"],
            reason=data["reason"].strip(),
        ),
    )
    if changed is None:
        return _person_page(request, person_id, status, change_form=form)
    return _done(request, person_id, _("%(name)s's details are saved.") % {"name": changed.name})


@console
@require_POST
def end_sessions(request: HttpRequest, person_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    form = PersonReasonForm(request.POST, prefix="sessions")
    if not form.is_valid():
        return _person_page(request, person_id, 422, sessions_form=form)
    ended, status = _attempt(
        form, lambda: actions.end_sessions(person_id, acting=viewer, reason=form.cleaned_data["reason"])
    )
    if ended is None:
        return _person_page(request, person_id, status, sessions_form=form)
    name = _shown(viewer, person_id).name
    message = ngettext(
        "%(name)s is signed out everywhere: %(n)d session or token ended.",
        "%(name)s is signed out everywhere: %(n)d sessions and tokens ended.",
        ended,
    ) % {"name": name, "n": ended}
    return _done(request, person_id, message)


@console
@require_POST
def deactivate(request: HttpRequest, person_id: int) -> HttpResponse:
    """Two steps: the form on the details page asks to confirm, on a page that says what will happen; the
    confirmation does it."""
    viewer = viewer_of(request)
    person = _shown(viewer, person_id)
    form = DeactivateForm(request.POST, people=_handover_choices(viewer, person), prefix="deactivate")
    if not form.is_valid():
        return _person_page(request, person_id, 422, deactivate_form=form)
    data = form.cleaned_data
    if not data["confirmed"]:
        successor = dict(form.fields["hand_over_to"].choices).get(data["hand_over_to"])  # type: ignore[attr-defined]
        context = {"person": person, "form": form, "successor": successor, "console_section": "people"}
        return render(request, "staffroom/admin/deactivate.html", context)
    left, status = _attempt(
        form,
        lambda: actions.deactivate_person(
            person_id, acting=viewer, reason=data["reason"].strip(), hand_over_to=data["hand_over_to"]
        ),
    )
    if left is None:
        return _person_page(request, person_id, status, deactivate_form=form)
    return _done(
        request,
        person_id,
        _("%(name)s can no longer use Staffroom: they are signed out everywhere.") % {"name": left.name},
    )


@console
@require_POST
def restore(request: HttpRequest, person_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    form = PersonReasonForm(request.POST, prefix="restore")
    if not form.is_valid():
        return _person_page(request, person_id, 422, restore_form=form)
    back, status = _attempt(
        form, lambda: actions.reactivate_person(person_id, acting=viewer, reason=form.cleaned_data["reason"].strip())
    )
    if back is None:
        return _person_page(request, person_id, status, restore_form=form)
    return _done(request, person_id, _("%(name)s can use Staffroom again. They sign in afresh.") % {"name": back.name})


@console
@require_POST
def sign_in_link(request: HttpRequest, person_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    form = forms.Form(request.POST, prefix="link")
    person, status = _attempt(form, lambda: actions.send_sign_in_link(person_id, acting=viewer))
    if person is None:
        return _person_page(request, person_id, status, link_form=form)
    return _done(request, person_id, _link_sent(person))
