import pytest
from django.core.cache import cache

from staffroom import ratelimit
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache, rosters and safeguarding policies in the send path's own; each
    test starts with none."""
    from staffroom.safeguarding import screening

    cache.clear()
    screening.clear()
    yield
    cache.clear()
    screening.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. A request activates the browser's or the person's language
    for its thread (LocaleMiddleware, web/language.py) and nothing puts it back, so without this a test that
    calls code directly after a Welsh request in the same worker would read Welsh messages."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


class StillClock:
    """The rate limiter's clock, held at the start of a window that every limit shares (a multiple of a day),
    so a test's hits never straddle two windows however slowly the machine runs. `advance` moves it on."""

    def __init__(self) -> None:
        self.now = 86_400.0 * 20_000

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def ratelimit_clock(monkeypatch):
    clock = StillClock()
    monkeypatch.setattr(ratelimit, "clock", clock)
    return clock


@pytest.fixture
def world(db):
    return factories.world()


def pytest_configure(config):
    from django.conf import settings

    # Argon2 is deliberately slow; tests create many people. test_passwords checks production uses argon2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pushes go out as a send commits, in the test's thread (a background thread could not see its rows).
    settings.STAFFROOM_PUSH_DELIVERY = "inline"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a per-test directory, never the developer's data directory."""
    settings.MEDIA_ROOT = tmp_path / "files"
