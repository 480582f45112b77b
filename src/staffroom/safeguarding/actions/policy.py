"""Changing what the safeguarding checks do in a school (safeguarding/policy.py has the defaults)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person, School
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid
from staffroom.safeguarding import screening
from staffroom.safeguarding.models import PolicyRule
from staffroom.safeguarding.policy import (
    CONVERSATION_KINDS,
    DETECTORS,
    HOLD,
    SENDERS,
    Policy,
    default_outcome,
    may_hold,
    outcomes_for,
)

MAX_CHANGES = len(DETECTORS) * len(CONVERSATION_KINDS) * len(SENDERS)


def _parse(rules: Iterable[Mapping[str, str]]) -> dict[tuple[str, str, str], str]:
    wanted: dict[tuple[str, str, str], str] = {}
    for i, rule in enumerate(rules):
        if i >= MAX_CHANGES:
            raise Invalid("rules", _("A change can set at most %(n)d rules.") % {"n": MAX_CHANGES})
        checks = (
            ("detector", DETECTORS),
            ("conversation_kind", CONVERSATION_KINDS),
            ("sender", SENDERS),
            ("outcome", outcomes_for(str(rule.get("detector")))),
        )
        for name, allowed in checks:
            if rule.get(name) not in allowed:
                raise Invalid(
                    f"rules.{i}.{name}",
                    _("%(name)s must be one of: %(allowed)s.") % {"name": name, "allowed": ", ".join(allowed)},
                )
        if rule["outcome"] == HOLD and not may_hold(rule["detector"], rule["conversation_kind"]):
            raise Invalid(
                f"rules.{i}.outcome",
                _(
                    "A photo can be held for a check only in class channels, where the safeguarding leads can "
                    "always check it. Anywhere else there may be nobody who can: choose another outcome."
                ),
            )
        wanted[(rule["detector"], rule["conversation_kind"], rule["sender"])] = rule["outcome"]
    if not wanted:
        raise Invalid("rules", _("Say which rules to change."))
    return wanted


def change_policy(school: School, *, acting: Person, rules: Iterable[Mapping[str, str]]) -> Policy:
    """Set cells of a school's policy (`rules`: detector, conversation_kind, sender, outcome). A cell set back
    to its default stops being an override. Returns the policy as it now stands; nothing changes (and nothing
    is recorded) when every cell already says so."""
    permissions.require(acting, "safeguarding.policy", school)
    wanted = _parse(rules)
    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).exists()
        current = {(r.detector, r.conversation_kind, r.sender): r for r in PolicyRule.objects.filter(school=school)}
        changes = []
        for key, outcome in sorted(wanted.items()):
            before = current[key].outcome if key in current else default_outcome(*key)
            if before == outcome:
                continue
            changes.append({"detector": key[0], "conversation_kind": key[1], "sender": key[2],
                            "from": before, "to": outcome})  # fmt: skip
            if outcome == default_outcome(*key):
                current.pop(key).delete()
            else:
                PolicyRule.objects.update_or_create(
                    school=school, detector=key[0], conversation_kind=key[1], sender=key[2],
                    defaults={"outcome": outcome, "changed_by": acting, "changed_at": timezone.now()},
                )  # fmt: skip
        if changes:
            transaction.on_commit(lambda: screening.clear(school.pk))
            audit.record(acting, AuditAction.SAFEGUARDING_POLICY_CHANGED, target=school, data={"changes": changes})
    screening.clear(school.pk)
    return screening.school_policy(school.pk)
