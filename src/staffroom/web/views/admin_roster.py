"""Importing a roster from the admin console: upload the roster's ZIP, see what it would change, confirm.

The same action as `staffroom import_roster` (rosters/actions.py) does the work, as roster sync, and its own
audit entry names the IT admin who confirmed. Only a trust-wide IT admin (`roster.import`) has the page; to
anyone else it does not exist (404).

The upload is read in memory, never written to a temporary file, and at most
`STAFFROOM_MAX_ROSTER_UPLOAD_BYTES` of it is kept; its ZIP is opened with the limits of rosters/files.py.
Between checking and confirming, the page carries the parsed roster, signed (rosters/sealed.py); nothing
is kept on the server, and the confirmation plans again: if Staffroom changed in between so that the plan
is not the one shown, the new plan is shown to confirm instead.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.errors import NotFound, StaffroomError
from staffroom.rosters import files, parser, sealed
from staffroom.rosters.actions import Outcome, import_roster
from staffroom.rosters.planner import ADD, DEACTIVATE, REACTIVATE, UPDATE, clean_email_domain
from staffroom.web.forms import RosterApplyForm, RosterUploadForm, show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of

PROBLEMS_SHOWN = 20
PEOPLE_SHOWN = 200
FORM_MARGIN = 64 * 1024
CHANGED_LABELS = {"name": "name", "school": "school", "roles": "role", "roster_id": "linked to the roster"}


class _InMemoryUpload(FileUploadHandler):
    """Keeps the uploaded file in memory up to `limit` bytes, and drops it past that (`too_large`): a roster
    holds personal data, so it is never written to a temporary file."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_large = False
        self.buffer = io.BytesIO()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self.too_large or start + len(raw_data) > self.limit:
            self.too_large = True
            self.buffer = io.BytesIO()
            return None
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile | None:
        if self.too_large:
            return None
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            self.buffer, self.field_name, self.file_name, self.content_type, file_size, self.charset
        )


def _importer(request: HttpRequest) -> Person:
    """The signed-in person, if they may import a roster (a trust-wide IT admin); to anyone else, 404."""
    viewer = viewer_of(request)
    if not permissions.allows(viewer, "roster.import", viewer.organisation):
        raise NotFound()
    return viewer


@csrf_exempt  # only so that the upload handler can be set before the body is read: _roster checks the token
@require_http_methods(["GET", "POST"])
def roster(request: HttpRequest) -> HttpResponse:
    handler = None
    if request.method == "POST":
        handler = _InMemoryUpload(request, settings.STAFFROOM_MAX_ROSTER_UPLOAD_BYTES)
        request.upload_handlers = [handler]
    return _roster(request, handler)


@signed_in
@csrf_protect
def _roster(request: HttpRequest, handler: _InMemoryUpload | None) -> HttpResponse:
    viewer = _importer(request)
    if request.method != "POST":
        return _upload_page(request, RosterUploadForm())
    form = RosterUploadForm(request.POST, request.FILES)
    if handler is not None and handler.too_large:
        limit = settings.STAFFROOM_MAX_ROSTER_UPLOAD_BYTES // (1024 * 1024)
        form.add_error(None, _("That file is too large: a roster ZIP may be at most %(n)d MB.") % {"n": limit})
    elif form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            domain = clean_email_domain(form.cleaned_data["email_domain"])
            roster = parser.parse(files.read_zip(upload, name=upload.name or "upload"))
            outcome = import_roster(roster, acting=viewer, email_domain=domain, dry_run=True)
        except files.Unreadable as unreadable:
            form.add_error("file", unreadable.problem.message)
        except StaffroomError as error:
            show_error(form, error)
        else:
            status = 200 if outcome.ok else 422
            return _plan_page(request, outcome, roster=roster, email_domain=domain, status=status)
    return _upload_page(request, form, status=422)


@signed_in
@require_POST
def apply(request: HttpRequest) -> HttpResponse:
    viewer = _importer(request)
    form = RosterApplyForm(request.POST)
    if not form.is_valid():
        return _upload_page(request, _upload_error(_("Upload the roster again to check it.")), status=422)
    try:
        roster, domain = sealed.unseal(form.cleaned_data["sealed"], person=viewer)
    except StaffroomError as error:
        return _upload_page(request, _upload_error(error.message), status=422)
    check = import_roster(roster, acting=viewer, email_domain=domain, dry_run=True)
    if check.plan.digest() != form.cleaned_data["digest"]:
        notice = _("Staffroom has changed since you checked this roster. This is what it would change now.")
        return _plan_page(request, check, roster=roster, email_domain=domain, notice=notice, status=409)
    outcome = import_roster(roster, acting=viewer, email_domain=domain)
    if not outcome.ok:
        return _plan_page(request, outcome, roster=roster, email_domain=domain, status=422)
    messages.success(request, _summary(outcome) if outcome.applied else _("The roster changed nothing."))
    return redirect("web:admin_roster")


