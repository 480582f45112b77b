"""Investigation exports, four eyes: one compliance person requests a scope with a reason, a second approves
(or refuses, saying why), and only then may either of them download the ZIP, for DOWNLOAD_DAYS days. Each
step checks permission, changes rows in one transaction and writes its audit entry last; the scope rules are in
compliance/investigations.py and docs/records.md ("Investigations")."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts.models import Person
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.bundle import Summary, write_bundle
from staffroom.compliance.investigations import (
    DOWNLOAD_DAYS,
    MAX_IDS,
    MAX_WORD_LENGTH,
    MAX_WORDS,
    bundle_about,
    get_investigation_export,
    may_approve,
    may_download,
    reach,
    scope_messages,
)
from staffroom.compliance.models import InvestigationExport
from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.text import clean as clean_text

MAX_REASON = 2000


def _reason(text: str, field: str = "reason") -> str:
    reason = clean_text(text or "", multiline=True)
    if not reason:
        raise Invalid(field, _("Say why: the reason is kept with the export and in the audit log."))
    if len(reason) > MAX_REASON:
        raise Invalid(field, _("A reason can be at most %(n)d characters.") % {"n": MAX_REASON})
    return reason


def _ids(raw: list[int] | None, field: str) -> list[int]:
    ids = sorted({int(i) for i in raw or []})
    if len(ids) > MAX_IDS:
        raise Invalid(field, _("List at most %(n)d.") % {"n": MAX_IDS})
    return ids


def _words(raw: list[str] | None) -> list[str]:
    words: list[str] = []
    for text in raw or []:
        word = clean_text(text or "")
        if not word:
            continue
        if len(word) > MAX_WORD_LENGTH:
            raise Invalid("words", _("A word or phrase can be at most %(n)d characters.") % {"n": MAX_WORD_LENGTH})
        if not any(ch.isalnum() for ch in word):
            raise Invalid("words", _("“%(word)s” has no letters or digits to search for.") % {"word": word})
        if word not in words:
            words.append(word)
    if len(words) > MAX_WORDS:
        raise Invalid("words", _("Search for at most %(n)d words or phrases.") % {"n": MAX_WORDS})
    return words


def request_investigation_export(
    *,
    acting: Person,
    reason: str,
    person_ids: list[int] | None = None,
    conversation_ids: list[int] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    words: list[str] | None = None,
) -> InvestigationExport:
    """Ask for the messages of a scope (people, conversations, dates, words), with a reason. Nothing of the
    content is shown until a second person approves. Every id must be within the requester's reach (a
    headteacher: their own school); any other id is NotFound, as if it did not exist."""
    found = reach(acting, "investigation.request")
    if found is None:
        raise PermissionDenied(_("Only the data protection officer and headteachers request investigation exports."))
    reason = _reason(reason)
    people, conversations, words = (
        _ids(person_ids, "person_ids"),
        _ids(conversation_ids, "conversation_ids"),
        _words(words),
    )
    if not (people or conversations or date_from or date_to or words):
        message = _("Say what to export: some people, conversations, dates or words (never everything at once).")
        raise Invalid("scope", message)
    if date_from and date_to and date_from > date_to:
        raise Invalid("to", _("The last day is before the first day."))
    org = acting.organisation_id
    with transaction.atomic():
        known_people = set(found.people(org).filter(pk__in=people).values_list("pk", flat=True))
        if missing := [i for i in people if i not in known_people]:
            raise NotFound(_("Person %(id)s is not someone you can include.") % {"id": missing[0]})
        listed = dict(found.conversations(org).filter(pk__in=conversations).values_list("pk", "school_id"))
        if missing := [i for i in conversations if i not in listed]:
            raise NotFound(_("Conversation %(id)s is not one you can include.") % {"id": missing[0]})
        schools = set(listed.values())
        if found.everywhere:
            # The export is a school's (a headteacher of it may approve) only if every listed conversation is.
            school_id = schools.pop() if len(schools) == 1 and None not in schools else None
        elif conversations:
            if len(schools) != 1:
                raise Invalid("conversation_ids", _("Choose conversations of one school for one export."))
            school_id = schools.pop()
        elif len(found.schools) == 1:
            school_id = next(iter(found.schools))
        else:
            raise Invalid("conversation_ids", _("You lead more than one school: choose the conversations to export."))
        export = InvestigationExport.objects.create(
            organisation_id=org, school_id=school_id, requested_by=acting, reason=reason, person_ids=people,
            conversation_ids=conversations, date_from=date_from, date_to=date_to, words=words,
        )  # fmt: skip
        audit.record(
            acting, AuditAction.INVESTIGATION_REQUESTED, target=export, reason=reason,
            data={"export_id": export.pk, "person_ids": people, "conversation_ids": conversations,
                  "from": date_from.isoformat() if date_from else None,
                  "to": date_to.isoformat() if date_to else None, "school_id": school_id},
            details={"words": words} if words else None,
        )  # fmt: skip
    return export


def _decidable(acting: Person, export_id: int, now: datetime) -> InvestigationExport:
    """The export, locked, if `acting` may decide it now: NotFound outside their reach (another organisation's
    included), PermissionDenied for the requester themselves (four eyes) or someone who cannot approve this
    scope, Invalid once it is decided."""
    if reach(acting, "investigation.approve") is None:
        raise PermissionDenied(_("Only the data protection officer and headteachers approve investigation exports."))
    export = get_investigation_export(acting, export_id, lock=True)
    if export.requested_by_id == acting.pk:
        raise PermissionDenied(_("A second person must decide: you cannot approve or refuse your own request."))
    if not may_approve(acting, export):
        raise NotFound()
    if export.status_at(now) != InvestigationExport.Status.REQUESTED:
        raise Invalid("status", _("This request has already been decided (%(status)s).") % {"status": export.status})
    return export


def approve_investigation_export(
    export_id: int, *, acting: Person, note: str = "", now: datetime | None = None
) -> InvestigationExport:
    """The second person approves: the requester and the approver may download the export for DOWNLOAD_DAYS
    days. Never the requester themselves."""
    now = now or timezone.now()
    note = clean_text(note or "", multiline=True)[:MAX_REASON]
    with transaction.atomic():
        export = _decidable(acting, export_id, now)
        export.status, export.approved_by, export.approved_at = InvestigationExport.Status.APPROVED, acting, now
        export.expires_at = now + timedelta(days=DOWNLOAD_DAYS)
        export.save(update_fields=["status", "approved_by", "approved_at", "expires_at"])
        audit.record(
            acting, AuditAction.INVESTIGATION_APPROVED, target=export, reason=note,
            data={"export_id": export.pk, "requested_by": export.requested_by_id,
                  "expires_at": export.expires_at.isoformat()},
        )  # fmt: skip
    return export


def refuse_investigation_export(
    export_id: int, *, acting: Person, reason: str, now: datetime | None = None
) -> InvestigationExport:
    """The second person refuses, saying why; the export can then never be downloaded."""
    now = now or timezone.now()
    reason = _reason(reason)
    with transaction.atomic():
        export = _decidable(acting, export_id, now)
        export.status, export.refused_by, export.refused_at = InvestigationExport.Status.REFUSED, acting, now
        export.refusal_reason = reason
        export.save(update_fields=["status", "refused_by", "refused_at", "refusal_reason"])
        audit.record(
            acting, AuditAction.INVESTIGATION_REFUSED, target=export, reason=reason,
            data={"export_id": export.pk, "requested_by": export.requested_by_id},
        )  # fmt: skip
    return export


def _downloadable(acting: Person, export_id: int, now: datetime, *, lock: bool = False) -> InvestigationExport:
    export = get_investigation_export(acting, export_id, lock=lock)
    if not may_download(acting, export, now):
        status = export.status_at(now)
        if status == InvestigationExport.Status.APPROVED:
            raise PermissionDenied(
                _("Only the person who asked for this export and the one who approved it download it.")
            )
        if status == InvestigationExport.Status.EXPIRED:
            raise PermissionDenied(_("This export has expired. Ask for it again, and have a second person approve it."))
        raise PermissionDenied(_("Nothing of this export can be seen until a second person approves it."))
    return export


def download_investigation_export(
    export_id: int, *, acting: Person, target: IO[bytes], now: datetime | None = None
) -> Summary:
    """Write the approved export (edit and delete history included) as a ZIP into `target`, for the requester
    or the approver while the approval lasts; each download is audited with the SHA-256 of its messages.json.

    The ZIP is written before the transaction: a large export takes minutes, and the write lock must not be
    held that long. The checks are made again, under the export's lock, before the download is recorded; a
    download refused then leaves `target` to be thrown away."""
    now = now or timezone.now()
    export = _downloadable(acting, export_id, now)
    summary = write_bundle(target, scope_messages(export), about=bundle_about(export, acting=acting, now=now),
                           history=True)  # fmt: skip
    with transaction.atomic():
        export = _downloadable(acting, export_id, now, lock=True)
        export.downloads += 1
        export.last_downloaded_at = now
        export.save(update_fields=["downloads", "last_downloaded_at"])
        audit.record(
            acting, AuditAction.INVESTIGATION_DOWNLOADED, target=export, reason=export.reason,
            data={"export_id": export.pk, "messages": summary.messages, "conversations": summary.conversations,
                  "attachments": summary.attachments, "messages_json_sha256": summary.files["messages.json"],
                  "download": export.downloads},
        )  # fmt: skip
    return summary
