"""scim2-tester against Staffroom on PostgreSQL and Redis: row locks and joins that SQLite lets pass, PostgreSQL
checks (e.g. FOR UPDATE on the nullable side of an outer join)."""

import pytest

from tests import servers
from tests.scim import scim2_tester

pytestmark = pytest.mark.services


def test_scim2_tester_finds_nothing_wrong_on_postgresql(tmp_path_factory, redis_service):
    # A database of its own: the tester's users and groups must not meet the other scale-out tests' counts.
    try:
        with (
            servers.postgresql() as pg,
            servers.staffroom_server(tmp_path_factory, pg.url, redis_service.url, name="scim-pg") as server,
        ):
            report = scim2_tester.run(server)
    except servers.ServiceMissing as exc:
        servers.skip_or_fail(str(exc))
    assert report.all_succeeded, report.explain()
    print(report.summary)
