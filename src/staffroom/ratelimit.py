"""Fixed-window rate limits on the shared cache (per process when embedded, shared through Redis when scaled)."""

from django.core.cache import cache
from django.utils.translation import gettext as _

from staffroom.errors import RateLimited


def _key(bucket: str) -> str:
    return f"ratelimit:{bucket}"


def exceeded(bucket: str, *, limit: int) -> bool:
    """True once `bucket` has been hit `limit` times in its window, without counting this look."""
    return int(cache.get(_key(bucket)) or 0) >= limit


def hit(bucket: str, *, limit: int, window_seconds: int) -> None:
    """Count one use of `bucket`; raise RateLimited once it passes `limit` within the window."""
    key = _key(bucket)
    if cache.add(key, 1, timeout=window_seconds):
        return
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds)
        return
    if count > limit:
        raise RateLimited(_("Too many requests. Please wait a few seconds and try again."))
