"""The DSL's alerts: a high-severity concern reaches its school's safeguarding leads at once, as a live event
(safeguarding/actions/concerns.py `alert_leads`) and a push to their devices that says nothing of what was written ("A
safeguarding concern needs you"). Medium and low concerns wait in the queue.

The push ignores working hours and notification settings: a child at risk does not wait for the morning, and
only the school's DSLs and deputies receive it. It is sent off the request (a thread), like message pushes.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts.models import PushSubscription
from staffroom.notifications.audience import TITLE, Push
from staffroom.safeguarding import actions
from staffroom.safeguarding.models import Concern

log = logging.getLogger(__name__)


def push_payload(concern_id: int) -> dict[str, Any]:
    """What a lead's device is told: where to go, never what was written nor the category."""
    return {
        "title": TITLE,
        "body": _("A safeguarding concern needs you"),
        "url": f"/safeguarding/{concern_id}/",
        "tag": f"concern{concern_id}",
    }


def pushes_for(concern_id: int, person_ids: list[int]) -> list[Push]:
    """One urgent push to each device of the leads told."""
    concern = Concern.objects.filter(pk=concern_id).only("organisation_id").first()
    if concern is None or not person_ids:
        return []
    body = push_payload(concern_id)
    subscriptions = PushSubscription.objects.filter(person_id__in=person_ids, person__is_active=True)
    return [Push(s.pk, concern.organisation_id, s.info(), body, True) for s in subscriptions]


def _send(pushes: list[Push]) -> None:
    from staffroom.notifications import sender

    try:
        sender.send(pushes, now=timezone.now())
    except Exception:  # a push problem never loses the concern: it is in the queue
        log.exception("the safeguarding alert push could not be sent")
    finally:
        if threading.current_thread() is not threading.main_thread():
            close_old_connections()


def push(concern_id: int, person_ids: list[int]) -> None:
    """Send the content-free pushes, off the request unless the tests ask for them inline."""
    mode = settings.STAFFROOM_PUSH_DELIVERY
    if mode == "off":
        return
    pushes = pushes_for(concern_id, person_ids)
    if not pushes:
        return
    if mode == "inline":
        _send(pushes)
    else:
        threading.Thread(target=_send, args=(pushes,), name="staffroom-concern-push", daemon=True).start()


def on_concern_raised(sender: Any = None, *, concern: Concern, **kwargs: Any) -> None:
    """Listens to safeguarding.signals.concern_raised (sent once the concern is committed)."""
    if concern.severity != Concern.Severity.HIGH:
        return
    try:
        told = actions.alert_leads(concern.pk)
        push(concern.pk, told)
    except Exception:  # the send that raised it has happened; the concern waits in the queue regardless
        log.exception("the safeguarding leads could not be alerted", extra={"concern_id": concern.pk})
