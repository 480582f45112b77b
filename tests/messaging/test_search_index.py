"""SQLite drops a table's triggers when Django rebuilds the table for a schema change; `migrate` puts the search
index's triggers back, so messages sent afterwards are still found."""

import pytest
from django.db import connection

from staffroom.messaging import actions, search
from staffroom.messaging.search_index import TRIGGERS, ensure_triggers

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 index exists only on SQLite")
def test_missing_triggers_are_put_back_and_the_index_rebuilt(world):
    group = world.group(world.teacher2)
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    lost, _ = actions.send_message(group, acting=world.teacher, body="Minibus keys are in the office")
    assert search.search_messages(world.teacher, "minibus") == []

    assert sorted(ensure_triggers()) == sorted(TRIGGERS)
    assert search.search_messages(world.teacher, "minibus") == [lost]  # rebuilt: the lost one is found
    kept, _ = actions.send_message(group, acting=world.teacher, body="Minibus booked for Friday")
    assert set(search.search_messages(world.teacher, "minibus")) == {lost, kept}
    assert ensure_triggers() == []
