"""Subject access requests, from receipt to answer (UK GDPR Art. 15): logging one, the identity check that starts
its clock, pausing and resuming it while the requester clarifies, the one extension, the DPO's redaction choices,
each look at the messages found, each export, the answer and a withdrawal; and the worker's reminders. Each
checks permission (`sar.manage`, the DPO's), changes rows in one transaction and writes its audit entry last;
the due date is recomputed by every action that moves it (compliance/sar_dates.py).

Audit entries hold ids, dates, counts and digests: never a message's text, nor the words the DPO blanks.
"""

from __future__ import annotations

import functools
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from staffroom.accounts import languages, permissions
from staffroom.accounts.actors import Actor, Service, ServiceActor
from staffroom.accounts.models import Person, Role
from staffroom.compliance import audit, sar, sar_dates
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.bundle import Summary, bundle_response
from staffroom.compliance.models import SubjectAccessPause, SubjectAccessReminder, SubjectAccessRequest
from staffroom.errors import Invalid, NotFound
from staffroom.text import clean as clean_text

Status = SubjectAccessRequest.Status
Kind = SubjectAccessPause.Kind
MAX_TEXT = 5000


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _text(value: str, field: str, missing: str) -> str:
    value = clean_text(value or "", multiline=True)
    if not value:
        raise Invalid(field, missing)
    if len(value) > MAX_TEXT:
        raise Invalid(field, _("At most %(n)d characters.") % {"n": MAX_TEXT})
    return value


def _recompute_due(request: SubjectAccessRequest) -> date:
    """The due date by the rule, from the request's received date, its pauses and whether it was extended."""
    pauses = [sar_dates.Pause(p.started_on, p.ended_on) for p in request.pauses.all()]
    return sar_dates.due_date(
        request.received_on, pauses=pauses, extended=request.extended_at is not None,
        nation=settings.STAFFROOM_SAR_NATION,
    )  # fmt: skip


def _locked(acting: Person, sar_id: int) -> SubjectAccessRequest:
    """The request, row-locked, for its organisation's DPO. NotFound for any other organisation's."""
    permissions.require(acting, "sar.manage", acting.organisation)
    request = (
        SubjectAccessRequest.objects.select_for_update()
        .filter(pk=sar_id, organisation_id=acting.organisation_id)
        .first()
    )
    if request is None:
        raise NotFound()
    return request


def _still_open(request: SubjectAccessRequest) -> None:
    if not request.is_open:
        raise Invalid("status", _("This request is %(status)s: nothing more can change.") % {
            "status": request.get_status_display().lower()})  # fmt: skip


def _open_pause(request: SubjectAccessRequest, kind: str | None = None) -> SubjectAccessPause | None:
    pauses = request.pauses.filter(ended_on__isnull=True)
    if kind:
        pauses = pauses.filter(kind=kind)
    return pauses.first()


def _end_pause(pause: SubjectAccessPause, today: date) -> None:
    pause.ended_on = max(today, pause.started_on)
    pause.save(update_fields=["ended_on"])


def _dates(request: SubjectAccessRequest, before: date | None = None) -> dict[str, object]:
    data: dict[str, object] = {"sar_id": request.pk, "subject_id": request.subject_id,
                               "due_on": request.due_on.isoformat()}  # fmt: skip
    if before is not None and before != request.due_on:
        data["was_due_on"] = before.isoformat()
    return data


def log_sar(
    *, acting: Person, subject_id: int, received_on: date, reason: str, identity_checked: bool = False,
    notes: str = "", today: date | None = None,
) -> SubjectAccessRequest:  # fmt: skip
    """Log a request received on `received_on` for `subject_id`'s data. Until their identity is checked the clock
    stands still (status `waiting_for_id`)."""
    permissions.require(acting, "sar.manage", acting.organisation)
    today = _today(today)
    reason = _text(reason, "reason", _("Say what was asked for and how it came in (letter, email, in person)."))
    notes = clean_text(notes or "", multiline=True)[:MAX_TEXT]
    if received_on > today:
        raise Invalid("received_on", _("A request cannot have been received in the future."))
    subject = Person.objects.filter(pk=subject_id, organisation_id=acting.organisation_id).first()
    if subject is None:
        raise Invalid("subject_id", _("There is no one with this id in your organisation."))
    with transaction.atomic():
        now = timezone.now()
        request = SubjectAccessRequest(
            organisation_id=acting.organisation_id, subject=subject, received_on=received_on, reason=reason,
            notes=notes, logged_by=acting, due_on=sar_dates.due_date(received_on, nation=settings.STAFFROOM_SAR_NATION),
            status=Status.OPEN if identity_checked else Status.WAITING_FOR_ID, identity_checked=identity_checked,
            identity_checked_by=acting if identity_checked else None,
            identity_checked_at=now if identity_checked else None,
        )  # fmt: skip
        request.save()
        if not identity_checked:
            SubjectAccessPause.objects.create(request=request, kind=Kind.IDENTITY, started_on=received_on)
        audit.record(
            acting, AuditAction.SAR_LOGGED, target=subject, reason=reason,
            data={**_dates(request), "received_on": received_on.isoformat(), "identity_checked": identity_checked},
        )  # fmt: skip
    return request


