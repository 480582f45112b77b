"""Outsiders: a member of staff asks for one to be let into conversations they run, the DPO or an IT admin
approves or refuses, and an approved external can use only those conversations until their end date.

DOMAIN.md: externals are sponsored, approved, time-limited (30 days unless the sponsor says otherwise) and
visibly marked. They never meet pupils (class channels admit teaching staff only), look nobody up in the
directory and start no conversations: the permission table grants externals none of that.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.actors import Actor
from staffroom.accounts.models import ExternalAccessRequest, Person, Role, RoleAssignment
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound
from staffroom.messaging import events
from staffroom.messaging.models import Conversation, Membership
from staffroom.text import clean as clean_text

Kind = Conversation.Kind
Status = ExternalAccessRequest.Status
DEFAULT_DAYS = 30
# A sponsor asks again rather than letting someone in for longer (the DPO reviews each request).
MAX_DAYS = 366
MAX_CONVERSATIONS = 10


def _text(value: str, field: str, *, limit: int, what: str) -> str:
    cleaned = clean_text(value or "", multiline=field == "reason")
    if not cleaned:
        raise Invalid(field, what)
    if len(cleaned) > limit:
        raise Invalid(field, _("This can be at most %(n)d characters.") % {"n": limit})
    return cleaned


def _conversations_for(acting: Person, ids: Sequence[int]) -> list[Conversation]:
    """The conversations the sponsor runs (may manage the members of), of kinds an external may join."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        raise Invalid("conversation_ids", _("Choose at least one conversation for them to join."))
    if len(wanted) > MAX_CONVERSATIONS:
        raise Invalid("conversation_ids", _("Choose at most %(n)d conversations.") % {"n": MAX_CONVERSATIONS})
    found = {
        c.pk: c
        for c in Conversation.objects.filter(
            pk__in=wanted, organisation_id=acting.organisation_id, memberships__person=acting
        )
    }
    chosen = []
    for conversation_id in wanted:
        conversation = found.get(conversation_id)
        if conversation is None or not permissions.allows(acting, "conversation.manage_members", conversation):
            raise Invalid(
                "conversation_ids",
                _("Conversation %(id)s is not one you run; ask whoever runs it to sponsor this person.")
                % {"id": conversation_id},
            )
        if conversation.kind in (Kind.CLASS, Kind.DIRECT) or conversation.archived_at is not None:
            raise Invalid(
                "conversation_ids",
                _("Externals cannot join class channels, direct messages or archived conversations."),
            )
        chosen.append(conversation)
    return chosen


def request_external(
    *,
    acting: Person,
    name: str,
    email: str,
    organisation_name: str,
    reason: str,
    conversation_ids: Sequence[int],
    access_ends_on: date | None = None,
) -> ExternalAccessRequest:
    """A member of staff asks for an outsider (a contractor, a visiting professional, a supply teacher) to join
    conversations they run, until an end date. Nothing changes until the DPO or an IT admin approves."""
    permissions.require(acting, "external.request", acting.organisation)
    name = _text(name, "name", limit=150, what=_("Enter their name."))
    organisation_name = _text(
        organisation_name, "organisation_name", limit=200, what=_("Enter who they work for, e.g. the local NHS trust.")
    )
    reason = _text(reason, "reason", limit=2000, what=_("Say why they need access, for the person who approves it."))
    address = (email or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise Invalid("email", _("Enter their work email address; the invitation goes there.")) from None
    today = timezone.localdate()
    ends = access_ends_on or today + timedelta(days=DEFAULT_DAYS)
    if ends < today or ends > today + timedelta(days=MAX_DAYS):
        raise Invalid("access_ends_on", _("The end date must be between today and a year from now."))
    conversations = _conversations_for(acting, conversation_ids)
    if Person.objects.filter(email__iexact=address, is_active=True).exists():
        raise Invalid("email", _("Someone already signs in to Staffroom with this address; add them directly."))
    with transaction.atomic():
        request = ExternalAccessRequest.objects.create(
            organisation_id=acting.organisation_id, sponsor=acting, name=name, email=address,
            organisation_name=organisation_name, reason=reason, access_ends_on=ends,
            conversation_ids=[c.pk for c in conversations],
        )  # fmt: skip
        audit.record(
            acting, AuditAction.EXTERNAL_REQUESTED, target=request,
            data={"conversation_ids": request.conversation_ids, "access_ends_on": ends.isoformat()},
            details={"name": name, "email": address, "organisation_name": organisation_name, "reason": reason},
        )  # fmt: skip
    return request


def _pending(acting: Actor, request_id: int) -> ExternalAccessRequest:
    """The request, locked, if `acting` decides requests of its organisation and it is still pending."""
    request = (
        ExternalAccessRequest.objects.select_for_update()
        .select_related("sponsor")
        .filter(pk=request_id, organisation_id=acting.organisation_id)
        .first()
    )
    if request is None:
        raise NotFound()
    permissions.require(acting, "external.decide", request.sponsor)
    if request.status != Status.PENDING:
        raise Invalid(
            "status", _("This request was already %(status)s.") % {"status": request.get_status_display().lower()}
        )
    return request


def approve_external(request_id: int, *, acting: Person, reason: str = "") -> Person:
    """Let the outsider in: an account marked External, ending on the request's date, in the conversations
    the sponsor chose. They set a password from the invitation sent to their address (the caller sends it)."""
    with transaction.atomic():
        request = _pending(acting, request_id)
        if request.access_ends_on < timezone.localdate():
            raise Invalid("access_ends_on", _("This request's end date has passed; the sponsor should ask again."))
        if Person.objects.filter(email__iexact=request.email).exists():
            raise Invalid("email", _("Someone already signs in with this address; refuse this request."))
        conversations = list(
            Conversation.objects.select_for_update(no_key=True)
            .filter(pk__in=request.conversation_ids, organisation_id=request.organisation_id, archived_at__isnull=True)
            .exclude(kind__in=[Kind.CLASS, Kind.DIRECT])
            .order_by("pk")
        )
        external = Person.objects.create_user(
            request.email, None, organisation_id=request.organisation_id, school_id=request.sponsor.school_id,
            name=request.name, external=True, access_ends_on=request.access_ends_on,
        )  # fmt: skip
        RoleAssignment.objects.create(person=external, school_id=request.sponsor.school_id, role=Role.EXTERNAL)
        for conversation in conversations:
            Membership.objects.get_or_create(conversation=conversation, person=external)
            events.members_added(conversation, [external.pk])
        request.status = Status.APPROVED
        request.decided_by, request.decided_at = acting, timezone.now()
        request.decision_reason = clean_text(reason or "", multiline=True)[:2000]
        request.person = external
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "person"])
        audit.record(
            acting, AuditAction.EXTERNAL_APPROVED, target=external, reason=request.decision_reason,
            data={"request_id": request.pk, "conversation_ids": [c.pk for c in conversations],
                  "access_ends_on": request.access_ends_on.isoformat()},
        )  # fmt: skip
    return external


def refuse_external(request_id: int, *, acting: Person, reason: str) -> ExternalAccessRequest:
    """Say no, with the reason the sponsor will see."""
    reason = clean_text(reason or "", multiline=True)
    if not reason:
        raise Invalid("reason", _("Say why, so the sponsor knows what to do instead."))
    with transaction.atomic():
        request = _pending(acting, request_id)
        request.status = Status.REJECTED
        request.decided_by, request.decided_at = acting, timezone.now()
        request.decision_reason = reason[:2000]
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit.record(acting, AuditAction.EXTERNAL_REFUSED, target=request, reason=request.decision_reason)
    return request
