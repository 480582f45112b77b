"""Fixed-window rate limits on the shared cache (per process when embedded, shared through Redis when scaled).

Each window is numbered (time // window length) and the number is part of the cache key, so whether two hits
fall in the same window depends on `clock` alone, never on when the cache happens to expire an entry. Tests
replace `clock` to hold time still, or move it on, instead of racing the real one.
"""

import math
import time
from collections.abc import Callable

from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from staffroom.errors import RateLimited

# Seconds since the epoch. Module-level so tests can replace it (tests/conftest.py holds it still).
clock: Callable[[], float] = time.time


def _window(window_seconds: int) -> tuple[int, int]:
    """(number of the current window, whole seconds until it ends)."""
    now = clock()
    number = int(now // window_seconds)
    return number, max(1, math.ceil((number + 1) * window_seconds - now))


def _key(bucket: str, window_seconds: int, number: int) -> str:
    return f"ratelimit:{bucket}:{window_seconds}:{number}"


def exceeded(bucket: str, *, limit: int, window_seconds: int) -> bool:
    """True once `bucket` has been hit `limit` times in the current window, without counting this look."""
    number, _left = _window(window_seconds)
    return int(cache.get(_key(bucket, window_seconds, number)) or 0) >= limit


def wait_words(seconds: int) -> str:
    """How long to wait, as a person would say it: "20 seconds", "3 minutes"."""
    if seconds < 60:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def hit(bucket: str, *, limit: int, window_seconds: int, message: str = "") -> None:
    """Count one use of `bucket`; raise RateLimited (saying when to retry) once it passes `limit` within the
    current window. `message` may name the wait as %(wait)s."""
    number, left = _window(window_seconds)
    key = _key(bucket, window_seconds, number)
    # The entry outlives its window a little (the key changes with the window anyway), so it is never gone
    # before the window ends, whatever the cache's own clock says.
    if cache.add(key, 1, timeout=window_seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window_seconds + 1)
            count = 1
    if count > limit:
        text = message or _("Too many requests. Please wait %(wait)s and try again.")
        raise RateLimited(text % {"wait": wait_words(left)} if "%(wait)s" in text else text, retry_after=left)
