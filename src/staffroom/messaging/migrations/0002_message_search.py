"""Full-text index for message search: SQLite FTS5 kept in step with the message table by triggers.

On PostgreSQL the search module uses built-in text search instead, so this migration does nothing there.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS messaging_message_fts USING fts5(
           body, content='messaging_message', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
       )""",
    """CREATE TRIGGER IF NOT EXISTS messaging_message_fts_ai AFTER INSERT ON messaging_message BEGIN
           INSERT INTO messaging_message_fts(rowid, body) VALUES (new.id, new.body);
       END""",
    """CREATE TRIGGER IF NOT EXISTS messaging_message_fts_ad AFTER DELETE ON messaging_message BEGIN
           INSERT INTO messaging_message_fts(messaging_message_fts, rowid, body) VALUES ('delete', old.id, old.body);
       END""",
    """CREATE TRIGGER IF NOT EXISTS messaging_message_fts_au AFTER UPDATE OF body ON messaging_message BEGIN
           INSERT INTO messaging_message_fts(messaging_message_fts, rowid, body) VALUES ('delete', old.id, old.body);
           INSERT INTO messaging_message_fts(rowid, body) VALUES (new.id, new.body);
       END""",
    "INSERT INTO messaging_message_fts(messaging_message_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS messaging_message_fts_au",
    "DROP TRIGGER IF EXISTS messaging_message_fts_ad",
    "DROP TRIGGER IF EXISTS messaging_message_fts_ai",
    "DROP TABLE IF EXISTS messaging_message_fts",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
