"""Safeguarding actions: every state change of the safeguarding app (DESIGN.md invariant 1): the DSL's work on
concerns, reporting a concern, the school's policy for the checks on the send path, and releasing or removing
photos held for review.

One module per subject; this package's names are the public ones.
"""

from staffroom.safeguarding.actions.concerns import (
    MOVES,
    UNCHANGED,
    alert_leads,
    list_concerns,
    open_concern,
    update_concern,
)
from staffroom.safeguarding.actions.photos import release_photo, remove_photo
from staffroom.safeguarding.actions.policy import change_policy
from staffroom.safeguarding.actions.reports import report_concern

__all__ = [
    "MOVES",
    "UNCHANGED",
    "alert_leads",
    "change_policy",
    "list_concerns",
    "open_concern",
    "release_photo",
    "remove_photo",
    "report_concern",
    "update_concern",
]
