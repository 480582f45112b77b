"""Subject access requests in the compliance console (`/compliance/sars/`): the dashboard of requests (open ones
first, soonest due first, with days left in words), the forms for each step, the review screen where the DPO
leaves out messages and blanks words, and the export download. The headteacher sees their school's requests,
read-only. Every form calls the same action as the API."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.compliance import actions, queries, sar
from staffroom.compliance.models import SubjectAccessRequest
from staffroom.errors import Invalid, NotFound, PermissionDenied, StaffroomError
from staffroom.web.forms import show_error
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of

REVIEW_PAGE = 50


class LogForm(forms.Form):
    subject_name = forms.CharField(max_length=150, label=_("Whose data (their name)"))
    subject_id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    received_on = forms.DateField(label=_("Received on (YYYY-MM-DD)"))
    reason = forms.CharField(max_length=5000, label=_("What was asked for, and how it came in"), widget=forms.Textarea)
    identity_checked = forms.BooleanField(required=False, label=_("Their identity is already checked"))
    notes = forms.CharField(required=False, max_length=5000, label=_("Notes"), widget=forms.Textarea)


class ReviewForm(forms.Form):
    words = forms.CharField(
        required=False, max_length=20000, widget=forms.Textarea,
        label=_("Words or phrases to blank in the whole export, one a line"),
    )  # fmt: skip
    search_from = forms.DateField(required=False, label=_("Messages from (YYYY-MM-DD, empty: the first kept)"))
    search_to = forms.DateField(required=False, label=_("Messages up to (YYYY-MM-DD, empty: the latest)"))


def _lines(text: str) -> list[str]:
    return [line for line in (text or "").splitlines() if line.strip()]


def _reader(request: HttpRequest) -> Person:
    viewer = viewer_of(request)
    if not queries.may_view_sars(viewer):
        raise NotFound()  # the console does not show itself to those who may not use it
    return viewer


def _manager(request: HttpRequest) -> Person:
    viewer = _reader(request)
    if not permissions.allows(viewer, "sar.manage", viewer.organisation):
        raise PermissionDenied()
    return viewer


def _render_dashboard(
    request: HttpRequest, viewer: Person, form: LogForm | None = None, choices: list[Person] | None = None,
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    today = timezone.localdate()
    found = list(queries.subject_access_requests(viewer)[:300])
    rows = [{"request": r, "shown": queries.sar_payload(r, today), "open": r.is_open} for r in found]
    context = {
        "open_rows": [row for row in rows if row["open"]],
        "closed_rows": [row for row in rows if not row["open"]],
        "attention": [queries.sar_payload(r, today) for r in queries.sars_needing_attention(viewer, today)],
        "manages": permissions.allows(viewer, "sar.manage", viewer.organisation),
        "form": form or LogForm(initial={"received_on": today}),
        "choices": choices or [],
        "console_section": "sars",
        "console_home": True,
    }
    return render(request, "staffroom/compliance/sars.html", context, status=status)


@signed_in
@require_http_methods(["GET", "POST"])
def sars_page(request: HttpRequest) -> HttpResponse:
    viewer = _reader(request)
    if request.method == "GET":
        return _render_dashboard(request, viewer)
    viewer = _manager(request)
    form = LogForm(request.POST)
    choices: list[Person] = []
    if form.is_valid():
        data = form.cleaned_data
        subject_id = data["subject_id"]
        if subject_id is None:
            choices = queries.sar_subject_candidates(viewer, data["subject_name"])
            if len(choices) == 1:
                subject_id = choices[0].pk
            elif not choices:
                form.add_error("subject_name", _("No one in your organisation has a name like this."))
            else:
                form.add_error("subject_name", _("Several people have a name like this: choose one below."))
        if subject_id is not None:
            try:
                made = actions.log_sar(
                    acting=viewer, subject_id=subject_id, received_on=data["received_on"], reason=data["reason"],
                    identity_checked=data["identity_checked"], notes=data["notes"],
                )  # fmt: skip
            except StaffroomError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("The request is logged. It is due on %(day)s.") % {
                    "day": date_format(made.due_on, "j F Y")})  # fmt: skip
                return redirect(reverse("web:compliance_sars") + f"#sar-{made.pk}")
    return _render_dashboard(request, viewer, form, choices, status=422)


STEPS = {"identity", "pause", "resume", "extend", "answer", "withdraw"}


@signed_in
@require_POST
def sar_step(request: HttpRequest, sar_id: int, step: str) -> HttpResponse:
    viewer = _manager(request)
    if step not in STEPS:
        raise NotFound()
    post = request.POST
    try:
        if step == "identity":
            actions.record_identity_checked(sar_id, acting=viewer)
            messages.success(request, _("Identity checked: the clock has started."))
        elif step == "pause":
            actions.pause_sar(sar_id, acting=viewer, note=post.get("note", ""))
            messages.success(request, _("The clock is stopped until the requester clarifies."))
        elif step == "resume":
            actions.resume_sar(sar_id, acting=viewer)
            messages.success(request, _("The clock has restarted; the due date moved on by the days paused."))
        elif step == "extend":
            actions.extend_sar(sar_id, acting=viewer, reason=post.get("reason", ""))
            messages.success(request, _("Extended by two months. Tell the requester why within the first month."))
        elif step == "answer":
            actions.answer_sar(sar_id, acting=viewer)
            messages.success(request, _("The request is answered."))
        else:
            actions.withdraw_sar(sar_id, acting=viewer, reason=post.get("reason", ""))
            messages.success(request, _("The request is closed as withdrawn."))
    except (NotFound, PermissionDenied):
        raise
    except StaffroomError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("web:compliance_sars") + f"#sar-{sar_id}")


@signed_in
@require_GET
def sar_export(request: HttpRequest, sar_id: int) -> FileResponse | HttpResponse:
    viewer = _manager(request)
    try:
        response, _summary = actions.export_sar(sar_id, acting=viewer)
    except Invalid as exc:
        messages.error(request, exc.message)
        return redirect(reverse("web:compliance_sars") + f"#sar-{sar_id}")
    return response


@signed_in
@require_http_methods(["GET", "POST"])
def sar_review(request: HttpRequest, sar_id: int) -> HttpResponse:
    """The messages found, as the export will show them, with the DPO's choices: opening it is a look at
    content, so it is audited."""
    viewer = _manager(request)
    status = 200
    form = None
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.review_sar(
                    sar_id, acting=viewer, words=_lines(data["words"]), search_from=data["search_from"],
                    search_to=data["search_to"],
                )  # fmt: skip
            except StaffroomError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Saved: the export applies these choices."))
                return redirect("web:compliance_sar_review", sar_id=sar_id)
        status = 422
    found = actions.view_sar_messages(sar_id, acting=viewer) if status == 200 else None
    subject_request = found or queries.subject_access_request(viewer, sar_id)
    if form is None:
        form = ReviewForm(initial={
            "words": "\n".join(subject_request.redact_words or []), "search_from": subject_request.search_from,
            "search_to": subject_request.search_to,
        })  # fmt: skip
    return _render_review(request, subject_request, form, status)


def _render_review(request: HttpRequest, subject_request: SubjectAccessRequest, form: ReviewForm,
                   status: int) -> HttpResponse:  # fmt: skip
    redaction = sar.redaction_for(subject_request)
    found = (
        sar.found_messages(subject_request, excluded=True)
        .select_related("author", "conversation")
        .order_by("created_at", "id")
    )
    page = Paginator(found, REVIEW_PAGE).get_page(request.GET.get("page"))
    choices = subject_request.message_choices or {}
    rows = []
    for message in page.object_list:
        choice = choices.get(str(message.pk), {})
        rows.append({
            "message": message, "author": redaction.name(message.author),
            "conversation": message.conversation.title or message.conversation.get_kind_display(),
            "shown": redaction.text(message, message.body), "excluded": bool(choice.get("exclude")),
            "words": "\n".join(choice.get("words") or []),
        })  # fmt: skip
    context = {
        "sar": subject_request,
        "shown": queries.sar_payload(subject_request),
        "rows": rows,
        "page": page,
        "form": form,
        "console_section": "sars",
    }
    return render(request, "staffroom/compliance/sar_review.html", context, status=status)


@signed_in
@require_POST
def sar_review_message(request: HttpRequest, sar_id: int, message_id: int) -> HttpResponse:
    viewer = _manager(request)
    try:
        actions.redact_sar_message(
            sar_id, message_id, acting=viewer, exclude=request.POST.get("exclude") == "yes",
            words=_lines(request.POST.get("words", "")),
        )  # fmt: skip
    except (NotFound, PermissionDenied):
        raise
    except StaffroomError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved for this message."))
    page = request.POST.get("page", "")
    suffix = f"?page={int(page)}" if page.isdigit() else ""
    return redirect(reverse("web:compliance_sar_review", args=[sar_id]) + suffix + f"#m{message_id}")
