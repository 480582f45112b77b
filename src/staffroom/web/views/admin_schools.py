"""The admin console's schools and classes: the trust's schools (IT admins add and rename them) and each
school's classes (IT admins, and headteachers for their school, add and rename them). A roster import keeps the
same rows; these pages are for schools that do not import one, and for corrections."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from staffroom.accounts import actions, permissions
from staffroom.accounts import queries as people_queries
from staffroom.accounts.models import Person, School
from staffroom.errors import NotFound, PermissionDenied, StaffroomError
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of


def _keeper(request: HttpRequest) -> tuple[Person, list[School]]:
    """The viewer and the schools whose classes they keep; 404 for anyone who keeps none."""
    viewer = viewer_of(request)
    schools = people_queries.class_schools(viewer)
    if not schools:
        raise NotFound()
    return viewer, schools


@signed_in
@require_GET
def schools(request: HttpRequest) -> HttpResponse:
    viewer, kept = _keeper(request)
    listed = []
    for school in kept:
        classes = school.classes.annotate(
            pupil_count=Count("pupils", distinct=True), teacher_count=Count("teachers", distinct=True)
        ).order_by("year_group", "name")
        listed.append((school, list(classes)))
    context = {
        "schools": listed,
        "may_manage_schools": permissions.allows(viewer, "schools.manage", viewer.organisation),
        "console_section": "schools",
        "console_home": True,
    }
    return render(request, "staffroom/admin/schools.html", context)


def _done(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("web:admin_schools")


@signed_in
@require_POST
def change(request: HttpRequest, what: str) -> HttpResponse:
    """One form per change: add or rename a school, add or rename a class. A refusal is said at the top."""
    viewer, _kept = _keeper(request)
    post = request.POST
    try:
        if what == "school-add":
            school = actions.add_school(acting=viewer, name=post.get("name", ""))
            return _done(request, _("%(name)s was added.") % {"name": school.name})
        if what == "school-rename":
            school = actions.update_school(_id(post, "school_id"), acting=viewer, name=post.get("name", ""))
            return _done(request, _("The school is now called %(name)s.") % {"name": school.name})
        if what == "class-add":
            made = actions.add_class(
                acting=viewer, school_id=_id(post, "school_id"), name=post.get("name", ""),
                year_group=post.get("year_group", ""),
            )  # fmt: skip
            return _done(request, _("%(name)s was added.") % {"name": made.name})
        if what == "class-rename":
            changed = actions.update_class(
                _id(post, "class_id"), acting=viewer, name=post.get("name", ""), year_group=post.get("year_group", "")
            )
            return _done(request, _("The class is now %(name)s.") % {"name": changed.name})
    except (NotFound, PermissionDenied):
        raise
    except StaffroomError as exc:
        messages.error(request, exc.message)
        return redirect("web:admin_schools")
    raise NotFound()


def _id(post: QueryDict, field: str) -> int:
    raw = post.get(field, "")
    if not raw.isdigit():
        raise NotFound()
    return int(raw)
