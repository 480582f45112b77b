"""Sending pushes: encrypted for each device (RFC 8291, aes128gcm) and signed with VAPID, by pywebpush.

Requests go out a few at a time (STAFFROOM_PUSH_SENDERS); what they answer is written back here, in one thread:
a success notes the time, 404 or 410 (the device unsubscribed, or was reset) forgets the device. Logs hold counts
and statuses, never an address (a push address lets anyone who has it wake the device).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import requests
from django.conf import settings
from pywebpush import WebPushException, webpush

from staffroom.accounts import actions as account_actions
from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import PushSubscription
from staffroom.errors import NotFound
from staffroom.notifications import vapid
from staffroom.notifications.audience import Push

log = logging.getLogger(__name__)
GONE = {404, 410}

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_local = threading.local()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, settings.STAFFROOM_PUSH_SENDERS), thread_name_prefix="push")
        return _pool


def _session() -> requests.Session:
    """One HTTP session per sending thread: keeps the connection to a push service open between pushes."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


def post(push: Push) -> int:
    """Send one push; returns the push service's status (0 when it could not be reached)."""
    try:
        response = webpush(
            push.info,
            data=json.dumps(push.payload),
            vapid_private_key=vapid.key(),
            vapid_claims={"sub": settings.STAFFROOM_VAPID_SUBJECT},
            content_encoding="aes128gcm",
            ttl=settings.STAFFROOM_PUSH_TTL_SECONDS,
            headers={"Urgency": "high" if push.urgent else "normal", "Topic": push.payload["tag"]},
            timeout=10,
            requests_session=_session(),
        )
    except WebPushException as error:
        return error.response.status_code if error.response is not None else 0
    except requests.RequestException:
        return 0
    return int(getattr(response, "status_code", 201))


def send(pushes: list[Push], *, now: datetime) -> dict[str, int]:
    """Send every push; note successes; forget devices that have gone. Returns counts by outcome."""
    if not pushes:
        return {}
    statuses = list(_executor().map(post, pushes)) if len(pushes) > 1 else [post(pushes[0])]
    outcome: Counter[str] = Counter()
    delivered = []
    for push, status in zip(pushes, statuses, strict=True):
        if 200 <= status < 300:
            delivered.append(push.subscription_id)
            outcome["sent"] += 1
        elif status in GONE:
            with contextlib.suppress(NotFound):  # removed meanwhile
                account_actions.forget_push_device(
                    push.subscription_id, acting=ServiceActor(Service.WORKER, push.organisation_id), status=status
                )
            outcome["gone"] += 1
        else:
            outcome[f"failed_{status}" if status else "unreachable"] += 1
    if delivered:
        PushSubscription.objects.filter(pk__in=delivered).update(last_success_at=now)
    if set(outcome) - {"sent"}:
        log.info("pushes sent", extra={"outcome": dict(outcome)})
    return dict(outcome)
