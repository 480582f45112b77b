"""Who is in a conversation: the list, adding and removing people, and leaving."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staffroom.accounts import permissions
from staffroom.accounts import queries as people_queries
from staffroom.accounts.models import Person
from staffroom.errors import NotFound, StaffroomError
from staffroom.messaging import actions, queries
from staffroom.messaging.models import Conversation, Membership
from staffroom.web.forms import AddMemberForm, ReviewForm, show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of, with_sidebar
from staffroom.web.sidebar import conversation_name
from staffroom.web.timeline import role_label


def add_candidates(viewer: Person, conversation: Conversation, members: list[Membership]) -> list[tuple[int, str]]:
    """Suggestions: the viewer's directory, and for a class channel its class's pupils, less who is there."""
    present = {m.person_id for m in members}
    candidates = list(people_queries.directory(viewer))
    if conversation.school_class_id is not None:
        candidates += list(conversation.school_class.pupils.filter(is_active=True).order_by("name"))  # type: ignore[union-attr]
    return [(p.pk, p.name) for p in candidates if p.pk not in present]


def _add_form(
    viewer: Person, conversation: Conversation, members: list[Membership], data: object = None
) -> AddMemberForm:
    return AddMemberForm(data, people=add_candidates(viewer, conversation, members))  # type: ignore[arg-type]


def _render(
    request: HttpRequest, conversation: Conversation, form: AddMemberForm | None = None, status: int = 200
) -> HttpResponse:
    viewer = viewer_of(request)
    members = queries.members(viewer, conversation)
    # Nobody adds to or removes from a direct message (actions.add_member, actions.remove_member); anyone leaves.
    may_manage = conversation.kind != Conversation.Kind.DIRECT and permissions.allows(
        viewer, "conversation.manage_members", conversation
    )
    context = with_sidebar(
        request,
        current_id=conversation.pk,
        conversation=conversation,
        conversation_title=conversation_name(viewer, conversation),
        members=[(m, role_label(m.person)) for m in members],
        is_member=any(m.person_id == viewer.pk for m in members),
        may_manage=may_manage,
        may_invite_external=may_manage
        and conversation.kind not in (Conversation.Kind.CLASS, Conversation.Kind.DIRECT)
        and permissions.allows(viewer, "external.request", viewer.organisation),
        add_form=(form or _add_form(viewer, conversation, members)) if may_manage else None,
        may_set_posting_rules=conversation.kind == Conversation.Kind.CLASS
        and permissions.allows(viewer, "conversation.posting_rules", conversation),
    )
    return render(request, "staffroom/members.html", context, status=status)


@signed_in
@require_GET
def members(request: HttpRequest, conversation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    return _render(request, queries.get_conversation(viewer, conversation_id))


@signed_in
@require_POST
def add_member(request: HttpRequest, conversation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    form = _add_form(viewer, conversation, queries.members(viewer, conversation), request.POST)
    if form.is_valid():
        try:
            membership = actions.add_member(conversation, form.cleaned_data["person_id"], acting=viewer)
        except StaffroomError as exc:
            show_error(form, exc, default_field="person_id")
        else:
            messages.success(request, _("%(name)s was added.") % {"name": membership.person.name})
            return redirect("web:members", conversation_id=conversation.pk)
    return _render(request, conversation, form, status=422)


@signed_in
@require_POST
def remove_member(request: HttpRequest, conversation_id: int, person_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    member = actions.remove_member(conversation, person_id, acting=viewer)
    messages.success(request, _("%(name)s was removed.") % {"name": member.name})
    return redirect("web:members", conversation_id=conversation.pk)


@signed_in
@require_POST
def leave(request: HttpRequest, conversation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    try:
        actions.remove_member(conversation, viewer.pk, acting=viewer)
    except StaffroomError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
        return redirect("web:members", conversation_id=conversation.pk)
    messages.success(request, _("You left %(name)s.") % {"name": conversation_name(viewer, conversation)})
    return redirect("web:home")


@signed_in
@require_http_methods(["GET", "POST"])
def review_members(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The termly review: whoever runs the conversation confirms who stays (messaging/reviews.py)."""
    viewer = viewer_of(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    if conversation.kind == Conversation.Kind.DIRECT or not permissions.allows(
        viewer, "conversation.manage_members", conversation
    ):
        raise NotFound()
    members = queries.members(viewer, conversation)
    form = ReviewForm(request.POST if request.method == "POST" else None, members=[m.person_id for m in members])
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                review = actions.review_members(
                    conversation, acting=viewer, remove_ids=form.cleaned_data["remove_ids"],
                    note=form.cleaned_data["note"],
                )  # fmt: skip
            except StaffroomError as exc:
                show_error(form, exc, default_field="remove_ids")
            else:
                messages.success(
                    request,
                    _("Thank you: the members are confirmed (%(kept)d stay, %(removed)d taken out).")
                    % {"kept": review.kept, "removed": len(review.removed_ids)},
                )
                return redirect("web:members", conversation_id=conversation.pk)
        status = 422
    context = with_sidebar(
        request,
        current_id=conversation.pk,
        conversation=conversation,
        conversation_title=conversation_name(viewer, conversation),
        members=[(m, role_label(m.person)) for m in members],
        form=form,
        chosen={str(v) for v in (form["remove_ids"].value() or [])},
    )
    return render(request, "staffroom/review.html", context, status=status)
