"""Legal holds: the DPO places one (people, conversations, dates, and why) and releases it (and why). While it
is in force the retention schedule removes nothing in its scope (compliance/holds.py says what that is)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Organisation, Person
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import LegalHold
from staffroom.errors import Invalid, NotFound
from staffroom.messaging.models import Conversation
from staffroom.text import clean as clean_text

MAX_SCOPE = 1000


def _ids(values: Iterable[int] | None, field: str) -> list[int]:
    ids = sorted(set(values or ()))
    if len(ids) > MAX_SCOPE:
        raise Invalid(field, _("A hold can name at most %(n)d of these.") % {"n": MAX_SCOPE})
    return ids


def place_hold(
    *,
    acting: Person,
    reason: str,
    person_ids: Iterable[int] | None = None,
    conversation_ids: Iterable[int] | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> LegalHold:
    """Freeze everything in scope until released: messages by or around the people named, and in the
    conversations named, sent between the dates (either may be open)."""
    permissions.require(acting, "hold.manage", acting.organisation)
    reason = clean_text(reason or "", multiline=True)
    if not reason:
        raise Invalid("reason", _("Say why the records are held (a claim, an investigation, a request)."))
    people, conversations = _ids(person_ids, "person_ids"), _ids(conversation_ids, "conversation_ids")
    if not people and not conversations:
        raise Invalid("person_ids", _("Name at least one person or conversation to hold."))
    if starts_on and ends_on and ends_on < starts_on:
        raise Invalid("ends_on", _("A hold cannot end before it starts."))
    with transaction.atomic():
        # The purge takes this lock for each batch, so none runs half before and half after the hold.
        Organisation.objects.select_for_update().filter(pk=acting.organisation_id).first()
        found_people = list(Person.objects.filter(pk__in=people, organisation_id=acting.organisation_id))
        if len(found_people) != len(people):
            raise Invalid("person_ids", _("Some of these people are not in your organisation."))
        found_conversations = list(
            Conversation.objects.filter(pk__in=conversations, organisation_id=acting.organisation_id)
        )
        if len(found_conversations) != len(conversations):
            raise Invalid("conversation_ids", _("Some of these conversations are not in your organisation."))
        hold = LegalHold.objects.create(
            organisation_id=acting.organisation_id, reason=reason, starts_on=starts_on, ends_on=ends_on,
            placed_by=acting,
        )  # fmt: skip
        hold.people.set(found_people)
        hold.conversations.set(found_conversations)
        audit.record(
            acting, AuditAction.HOLD_PLACED, target=hold, reason=reason,
            data={"hold_id": hold.pk, "person_ids": people, "conversation_ids": conversations,
                  "starts_on": starts_on.isoformat() if starts_on else None,
                  "ends_on": ends_on.isoformat() if ends_on else None},
        )  # fmt: skip
    return hold


def release_hold(hold_id: int, *, acting: Person, reason: str) -> LegalHold:
    """End a hold: what it kept is purged again when its rules say so. Releasing a released hold changes nothing."""
    permissions.require(acting, "hold.manage", acting.organisation)
    reason = clean_text(reason or "", multiline=True)
    if not reason:
        raise Invalid("reason", _("Say why the hold ends (e.g. the claim was settled)."))
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().filter(pk=hold_id, organisation_id=acting.organisation_id).first()
        if hold is None:
            raise NotFound()
        if hold.released_at is not None:
            return hold
        hold.released_at, hold.released_by, hold.release_reason = timezone.now(), acting, reason
        hold.save(update_fields=["released_at", "released_by", "release_reason"])
        audit.record(acting, AuditAction.HOLD_RELEASED, target=hold, reason=reason, data={"hold_id": hold.pk})
    return hold
