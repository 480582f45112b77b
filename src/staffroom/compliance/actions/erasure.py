"""Erasure requests (UK GDPR Art. 17): the DPO logs a request, then decides it. Refusing records the decision
and why; erasing anonymises the person and removes what they wrote and what identifies them, in one
transaction, keeping the audit chain verifiable (compliance/audit.py `redact`). docs/records.md says what is
erased and what is kept."""

from __future__ import annotations

import contextlib
import json
import secrets
from datetime import date
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.forgetting import forget
from staffroom.accounts.models import ApiToken, ExternalAccessRequest, Organisation, Person, SchoolClass
from staffroom.accounts.signout import sign_out_everywhere
from staffroom.compliance import audit, queries
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.erasure import ERASED_DOMAIN, ERASED_NAME, reasons_to_refuse
from staffroom.compliance.models import AuditEntry, Breach, ErasureRequest
from staffroom.errors import Invalid
from staffroom.messaging.models import (
    Acknowledgement,
    Attachment,
    MembershipReview,
    Message,
    MessageRevision,
    Reaction,
)
from staffroom.text import clean as clean_text


def _reason(reason: str, field: str = "reason") -> str:
    reason = clean_text(reason or "", multiline=True)
    if not reason:
        raise Invalid(field, _("Say why, for the record."))
    if len(reason) > 5000:
        raise Invalid(field, _("A reason can be at most 5,000 characters."))
    return reason


def request_erasure(
    subject_id: int, *, acting: Person, reason: str, received_on: date | None = None, today: date | None = None
) -> ErasureRequest:
    """Log a request to erase a person's data: who asked to be forgotten, when it was received and why."""
    today = today or timezone.localdate()
    received_on = received_on or today
    with transaction.atomic():
        permissions.require(acting, "erasure.decide", acting.organisation)
        subject = queries.erasure_subject(acting, subject_id, lock=True)
        reason = _reason(reason)
        if received_on > today:
            raise Invalid("received_on", _("The day it was received cannot be in the future."))
        if ErasureRequest.objects.filter(subject=subject, status=ErasureRequest.Status.ERASED).exists():
            raise Invalid("subject_id", _("This person's data has already been erased."))
        if ErasureRequest.objects.filter(subject=subject, status=ErasureRequest.Status.OPEN).exists():
            raise Invalid("subject_id", _("There is already an open erasure request for this person."))
        request = ErasureRequest.objects.create(
            organisation_id=acting.organisation_id, subject=subject, received_on=received_on, reason=reason,
            logged_by=acting,
        )  # fmt: skip
        audit.record(
            acting, AuditAction.ERASURE_REQUESTED, target=request, reason=reason,
            data={"request_id": request.pk, "subject_id": subject.pk, "received_on": received_on.isoformat()},
            details={"subject": subject.name},
        )  # fmt: skip
    return request


def decide_erasure(request_id: int, *, acting: Person, decision: str, reason: str) -> ErasureRequest:
    """Decide an open request: "refuse" records the decision and why, and erases nothing; "erase" is refused
    while any of `reasons_to_refuse` applies, and otherwise erases the person (see `_erase`)."""
    with transaction.atomic():
        request = queries.erasure_request(acting, request_id, lock=True)
        if decision not in ErasureRequest.Decision.values:
            raise Invalid("decision", _("Choose whether to erase or to refuse."))
        reason = _reason(reason)
        if request.status != ErasureRequest.Status.OPEN:
            raise Invalid("decision", _("This request has already been decided."))
        subject = request.subject = Person.objects.select_for_update().get(pk=request.subject_id)
        if decision == ErasureRequest.Decision.ERASE:
            # Placing a legal hold takes this lock too, so no hold can land between the check and the erasure.
            Organisation.objects.select_for_update().filter(pk=acting.organisation_id).first()
            refusals = reasons_to_refuse(subject)
            if refusals:
                raise Invalid("decision", " ".join(refusals))
        now = timezone.now()
        request.decision, request.decision_reason = decision, reason
        request.decided_by, request.decided_at = acting, now
        if decision == ErasureRequest.Decision.REFUSE:
            request.status = ErasureRequest.Status.REFUSED
            request.save()
            audit.record(
                acting, AuditAction.ERASURE_DECIDED, target=request, reason=reason,
                data={"request_id": request.pk, "subject_id": subject.pk, "decision": decision},
            )  # fmt: skip
            return request
        counts = _erase(subject, request=request, acting=acting)
        request.status, request.erased = ErasureRequest.Status.ERASED, counts
        request.save()
        audit.record(
            acting, AuditAction.ERASURE_DECIDED, target=request, reason=reason,
            data={"request_id": request.pk, "subject_id": subject.pk, "decision": decision, "erased": counts},
        )  # fmt: skip
    return request


