"""The independent check: scim2-tester run against a real Staffroom server (embedded: SQLite) on a loopback
port. Every check must be SUCCESS: it creates, reads, lists, searches, replaces, patches (add, replace and
remove of every attribute the schemas offer) and deletes users and groups, and probes discovery, errors and
methods. tests/services runs it on PostgreSQL and Redis too."""

from tests.scim import scim2_tester
from tests.servers import staffroom_server


def test_scim2_tester_finds_nothing_wrong(tmp_path_factory):
    with staffroom_server(tmp_path_factory, name="scim") as server:
        report = scim2_tester.run(server)
    assert report.all_succeeded, report.explain()
    print(report.summary)
