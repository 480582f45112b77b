import pytest

from tests.api.conftest import ApiClient


@pytest.fixture
def as_person(db):
    """as_person(someone) -> an API client signed in as them (tests/api/conftest.py)."""
    return ApiClient
