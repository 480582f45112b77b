"""Fixed-window rate limits on the shared cache (per process when embedded, shared through Redis when scaled)."""

from django.core.cache import cache
from django.utils.translation import gettext as _

from staffroom.errors import RateLimited


def hit(bucket: str, *, limit: int, window_seconds: int) -> None:
    """Count one use of `bucket`; raise RateLimited once it passes `limit` within the window."""
    key = f"ratelimit:{bucket}"
    if cache.add(key, 1, timeout=window_seconds):
        return
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds)
        return
    if count > limit:
        raise RateLimited(_("Too many requests. Please wait a few seconds and try again."))
