"""The breach register's state changes: a lost device reported by its owner, a breach recorded by the DPO,
the decision whether to tell the ICO (and when it was told), and closing it. Each checks permission, changes
rows in one transaction and writes its audit entry last."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.accounts.signout import sign_out_everywhere
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import Breach
from staffroom.errors import Invalid, NotFound
from staffroom.text import clean as clean_text


def report_lost_device(*, acting: Person, note: str = "") -> tuple[Breach, int]:
    """ "I lost my phone": every session, token and open socket of the person ends at once (this one too), and a
    breach entry is opened for the DPO to assess. Anyone may report their own device."""
    note = clean_text(note or "", multiline=True)[:2000]
    with transaction.atomic():
        ended = sign_out_everywhere(acting)
        breach = Breach.objects.create(
            organisation_id=acting.organisation_id, kind=Breach.Kind.LOST_DEVICE, reported_by=acting, person=acting,
            title=_("Lost or stolen device reported by %(name)s") % {"name": acting.name}, description=note,
        )  # fmt: skip
        audit.record(
            acting, AuditAction.BREACH_LOST_DEVICE, target=breach, data={"breach_id": breach.pk, "ended": ended},
            details={"note": note} if note else None,
        )  # fmt: skip
    return breach, ended


def record_breach(*, acting: Person, title: str, description: str, aware_at: datetime | None = None) -> Breach:
    """Log a breach the DPO has learnt of (every breach is logged, reported or not)."""
    permissions.require(acting, "breach.manage", acting.organisation)
    title = clean_text(title or "")
    if not title:
        raise Invalid("title", _("Say in a few words what happened."))
    if len(title) > 200:
        raise Invalid("title", _("A title can be at most 200 characters."))
    aware = aware_at or timezone.now()
    if aware > timezone.now():
        raise Invalid("aware_at", _("When the school became aware cannot be in the future."))
    description = clean_text(description or "", multiline=True)
    with transaction.atomic():
        breach = Breach.objects.create(
            organisation_id=acting.organisation_id, title=title, description=description, aware_at=aware,
            reported_by=acting,
        )  # fmt: skip
        audit.record(
            acting, AuditAction.BREACH_RECORDED, target=breach, data={"breach_id": breach.pk},
            details={"description": description} if description else None,
        )  # fmt: skip
    return breach


def _locked(acting: Person, breach_id: int) -> Breach:
    permissions.require(acting, "breach.manage", acting.organisation)
    breach = Breach.objects.select_for_update().filter(pk=breach_id, organisation_id=acting.organisation_id).first()
    if breach is None:
        raise NotFound()
    return breach


def decide_breach(
    breach_id: int,
    *,
    acting: Person,
    risk: str,
    notify_ico: bool,
    reason: str,
    ico_notified_at: datetime | None = None,
    people_told_at: datetime | None = None,
) -> Breach:
    """Record the assessment: the risk to people, whether the ICO is told and why (and when it was), and when
    the people affected were told. It can be changed as more is learnt; each change is recorded."""
    if risk not in Breach.Risk.values or risk == Breach.Risk.UNASSESSED:
        raise Invalid("risk", _("Choose how likely the breach is to put people at risk."))
    reason = clean_text(reason or "", multiline=True)
    if not reason:
        raise Invalid("reason", _("Say why: the ICO may ask why a breach was or was not reported."))
    if notify_ico and risk == Breach.Risk.UNLIKELY:
        raise Invalid("notify_ico", _("A breach unlikely to put people at risk need not be reported to the ICO."))
    if not notify_ico and risk in (Breach.Risk.RISK, Breach.Risk.HIGH):
        raise Invalid("notify_ico", _("A breach that puts people at risk must be reported to the ICO within 72 hours."))
    now = timezone.now()
    for field, when in (("ico_notified_at", ico_notified_at), ("people_told_at", people_told_at)):
        if when is not None and when > now:
            raise Invalid(field, _("This cannot be in the future."))
    with transaction.atomic():
        breach = _locked(acting, breach_id)
        breach.risk, breach.notify_ico, breach.decision_reason = risk, notify_ico, reason
        breach.decided_by, breach.decided_at = acting, now
        breach.ico_notified_at = ico_notified_at if notify_ico else None
        breach.people_told_at = people_told_at
        breach.save()
        audit.record(
            acting, AuditAction.BREACH_DECIDED, target=breach, reason=reason,
            data={"breach_id": breach.pk, "risk": risk, "notify_ico": notify_ico,
                  "ico_notified_at": ico_notified_at.isoformat() if ico_notified_at and notify_ico else None,
                  "hours_after_aware": round((now - breach.aware_at).total_seconds() / 3600, 1)},
        )  # fmt: skip
    return breach


def close_breach(breach_id: int, *, acting: Person, outcome: str) -> Breach:
    """Close a breach once it is handled, saying what was done."""
    outcome = clean_text(outcome or "", multiline=True)
    if not outcome:
        raise Invalid("outcome", _("Say what was done, for the record."))
    with transaction.atomic():
        breach = _locked(acting, breach_id)
        if breach.notify_ico is None:
            raise Invalid("outcome", _("Record the decision about telling the ICO before closing."))
        if breach.status == Breach.Status.CLOSED:
            return breach
        breach.status, breach.outcome, breach.closed_at = Breach.Status.CLOSED, outcome, timezone.now()
        breach.save(update_fields=["status", "outcome", "closed_at"])
        audit.record(acting, AuditAction.BREACH_CLOSED, target=breach, reason=outcome, data={"breach_id": breach.pk})
    return breach
