"""The queue between a send and its pushes: a posted message's id is handed here on commit and a background
thread of the process does the rest, so no request waits for a push service (bench/fanout.py measures sends).

What is queued is lost if the process stops before sending it: a notification is a nudge, and the message itself
is safe in the database. STAFFROOM_PUSH_DELIVERY chooses "thread" (serving), "inline" (the tests: sent as the
transaction commits) or "off".
"""

from __future__ import annotations

import logging
import queue
import threading

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

log = logging.getLogger(__name__)

# Messages waiting to be pushed. A full queue drops the newest (and says so) rather than holding up a send.
MAX_WAITING = 10_000
_queue: queue.Queue[int] = queue.Queue(maxsize=MAX_WAITING)
_thread: threading.Thread | None = None
_start_lock = threading.Lock()
# What time it is, for working hours (tests set it).
clock = timezone.now


def deliver(message_id: int) -> dict[str, int]:
    """Work out and send the pushes of one posted message."""
    from staffroom.notifications import audience, sender

    now = clock()
    return sender.send(audience.pushes_for(message_id, now=now), now=now)


def enqueue(message_id: int) -> None:
    """Called on commit of each send (messaging.events.when_posted)."""
    mode = settings.STAFFROOM_PUSH_DELIVERY
    if mode == "off":
        return
    if mode == "inline":
        deliver(message_id)
        return
    _ensure_thread()
    try:
        _queue.put_nowait(message_id)
    except queue.Full:
        log.warning("push queue full: a message's notifications were dropped", extra={"message_id": message_id})


def _ensure_thread() -> None:
    global _thread
    if _thread is not None and _thread.is_alive():
        return
    with _start_lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="staffroom-push", daemon=True)
            _thread.start()


def _run() -> None:
    while True:
        message_id = _queue.get()
        try:
            deliver(message_id)
        except Exception:
            log.exception("pushes for a message could not be sent", extra={"message_id": message_id})
        finally:
            close_old_connections()
            _queue.task_done()


def wait_until_sent() -> None:
    """Block until everything queued so far has been handled (benchmarks and tests of the thread)."""
    _queue.join()
