"""The safeguarding checks on the send path (registered with messaging/screening.py by safeguarding/apps.py).

Before the send's transaction: scan, decide under the school's policy; a block raises `Blocked` (422, nothing
written), a nudge not yet confirmed raises `ConfirmRequired` (409). Inside the send's transaction: a concern
for the DSL when the policy raises one (or the scan failed), and `concern_raised` once it commits; audit
entries for the concern and for findings the DPO is told about. docs/safeguarding.md has the whole story.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from staffroom.accounts.models import Person
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Blocked, ChecksUnavailable, ConfirmRequired
from staffroom.messaging.models import Conversation, Message
from staffroom.safeguarding import screening
from staffroom.safeguarding.detectors import Finding
from staffroom.safeguarding.policy import (
    concern_category,
    label,
    most_serious,
    public_finding,
    stored_finding,
)
from staffroom.safeguarding.signals import concern_raised

SCAN_FAILED = {
    "kind": "scan_failed",
    "group": "concern",
    "start": 0,
    "end": 0,
    "severity": "medium",
    "reason": "The safeguarding checks could not read this message; please look at it.",
}


def _listing(findings: tuple[Finding, ...]) -> str:
    seen: dict[str, None] = {}
    for f in findings:
        seen.setdefault(label(f.kind), None)
    return ", ".join(seen)


@dataclass
class Outcome:
    """What the checks write alongside a posted message."""

    conversation: Conversation
    sender: Person
    raised: tuple[Finding, ...] = ()
    warned: tuple[Finding, ...] = ()
    failed: bool = False
    audit_data: dict[str, Any] = field(default_factory=dict)
    concern: Any = None

    def store(self, message: Message) -> None:
        from staffroom.safeguarding.models import Concern

        if not (self.raised or self.failed):
            return
        category: str
        severity: str
        if self.failed:
            category, severity, findings = Concern.Category.OTHER.value, Concern.Severity.MEDIUM.value, [SCAN_FAILED]
        else:
            category = concern_category(self.raised)
            severity = most_serious(self.raised).severity
            findings = [stored_finding(f) for f in self.raised]
        self.concern = Concern.objects.create(
            organisation_id=self.conversation.organisation_id,
            school_id=self.conversation.school_id or self.sender.school_id,
            conversation=self.conversation,
            message=message,
            about=self.sender,
            category=category,
            severity=severity,
            source=Concern.Source.DETECTOR,
            findings=findings,
        )
        concern = self.concern
        transaction.on_commit(lambda: concern_raised.send(sender=Concern, concern=concern))

    def audit(self, message: Message) -> None:
        if self.concern is not None:
            audit.record(
                self.sender, AuditAction.CONCERN_RAISED, target=self.concern, conversation=self.conversation,
                data={
                    "message": message.pk, "category": self.concern.category, "severity": self.concern.severity,
                    "kinds": [f["kind"] for f in self.concern.findings],
                },
            )  # fmt: skip
        if self.warned:
            audit.record(
                self.sender, AuditAction.SAFEGUARDING_DPO_WARNED, target=message, conversation=self.conversation,
                data={"kinds": sorted({f.kind for f in self.warned})},
            )  # fmt: skip


def screen_send(text: str, *, conversation: Conversation, sender: Person, confirmed: bool) -> Outcome | None:
    """Refuse the send (block, unconfirmed nudge, failed checks where a block was possible) or say what to
    write with it."""
    if not text:
        return None
    result = screening.screen(text, conversation=conversation, sender=sender)
    if result.failed:
        if result.policy.may_block(str(conversation.kind), screening.sender_kind(sender)):
            raise ChecksUnavailable(
                _("Your message was not sent: the safeguarding checks are not working just now. Please try again."),
                retry_after=5,
            )
        return Outcome(conversation, sender, failed=True)
    decision = result.decision
    if decision.blocked:
        raise Blocked(
            _("Your message was not sent: the school's policy does not allow %(what)s in this conversation. "
              "Take it out and send again.") % {"what": _listing(decision.blocked)},
            findings=[public_finding(f) for f in decision.blocked],
        )  # fmt: skip
    if decision.nudged and not confirmed:
        raise ConfirmRequired(
            _("Please check before sending: this message seems to contain %(what)s. Edit it, or send it anyway.")
            % {"what": _listing(decision.nudged)},
            findings=[public_finding(f) for f in decision.nudged],
        )
    if not (decision.raised or decision.warned or decision.nudged):
        return None
    outcome = Outcome(conversation, sender, raised=decision.raised, warned=decision.warned)
    if decision.nudged:
        # The sender saw the nudge and sent anyway: the send's own audit entry says which kinds (never the text).
        outcome.audit_data = {"confirmed": sorted({f.kind for f in decision.nudged})}
    return outcome