def record_identity_checked(sar_id: int, *, acting: Person, today: date | None = None) -> SubjectAccessRequest:
    """The requester proved who they are: the clock restarts, and the due date moves on by the days it waited."""
    today = _today(today)
    with transaction.atomic():
        request = _locked(acting, sar_id)
        _still_open(request)
        if request.identity_checked:
            raise Invalid("identity_checked", _("The requester's identity was already checked."))
        before = request.due_on
        if (pause := _open_pause(request, Kind.IDENTITY)) is not None:
            _end_pause(pause, today)
        request.identity_checked, request.identity_checked_by, request.identity_checked_at = (
            True,
            acting,
            timezone.now(),
        )
        if request.status == Status.WAITING_FOR_ID:
            request.status = Status.OPEN
        request.due_on = _recompute_due(request)
        request.save()
        audit.record(acting, AuditAction.SAR_IDENTITY_CHECKED, target=request.subject, data=_dates(request, before))
    return request


def pause_sar(sar_id: int, *, acting: Person, note: str, today: date | None = None) -> SubjectAccessRequest:
    """Stop the clock while the requester is asked to clarify what they want (ICO: where it is genuinely unclear)."""
    today = _today(today)
    note = _text(note, "note", _("Say what was asked of the requester, and when."))
    with transaction.atomic():
        request = _locked(acting, sar_id)
        _still_open(request)
        if _open_pause(request) is not None:
            raise Invalid("status", _("The clock is already stopped."))
        SubjectAccessPause.objects.create(request=request, kind=Kind.CLARIFICATION, started_on=today, note=note)
        audit.record(
            acting, AuditAction.SAR_PAUSED, target=request.subject, reason=note,
            data={**_dates(request), "paused_on": today.isoformat()},
        )  # fmt: skip
    return request


def resume_sar(sar_id: int, *, acting: Person, today: date | None = None) -> SubjectAccessRequest:
    """The requester clarified: the clock restarts, and the due date moves on by the days paused."""
    today = _today(today)
    with transaction.atomic():
        request = _locked(acting, sar_id)
        _still_open(request)
        pause = _open_pause(request, Kind.CLARIFICATION)
        if pause is None:
            raise Invalid("status", _("The clock is not stopped for clarification."))
        before = request.due_on
        _end_pause(pause, today)
        request.due_on = _recompute_due(request)
        request.save(update_fields=["due_on"])
        audit.record(
            acting, AuditAction.SAR_RESUMED, target=request.subject,
            data={**_dates(request, before), "days_paused": (today - pause.started_on).days},
        )  # fmt: skip
    return request


def extend_sar(sar_id: int, *, acting: Person, reason: str) -> SubjectAccessRequest:
    """Extend a complex request by two further months, once, saying why (the requester must be told why, within
    the first month)."""
    reason = _text(reason, "reason", _("Say why the request is complex: the requester must be told."))
    with transaction.atomic():
        request = _locked(acting, sar_id)
        _still_open(request)
        if request.extended_at is not None:
            raise Invalid("reason", _("A request can be extended only once."))
        if request.status == Status.WAITING_FOR_ID:
            raise Invalid("status", _("Check the requester's identity first: the clock has not started."))
        before = request.due_on
        request.status, request.extended_reason = Status.EXTENDED, reason
        request.extended_by, request.extended_at = acting, timezone.now()
        request.due_on = _recompute_due(request)
        request.save()
        audit.record(acting, AuditAction.SAR_EXTENDED, target=request.subject, reason=reason,
                     data=_dates(request, before))  # fmt: skip
    return request


