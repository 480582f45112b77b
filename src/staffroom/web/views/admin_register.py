"""The group register of the admin console: every conversation the IT admin, headteacher or DPO oversees, its
owners and members (never its messages), and adding or removing members with a reason.

The pages read through the same queries and change members through the same actions as the API
(/api/v1/admin/conversations), so the two cannot disagree. Someone without the register gets 404 here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staffroom.accounts.models import Person
from staffroom.errors import NotFound, StaffroomError
from staffroom.messaging import actions, queries, register_csv
from staffroom.messaging.models import Conversation, Membership
from staffroom.messaging.queries import RegisterEntry, RegisterFilters, RegisterRow
from staffroom.web.forms import ReasonForm, RegisterAddMemberForm, RegisterFilterForm, show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of
from staffroom.web.timeline import role_labels
from staffroom.web.views.members import add_candidates

EXTERNALS = {"yes": True, "no": False}
PAGE_SIZE = queries.REGISTER_PAGE


def _title(row: RegisterRow) -> str:
    """What to call a conversation here: its title, or (a direct message has none) its kind and number."""
    return row.title or _("Direct message %(id)s") % {"id": row.id}


def _shown(row: RegisterRow) -> dict[str, Any]:
    return {"row": row, "title": _title(row), "kind": Conversation.Kind(row.kind).label}


def _register_viewer(request: HttpRequest) -> Person:
    """The signed-in person, if they have the register; to anyone else these pages do not exist."""
    viewer = viewer_of(request)
    if not queries.may_view_register(viewer):
        raise NotFound()
    return viewer


def _filter_form(viewer: Person, data: Any) -> RegisterFilterForm:
    schools = [(s.pk, s.name) for s in queries.register_schools(viewer)]
    kinds = [(k.value, str(k.label)) for k in Conversation.Kind]
    return RegisterFilterForm(data, kinds=kinds, schools=schools)


def _filters(form: RegisterFilterForm) -> RegisterFilters:
    data = form.cleaned_data
    return RegisterFilters(
        q=data["q"], kind=data["kind"] or None, school_id=data["school_id"], externals=EXTERNALS.get(data["externals"]),
        review=data["review"] or None,
    )  # fmt: skip


def _query_string(form: RegisterFilterForm, **extra: str) -> str:
    """The filters as they were sent (less empty ones), plus `extra`: for the CSV and next-page links."""
    kept = {name: form.data.get(name, "") for name in form.fields if form.data.get(name)}
    return urlencode({**kept, **extra})


@signed_in
@require_GET
def groups(request: HttpRequest) -> HttpResponse:
    viewer = _register_viewer(request)
    form = _filter_form(viewer, request.GET)
    page = None
    if form.is_valid():
        try:
            after = request.GET.get("after") or None
            page = queries.register_page(viewer, _filters(form), after=after, limit=PAGE_SIZE)
        except StaffroomError as exc:  # a page marker from an old link, say
            show_error(form, exc)
    context = {
        "form": form,
        "page": page,
        "rows": [_shown(row) for row in page.items] if page else [],
        "filtered": any(form.data.get(name) for name in form.fields),
        "later_page": bool(request.GET.get("after")),
        "query": _query_string(form),
        "next_query": _query_string(form, after=page.next) if page and page.next else "",
    }
    return render(request, "staffroom/admin/groups.html", context, status=200 if page is not None else 422)


@signed_in
@require_GET
def groups_csv(request: HttpRequest) -> HttpResponse:
    """Every row of the register with the page's filters, as the API's CSV."""
    viewer = _register_viewer(request)
    form = _filter_form(viewer, request.GET)
    if not form.is_valid():
        # The list page says what is wrong with the filters, beside them.
        return redirect(f"{reverse('web:admin_groups')}?{request.GET.urlencode()}")
    return register_csv.download(queries.register_rows(viewer, _filters(form)))


def _may_manage(viewer: Person, entry: RegisterEntry) -> bool:
    # Nobody adds to or removes from a direct message (actions.add_member, actions.remove_member).
    return entry.conversation.kind != Conversation.Kind.DIRECT and queries.in_register(
        viewer, entry.conversation, "register.manage_members"
    )


def _render_group(
    request: HttpRequest, entry: RegisterEntry, form: RegisterAddMemberForm | None = None, status: int = 200
) -> HttpResponse:
    viewer = viewer_of(request)
    may_manage = _may_manage(viewer, entry)
    if may_manage and form is None:
        form = RegisterAddMemberForm(people=add_candidates(viewer, entry.conversation, entry.members))
    context = {
        **_shown(entry.row),
        "entry": entry,
        "members": [(m, role_labels(m.person)) for m in entry.members],
        "reviews": entry.reviews,
        "may_manage": may_manage,
        "add_form": form if may_manage else None,
    }
    return render(request, "staffroom/admin/group.html", context, status=status)


@signed_in
@require_GET
def group(request: HttpRequest, conversation_id: int) -> HttpResponse:
    viewer = _register_viewer(request)
    return _render_group(request, queries.register_entry(viewer, conversation_id))


@signed_in
@require_POST
def add_member(request: HttpRequest, conversation_id: int) -> HttpResponse:
    viewer = _register_viewer(request)
    entry = queries.register_entry(viewer, conversation_id)
    form = RegisterAddMemberForm(request.POST, people=add_candidates(viewer, entry.conversation, entry.members))
    if form.is_valid():
        try:
            membership = actions.add_member(
                entry.conversation, form.cleaned_data["person_id"], acting=viewer, reason=form.cleaned_data["reason"]
            )
        except StaffroomError as exc:
            show_error(form, exc, default_field="person_id")
        else:
            messages.success(request, _("%(name)s was added.") % {"name": membership.person.name})
            return redirect("web:admin_group", conversation_id=conversation_id)
    return _render_group(request, entry, form, status=422)


def _member(entry: RegisterEntry, person_id: int) -> Membership:
    found = next((m for m in entry.members if m.person_id == person_id), None)
    if found is None:
        raise NotFound(_("That person is not a member of this conversation."))
    return found


@signed_in
@require_http_methods(["GET", "POST"])
def remove_member(request: HttpRequest, conversation_id: int, person_id: int) -> HttpResponse:
    """GET asks for the reason; POST removes them with it."""
    viewer = _register_viewer(request)
    entry = queries.register_entry(viewer, conversation_id)
    membership = _member(entry, person_id)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                actions.remove_member(entry.conversation, person_id, acting=viewer, reason=form.cleaned_data["reason"])
            except StaffroomError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("%(name)s was removed.") % {"name": membership.person.name})
                return redirect("web:admin_group", conversation_id=conversation_id)
    context = {**_shown(entry.row), "entry": entry, "membership": membership, "form": form}
    return render(request, "staffroom/admin/group_remove.html", context, status=status)
