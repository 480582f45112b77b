import pytest

from tests.api.conftest import ApiClient


@pytest.fixture
def as_person(db):
    """as_person(someone) -> an API client signed in as them (tests/api/conftest.py)."""
    return ApiClient


@pytest.fixture
def no_alerts():
    """The DSL's alert is its own action, run once the message is committed (tests/safeguarding/test_alerts.py):
    kept out of tests of the send path's action itself."""
    from staffroom.safeguarding import alerts
    from staffroom.safeguarding.signals import concern_raised

    concern_raised.disconnect(dispatch_uid="safeguarding.alert_leads")
    yield
    concern_raised.connect(alerts.on_concern_raised, dispatch_uid="safeguarding.alert_leads")


@pytest.fixture
def every_picture_has_a_face(monkeypatch):
    """The plumbing of held photos, not the detector's accuracy (bench/faces_eval.py measures that)."""
    from staffroom.safeguarding import photos

    monkeypatch.setattr(photos, "count_faces", lambda image, detector=photos.DETECTOR: 1)
