"""Fixtures for the scale-out tests: real PostgreSQL and Redis, and two Staffroom nodes sharing them.

The services are started once per test session (the slow part is migrating and seeding, about 10 s).
A missing PostgreSQL or Redis skips these tests, or fails them when STAFFROOM_REQUIRE_SERVICES=1 (CI).
"""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests import servers


@pytest.fixture(scope="session")
def postgres() -> Iterator[servers.PostgreSQL]:
    """A throwaway PostgreSQL cluster with an empty `staffroom` database; `.url` is its DATABASE_URL."""
    try:
        with servers.postgresql() as pg:
            yield pg
    except servers.ServiceMissing as exc:
        servers.skip_or_fail(str(exc))


@pytest.fixture(scope="session")
def redis_service() -> Iterator[servers.Redis]:
    """A throwaway redis-server; `.url` is its REDIS_URL."""
    try:
        with servers.redis() as rd:
            yield rd
    except servers.ServiceMissing as exc:
        servers.skip_or_fail(str(exc))


@dataclass
class Cluster:
    """Two nodes on one database and one Redis, as behind a load balancer."""

    a: servers.StaffroomServer
    b: servers.StaffroomServer
    database_url: str
    redis_url: str


@pytest.fixture(scope="session")
def cluster(tmp_path_factory, postgres, redis_service) -> Iterator[Cluster]:
    """Node `a` migrates and seeds the demo organisation; node `b` joins the same database and Redis."""
    with (
        servers.staffroom_server(tmp_path_factory, postgres.url, redis_service.url, name="node-a") as a,
        servers.staffroom_server(tmp_path_factory, postgres.url, redis_service.url, name="node-b", prepare=False) as b,
    ):
        yield Cluster(a=a, b=b, database_url=postgres.url, redis_url=redis_service.url)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report carries the log of every Staffroom server that was running."""
    report = yield
    servers.attach_server_logs(report)
    return report
