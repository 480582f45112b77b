"""The home page: the conversation list, starting a conversation and joining open channels."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from staffroom.accounts import permissions
from staffroom.accounts import queries as people_queries
from staffroom.accounts.models import Person, School
from staffroom.errors import Invalid, StaffroomError
from staffroom.messaging import actions, queries, reviews
from staffroom.messaging.models import Conversation
from staffroom.web import sidebar
from staffroom.web.forms import NewConversationForm, show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of, with_sidebar
from staffroom.web.timeline import role_label

KIND_HINTS = {
    Conversation.Kind.CHANNEL: _("An open channel: anyone in the school can find and join it."),
    Conversation.Kind.GROUP: _("A private group: only the people you add can see it."),
    Conversation.Kind.DIRECT: _("A direct message with one or a few colleagues."),
    Conversation.Kind.ANNOUNCEMENT: _("Only you post; members acknowledge that they have read each notice."),
    Conversation.Kind.CLASS: _("A supervised channel for a class: its pupils are added, the DSL can see it."),
}


def creatable_kinds(viewer: Person) -> list[tuple[str, str]]:
    """The kinds of conversation the viewer may start."""
    target = viewer.school or viewer.organisation
    return [
        (kind.value, str(kind.label))
        for kind in Conversation.Kind
        if permissions.allows(viewer, f"conversation.create.{kind.value}", target)
    ]


def new_conversation_form(viewer: Person, data: Any = None) -> NewConversationForm:
    people = [(p.pk, p.name) for p in people_queries.directory(viewer) if p.pk != viewer.pk]
    classes = [(c.pk, f"{c.name} ({c.school.name})") for c in people_queries.school_classes(viewer)]
    return NewConversationForm(data, kinds=creatable_kinds(viewer), people=people, classes=classes)


def staff_audience_schools(viewer: Person) -> list[School]:
    """Schools whose staff the viewer may send an announcement to as a whole ("All staff at <school>")."""
    schools = School.objects.filter(organisation_id=viewer.organisation_id).order_by("name", "pk")
    return [s for s in schools if permissions.allows(viewer, "conversation.create.announcement", s)]


def _staff_audience(viewer: Person, value: str, kind: str) -> School | None:
    """The school chosen as "All staff at <school>" for a new announcement channel, or None (members chosen)."""
    if not value or kind != Conversation.Kind.ANNOUNCEMENT:
        return None
    school = next((s for s in staff_audience_schools(viewer) if str(s.pk) == value), None)
    if school is None:
        raise Invalid("audience", gettext("Choose one of the schools listed, or the people yourself."))
    return school


def _home(request: HttpRequest, form: NewConversationForm | None = None, status: int = 200) -> HttpResponse:
    viewer = viewer_of(request)
    form = form or new_conversation_form(viewer)
    kinds = dict(form.fields["kind"].choices)  # type: ignore[attr-defined]
    directory = [(p, role_label(p)) for p in people_queries.directory(viewer) if p.pk != viewer.pk] if kinds else []
    context = with_sidebar(
        request,
        form=form,
        kind_choices=[(k, label, KIND_HINTS.get(Conversation.Kind(k), "")) for k, label in kinds.items()],
        directory=directory,
        chosen_members={str(v) for v in (form["member_ids"].value() or [])},
        joinable=queries.joinable_channels(viewer),
        reviews_due=list(reviews.due_for(viewer)[:10]),
        reviews_overdue=reviews.is_overdue(),
        # Where a conversation belongs matters for open channels and announcements (who can find or must
        # read them); a group or direct message is simply its members.
        may_go_trust_wide=any(
            permissions.allows(viewer, f"conversation.create.{k}", viewer.organisation)
            for k in kinds
            if k in (Conversation.Kind.CHANNEL, Conversation.Kind.ANNOUNCEMENT)
        ),
        staff_audience_schools=staff_audience_schools(viewer) if Conversation.Kind.ANNOUNCEMENT in kinds else [],
        chosen_audience=request.POST.get("audience", ""),
    )
    return render(request, "staffroom/home.html", context, status=status)


@signed_in
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return _home(request)


@signed_in
@require_GET
def sidebar_fragment(request: HttpRequest) -> HttpResponse:
    """The conversation list alone, which the page reloads when unread counts change."""
    try:
        current_id = int(request.GET.get("current", ""))
    except ValueError:
        current_id = None
    context = {"sidebar": sidebar.build(viewer_of(request), current_id=current_id)}
    return render(request, "staffroom/sidebar.html", context)


@signed_in
@require_POST
def new_conversation(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    form = new_conversation_form(viewer, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            school_class = None
            if data["school_class_id"] is not None and data["kind"] == Conversation.Kind.CLASS:
                school_class = next(
                    (c for c in people_queries.school_classes(viewer) if c.pk == data["school_class_id"]), None
                )
            audience = _staff_audience(viewer, request.POST.get("audience", ""), data["kind"])
            if audience is not None:
                conversation = actions.create_staff_announcement(
                    acting=viewer,
                    school=audience,
                    title=data["title"],
                    include_governors=request.POST.get("include_governors") == "on",
                )
                return redirect("web:conversation", conversation_id=conversation.pk)
            conversation = actions.create_conversation(
                acting=viewer,
                kind=data["kind"],
                title=data["title"],
                member_ids=data["member_ids"],
                school_class=school_class,
                trust_wide=data["trust_wide"],
            )
        except StaffroomError as exc:
            show_error(form, exc)
        else:
            return redirect("web:conversation", conversation_id=conversation.pk)
    return _home(request, form, status=422)


@signed_in
@require_POST
def join_channel(request: HttpRequest, conversation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    channel = next((c for c in queries.joinable_channels(viewer) if c.pk == conversation_id), None)
    if channel is not None:
        actions.join_channel(channel, acting=viewer)
    # Already a member, or not joinable: either way the conversation page answers (or 404s) correctly.
    return redirect("web:conversation", conversation_id=conversation_id)
