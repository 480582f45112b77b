"""Accounts' scheduled work: leavers whose last day has passed lose access (the worker runs this)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from staffroom.accounts import actions
from staffroom.accounts.models import Organisation, Person

log = logging.getLogger(__name__)


def end_leavers(now: datetime | None = None) -> int:
    """Deactivate everyone whose leave date (or an external's end date) is before today, in every organisation.
    Returns how many. Their sessions end and sockets close at once, as for a leaver an admin ends by hand."""
    today = timezone.localdate(now) if now is not None else timezone.localdate()
    due = (
        Person.objects.filter(is_active=True, access_ends_on__lt=today)
        .values_list("organisation_id", flat=True)
        .distinct()
    )
    ended = 0
    for organisation_id in Organisation.objects.filter(pk__in=due).values_list("pk", flat=True):
        ended += len(actions.end_leavers(organisation_id, today=today))
    if ended:
        log.info("leavers ended", extra={"count": ended})
    return ended
