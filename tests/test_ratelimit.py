"""The fixed-window rate limiter: windows follow the injectable clock, not the cache's own expiry."""

import pytest

from staffroom import ratelimit
from staffroom.errors import RateLimited


def test_hits_in_one_window_count_together_however_long_they_take(ratelimit_clock):
    for _ in range(3):
        ratelimit.hit("edit:1", limit=3, window_seconds=10)
        ratelimit_clock.advance(3)  # a slow machine: 9 seconds for three hits, still one window
    with pytest.raises(RateLimited) as refused:
        ratelimit.hit("edit:1", limit=3, window_seconds=10)
    assert refused.value.status == 429
    assert refused.value.retry_after == 1


def test_the_next_window_starts_afresh(ratelimit_clock):
    for _ in range(3):
        ratelimit.hit("edit:1", limit=3, window_seconds=10)
    with pytest.raises(RateLimited) as refused:
        ratelimit.hit("edit:1", limit=3, window_seconds=10)
    assert refused.value.retry_after == 10
    ratelimit_clock.advance(10)
    ratelimit.hit("edit:1", limit=3, window_seconds=10)
    assert not ratelimit.exceeded("edit:1", limit=3, window_seconds=10)


def test_buckets_and_window_lengths_are_counted_apart():
    ratelimit.hit("edit:1", limit=1, window_seconds=10)
    ratelimit.hit("edit:2", limit=1, window_seconds=10)
    ratelimit.hit("edit:1", limit=1, window_seconds=60)
    assert ratelimit.exceeded("edit:1", limit=1, window_seconds=10)
    assert not ratelimit.exceeded("react:1", limit=1, window_seconds=10)


def test_a_refusal_can_say_what_was_refused():
    ratelimit.hit("remind:1", limit=1, window_seconds=60)
    with pytest.raises(RateLimited, match="once a minute"):
        ratelimit.hit("remind:1", limit=1, window_seconds=60, message="Reminders can be sent once a minute.")
