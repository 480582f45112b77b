"""Safeguarding actions: every state change of the safeguarding app (DESIGN.md invariant 1)."""

from staffroom.safeguarding.actions.policy import change_policy
from staffroom.safeguarding.actions.reports import report_concern

__all__ = ["change_policy", "report_concern"]