def review_sar(
    sar_id: int, *, acting: Person, words: list[str], search_from: date | None = None, search_to: date | None = None
) -> SubjectAccessRequest:
    """The choices for the whole export: words and phrases blanked everywhere, and the dates the search is
    narrowed to (none: every message kept)."""
    if search_from and search_to and search_to < search_from:
        raise Invalid("search_to", _("The last day is before the first day."))
    cleaned = sar.clean_words(words)
    with transaction.atomic():
        request = _locked(acting, sar_id)
        _still_open(request)
        request.redact_words, request.search_from, request.search_to = cleaned, search_from, search_to
        request.save(update_fields=["redact_words", "search_from", "search_to"])
        audit.record(
            acting, AuditAction.SAR_REVIEWED, target=request.subject,
            data={"sar_id": request.pk, "words": len(cleaned),
                  "search_from": search_from.isoformat() if search_from else None,
                  "search_to": search_to.isoformat() if search_to else None},
        )  # fmt: skip
    return request


def redact_sar_message(
    sar_id: int, message_id: int, *, acting: Person, exclude: bool, words: list[str]
) -> SubjectAccessRequest:
    """The choices for one message found: leave it out of the export, or blank these words in it."""
    cleaned = sar.clean_words(words)
    with transaction.atomic():
        request = _locked(acting, sar_id)
        _still_open(request)
        if not sar.found_messages(request, excluded=True).filter(pk=message_id).exists():
            raise NotFound()
        choices = dict(request.message_choices or {})
        if exclude or cleaned:
            choices[str(message_id)] = {"exclude": bool(exclude), "words": cleaned}
        else:
            choices.pop(str(message_id), None)
        request.message_choices = choices
        request.save(update_fields=["message_choices"])
        audit.record(
            acting, AuditAction.SAR_REVIEWED, target=request.subject,
            data={"sar_id": request.pk, "message_id": message_id, "exclude": bool(exclude), "words": len(cleaned)},
        )  # fmt: skip
    return request


def view_sar_messages(sar_id: int, *, acting: Person) -> SubjectAccessRequest:
    """Record that the DPO opened the messages a request found (a look at content outside their own
    conversations: audited, with the request's reason)."""
    with transaction.atomic():
        request = _locked(acting, sar_id)
        audit.record(acting, AuditAction.SAR_CONTENT_VIEWED, target=request.subject, reason=request.reason,
                     data={"sar_id": request.pk})  # fmt: skip
    return request


def export_sar(sar_id: int, *, acting: Person) -> tuple[FileResponse, Summary]:
    """The request's export as a ZIP download (compliance/bundle.py), with the DPO's choices applied. Written
    before anything is locked (it may take a while); then the request keeps its digest and the export is audited."""
    permissions.require(acting, "sar.manage", acting.organisation)
    request = (
        SubjectAccessRequest.objects.select_related("subject")
        .filter(pk=sar_id, organisation_id=acting.organisation_id)
        .first()
    )
    if request is None:
        raise NotFound()
    if request.status == Status.WITHDRAWN:
        raise Invalid("status", _("This request was withdrawn: there is nothing to send."))
    response, summary = bundle_response(
        sar.found_messages(request), about=sar.about(request, made_by=acting.name),
        filename=sar.export_filename(request), history=True, redaction=sar.redaction_for(request),
    )  # fmt: skip
    try:
        with transaction.atomic():
            locked = _locked(acting, sar_id)
            locked.exported_at, locked.export_digest = timezone.now(), summary.files["messages.json"]
            locked.export_messages = summary.messages
            locked.save(update_fields=["exported_at", "export_digest", "export_messages"])
            audit.record(
                acting, AuditAction.SAR_EXPORTED, target=locked.subject, reason=locked.reason,
                data={"sar_id": locked.pk, "messages": summary.messages, "conversations": summary.conversations,
                      "attachments": summary.attachments, "messages_json_sha256": summary.files["messages.json"]},
            )  # fmt: skip
    except BaseException:
        response.close()
        raise
    return response, summary


def answer_sar(sar_id: int, *, acting: Person, today: date | None = None) -> SubjectAccessRequest:
    """The export was sent: the request is answered, keeping the digest of what was sent."""
    today = _today(today)
    with transaction.atomic():
        request = _locked(acting, sar_id)
        _still_open(request)
        if not request.identity_checked:
            raise Invalid("status", _("Check the requester's identity before sending them anything."))
        if _open_pause(request) is not None:
            raise Invalid("status", _("The clock is stopped for clarification: restart it first."))
        if not request.export_digest:
            raise Invalid("status", _("Download the export first: it is what the requester is sent."))
        request.status, request.answered_on, request.answered_by = Status.ANSWERED, today, acting
        request.answer_digest = request.export_digest
        request.save()
        audit.record(
            acting, AuditAction.SAR_ANSWERED, target=request.subject,
            data={**_dates(request), "answered_on": today.isoformat(), "on_time": today <= request.due_on,
                  "messages_json_sha256": request.answer_digest, "messages": request.export_messages},
        )  # fmt: skip
    return request


