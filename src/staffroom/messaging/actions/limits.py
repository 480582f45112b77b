"""How fast one person may do each thing: far above a teacher's busiest day, far below a script."""

from __future__ import annotations

from django.utils.translation import gettext as _

from staffroom import ratelimit
from staffroom.accounts.models import Person

# (how many, per seconds). Each edit keeps a revision and an audit entry, so 200 edits in 9 seconds filled the
# records and everyone's screens. Sending and uploading have their own limits where they happen.
EDIT_LIMIT = (20, 60)
REACTION_LIMIT = (60, 60)
CREATE_LIMIT = (30, 3600)
RENAME_LIMIT = (10, 60)
MEMBERSHIP_LIMIT = (60, 60)
REMIND_LIMIT = (20, 3600)


def _throttle(acting: Person, what: str, limit: tuple[int, int]) -> None:
    """Count one `what` by `acting`; RateLimited once they pass `limit`. Call it after the checks, just before
    writing, so refused or invalid attempts do not use up the allowance."""
    count, window = limit
    ratelimit.hit(
        f"{what}:{acting.pk}",
        limit=count,
        window_seconds=window,
        message=_("You have done that many times in a short while. Please wait %(wait)s and try again."),
    )