def _erase(subject: Person, *, request: ErasureRequest, acting: Person) -> dict[str, int]:
    """Everything an erasure does to a locked, inactive subject, inside the decide action's transaction. Returns
    counts of what went. The audit redaction runs last but one: it writes its own entry (the chain head)."""
    name, email = subject.name, subject.email
    counts: dict[str, int] = {}

    # What they wrote: blanked and marked, each row kept in its thread; earlier versions and files go.
    messages = Message.objects.filter(author=subject)
    message_ids = list(messages.values_list("pk", flat=True))
    now = timezone.now()
    counts["messages"] = messages.filter(erased_at__isnull=True).update(
        body="", html="", erased_at=now, deleted_at=Coalesce("deleted_at", now)
    )
    counts["revisions"] = MessageRevision.objects.filter(message_id__in=message_ids).delete()[0]
    Mention = Message.mentions.through
    counts["mentions"] = Mention.objects.filter(Q(person=subject) | Q(message_id__in=message_ids)).delete()[0]
    attachments = Attachment.objects.filter(uploaded_by=subject)
    files = [stored for stored in attachments.values_list("file", flat=True) if stored]
    counts["attachments"] = attachments.delete()[0]
    counts["reactions"] = Reaction.objects.filter(person=subject).delete()[0]
    counts["acknowledgements"] = Acknowledgement.objects.filter(person=subject).delete()[0]
    counts["review_notes"] = MembershipReview.objects.filter(reviewed_by=subject).exclude(note="").update(note="")

    # How they signed in: sessions, tokens, the identity provider's accounts, second steps, addresses.
    counts["sessions"] = sign_out_everywhere(subject)
    counts["tokens"] = ApiToken.objects.filter(person=subject).delete()[0]
    counts["sign_in_accounts"] = SocialAccount.objects.filter(user=subject).count()
    SocialAccount.objects.filter(user=subject).delete()  # their provider tokens go with them
    counts["authenticators"] = Authenticator.objects.filter(user=subject).delete()[0]
    counts["email_addresses"] = EmailAddress.objects.filter(user=subject).delete()[0]

    # Who they were: anonymised, never deleted (messages, decisions and audit entries point at the row).
    counts["roles"] = subject.role_assignments.all().delete()[0]
    taught = SchoolClass.teachers.through.objects.filter(person=subject)
    counts["classes"] = subject.classes.count() + taught.count()
    subject.classes.clear()
    taught.delete()
    subject.name = ERASED_NAME
    subject.email = f"erased-{secrets.token_hex(12)}@{ERASED_DOMAIN}"
    subject.handle = f"erased-{subject.pk}"
    subject.set_unusable_password()
    subject.is_active = subject.is_staff = subject.is_superuser = False
    subject.roster_id = ""
    subject.year_group = ""
    subject.last_login = None
    subject.save()
    ExternalAccessRequest.objects.filter(person=subject).update(name=ERASED_NAME, email=subject.email)
    for breach in Breach.objects.filter(person=subject, kind=Breach.Kind.LOST_DEVICE):
        breach.title = breach.title.replace(name, ERASED_NAME)
        breach.save(update_fields=["title"])
    counts.update(forget(subject))

    # Files go once the rows are gone for good: a rolled-back erasure leaves every file in place.
    storage = Attachment._meta.get_field("file").storage
    transaction.on_commit(lambda: _delete_files(storage, files))
    counts["files"] = len(files)

    counts["audit_entries"] = audit.redact(
        _audit_entries_about(subject, name=name, email=email), acting=acting, organisation=subject.organisation_id,
        reason=str(request),
    )  # fmt: skip
    return counts


def _delete_files(storage: Any, names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(OSError):  # the row is gone, so an orphaned file is never served
            storage.delete(name)


def _audit_entries_about(subject: Person, *, name: str, email: str) -> list[int]:
    """Ids of the organisation's entries whose personal fields are about the subject: they acted, they were the
    target, or their name or address is in a label, the reason or the readable details."""
    about = Q(actor=subject) | Q(target_type=Person._meta.label_lower, target_id=str(subject.pk))
    for words in {name, email}:
        if not words:
            continue
        # `details` is JSON: stored escaped on SQLite ("Zo\u00eb"), as written on PostgreSQL.
        escaped = json.dumps(words)[1:-1]
        about |= Q(actor_label__icontains=words) | Q(target_label__icontains=words) | Q(reason__icontains=words)
        about |= Q(details__icontains=words) | Q(details__icontains=escaped)
    entries = AuditEntry.objects.filter(about, organisation_id=subject.organisation_id, redacted_at__isnull=True)
    return list(entries.values_list("pk", flat=True))