def _upload_error(message: str) -> RosterUploadForm:
    form = RosterUploadForm({})
    form.errors.clear()
    form.add_error(None, message)
    return form


def _upload_page(request: HttpRequest, form: RosterUploadForm, *, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "max_mb": settings.STAFFROOM_MAX_ROSTER_UPLOAD_BYTES // (1024 * 1024),
        "console_section": "roster",
        "console_home": True,
    }
    return render(request, "staffroom/admin/roster.html", context, status=status)


def _plan_page(
    request: HttpRequest,
    outcome: Outcome,
    *,
    roster: parser.Roster,
    email_domain: str,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    plan = outcome.plan
    counts = plan.counts()
    apply_form, too_large = None, False
    if outcome.ok and plan.changes:
        token = sealed.seal(roster, person=viewer_of(request), email_domain=email_domain)
        # The confirmation posts the check back, and a form may send at most DATA_UPLOAD_MAX_MEMORY_SIZE.
        too_large = len(token) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE - FORM_MARGIN
        if not too_large:
            apply_form = RosterApplyForm(initial={"sealed": token, "digest": plan.digest()})
    context = {
        "console_section": "roster",
        "notice": notice,
        "ok": outcome.ok,
        "changes": plan.changes,
        "applied": outcome.applied,
        "apply_form": apply_form,
        "too_large_to_confirm": too_large,
        "figures": [
            (_("People to add"), counts["created"]),
            (_("People to update"), counts["updated"]),
            (_("People to deactivate"), counts["deactivated"]),
            (_("People to reactivate"), counts["reactivated"]),
            (_("Classes to add or change"), counts["classes"]),
            (_("Schools to add or change"), counts["schools"]),
            (_("Lines skipped (parents, no email)"), counts["skipped"]),
            (_("Enrollments left out"), counts["skipped_enrollments"]),
        ],
        "errors": _first(plan.errors, PROBLEMS_SHOWN),
        "warnings": _first(plan.warnings, PROBLEMS_SHOWN),
        "skipped": _first(plan.skipped, PROBLEMS_SHOWN),
        "adding": _first([(s.name, s.email) for s in plan.people_to(ADD)], PEOPLE_SHOWN),
        "updating": _first(
            [(s.name, ", ".join(CHANGED_LABELS[c] for c in s.changed)) for s in plan.people_to(UPDATE)], PEOPLE_SHOWN
        ),
        "deactivating": _first([(s.name, s.reason) for s in plan.people_to(DEACTIVATE)], PEOPLE_SHOWN),
        "reactivating": _first([(s.name, "") for s in plan.people_to(REACTIVATE)], PEOPLE_SHOWN),
        "schools": [(s.name, _("new") if s.school_id is None else _("renamed or linked")) for s in plan.schools],
        "classes": [
            (s.name, len(s.enrol), len(s.unenrol), len(s.assign), len(s.unassign), s.open_channel)
            for s in plan.class_lists
        ],
        "new_classes": [s.name for s in plan.classes if s.class_id is None],
    }
    return render(request, "staffroom/admin/roster_plan.html", context, status=status)


def _first[T](items: list[T], shown: int) -> dict[str, Any]:
    return {"items": items[:shown], "more": max(0, len(items) - shown), "total": len(items)}


def _summary(outcome: Outcome) -> str:
    counts = outcome.counts()
    parts = [
        ngettext("%(n)d person added", "%(n)d people added", counts["created"]) % {"n": counts["created"]},
        ngettext("%(n)d updated", "%(n)d updated", counts["updated"]) % {"n": counts["updated"]},
        ngettext("%(n)d deactivated", "%(n)d deactivated", counts["deactivated"]) % {"n": counts["deactivated"]},
        ngettext("%(n)d class changed", "%(n)d classes changed", counts["classes"]) % {"n": counts["classes"]},
    ]
    if counts["reactivated"]:
        parts.insert(3, _("%(n)d reactivated") % {"n": counts["reactivated"]})
    return _("The roster was imported: %(parts)s.") % {"parts": ", ".join(parts)}