def withdraw_sar(sar_id: int, *, acting: Person, reason: str, today: date | None = None) -> SubjectAccessRequest:
    """The requester withdrew (or the request is closed unanswered for another recorded reason)."""
    today = _today(today)
    reason = _text(reason, "reason", _("Say why the request is closed without an answer."))
    with transaction.atomic():
        request = _locked(acting, sar_id)
        _still_open(request)
        if (pause := _open_pause(request)) is not None:
            _end_pause(pause, today)
        request.status, request.withdrawn_reason = Status.WITHDRAWN, reason
        request.save(update_fields=["status", "withdrawn_reason"])
        audit.record(acting, AuditAction.SAR_WITHDRAWN, target=request.subject, reason=reason, data=_dates(request))
    return request


# --- reminders (the worker) -------------------------------------------------------------------------------

REMIND_DAYS = 7


def _dpos(organisation_id: int) -> list[Person]:
    return list(
        Person.objects.filter(organisation_id=organisation_id, is_active=True, role_assignments__role=Role.DPO)
        .distinct()
        .order_by("pk")
    )


def remind_sar(sar_id: int, *, acting: Actor, today: date) -> str | None:
    """Remind the organisation's DPOs of one request that is due within 7 days, or overdue, once per stage and due
    date: recorded (`SubjectAccessReminder`), audited, and emailed after commit (the number, the dates and a
    link; no name). Returns the stage reminded of, or None when nothing was due."""
    if not isinstance(acting, ServiceActor) or acting.service != Service.WORKER:
        raise NotFound()
    with transaction.atomic():
        request = SubjectAccessRequest.objects.select_for_update().filter(pk=sar_id).first()
        if request is None or request.organisation_id != acting.organisation_id:
            raise NotFound()
        permissions.require(acting, "sar.remind", request.subject)
        if not request.is_open or _open_pause(request) is not None:
            return None
        days_left = (request.due_on - today).days
        if days_left < 0:
            stage = SubjectAccessReminder.Stage.OVERDUE
        elif days_left <= REMIND_DAYS:
            stage = SubjectAccessReminder.Stage.DUE_SOON
        else:
            return None
        if SubjectAccessReminder.objects.filter(request=request, stage=stage, due_on=request.due_on).exists():
            return None
        dpos = _dpos(request.organisation_id)
        SubjectAccessReminder.objects.create(request=request, stage=stage, due_on=request.due_on,
                                             recipients=[p.pk for p in dpos])  # fmt: skip
        # One email for each language the DPOs chose, each in theirs (the worker has no request to ask).
        chosen = languages.of_people(p.pk for p in dpos)
        for language in sorted(set(chosen.values())):
            addresses = [p.email for p in dpos if chosen[p.pk] == language and p.email]
            if addresses:
                with translation.override(language):
                    subject, body = _reminder(request, overdue=days_left < 0)
                transaction.on_commit(functools.partial(_mail, subject, body, addresses))
        audit.record(
            acting, AuditAction.SAR_REMINDED, target=request.subject,
            data={**_dates(request), "stage": stage, "days_left": days_left, "recipients": [p.pk for p in dpos]},
        )  # fmt: skip
    return stage


def _reminder(request: SubjectAccessRequest, *, overdue: bool) -> tuple[str, str]:
    """A reminder's subject and body in the active language (dates too: Django's month names, not strftime's)."""
    subject = _("Subject access request %(n)d is overdue") if overdue else _(
        "Subject access request %(n)d is due on %(day)s")  # fmt: skip
    subject = subject % {"n": request.pk, "day": date_format(request.due_on, "j F Y")}
    body = _(
        "%(title)s.\n\nIt was received on %(received)s and must be answered by %(due)s. Open the compliance "
        "console, Subject access, to see what is left to do.\n"
    ) % {"title": subject, "received": date_format(request.received_on, "j F Y"),
         "due": date_format(request.due_on, "j F Y")}  # fmt: skip
    return subject, body


def _mail(subject: str, body: str, addresses: list[str]) -> None:
    import logging

    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, addresses)
    except OSError as exc:  # the reminder stays recorded and on the dashboard; the operator fixes the mail
        logging.getLogger(__name__).error(
            "Could not send a subject access reminder", extra={"error": type(exc).__name__}
        )
