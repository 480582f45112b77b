"""The SQLite full-text index's triggers, kept in place across migrations.

Migration 0002 creates the FTS5 table and the triggers that keep it in step with messaging_message. SQLite
cannot alter most columns in place, so Django rebuilds a table (copy, drop, rename) for many schema changes,
such as adding a column with a default, and dropping the old table drops its triggers: from then on new
messages would silently be missing from search. After every `migrate` this puts back any trigger that is
missing and, if one was, rebuilds the index from the table so nothing sent meanwhile is lost.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import connections

log = logging.getLogger(__name__)

TRIGGERS = {
    "messaging_message_fts_ai": """CREATE TRIGGER IF NOT EXISTS messaging_message_fts_ai
        AFTER INSERT ON messaging_message BEGIN
            INSERT INTO messaging_message_fts(rowid, body) VALUES (new.id, new.body);
        END""",
    "messaging_message_fts_ad": """CREATE TRIGGER IF NOT EXISTS messaging_message_fts_ad
        AFTER DELETE ON messaging_message BEGIN
            INSERT INTO messaging_message_fts(messaging_message_fts, rowid, body) VALUES ('delete', old.id, old.body);
        END""",
    "messaging_message_fts_au": """CREATE TRIGGER IF NOT EXISTS messaging_message_fts_au
        AFTER UPDATE OF body ON messaging_message BEGIN
            INSERT INTO messaging_message_fts(messaging_message_fts, rowid, body) VALUES ('delete', old.id, old.body);
            INSERT INTO messaging_message_fts(rowid, body) VALUES (new.id, new.body);
        END""",
}


def ensure_triggers(using: str = "default") -> list[str]:
    """Recreate the index's missing triggers on SQLite (and rebuild the index if any were missing); returns
    the names it had to put back. Does nothing on PostgreSQL or before the index exists."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
        if "messaging_message_fts" not in present or "messaging_message" not in present:
            return []
        missing = [name for name in TRIGGERS if name not in present]
        for name in missing:
            cursor.execute(TRIGGERS[name])
        if missing:
            cursor.execute("INSERT INTO messaging_message_fts(messaging_message_fts) VALUES ('rebuild')")
            log.info("search index triggers restored", extra={"triggers": missing})
    return missing


def after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    ensure_triggers(using)
