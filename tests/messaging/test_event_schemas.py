"""The event schemas: the docs' table is generated from them, they hold the API's shapes, and every one is
exercised by an action's test."""

import json
from pathlib import Path
from typing import get_args

from django.core.management import call_command

from staffroom.api import schemas as api
from staffroom.messaging import event_schemas
from staffroom.messaging.models import Conversation
from staffroom.realtime import frames
from tests.verify import declared_events

DOCS = Path(__file__).parents[2] / "docs" / "realtime.md"


def test_the_events_table_in_the_docs_is_generated_from_the_schemas():
    text = DOCS.read_text()
    start, end = text.index(event_schemas.TABLE_START), text.index(event_schemas.TABLE_END)
    documented = text[start : end + len(event_schemas.TABLE_END)] + "\n"
    assert documented == event_schemas.table_markdown(), (
        "replace the events table in docs/realtime.md with the output of `staffroom event_schemas`"
    )


def test_the_resources_inside_events_have_the_api_s_fields():
    pairs = [
        (event_schemas.Person, api.PersonOut),
        (event_schemas.Conversation, api.ConversationOut),
        (event_schemas.Message, api.MessageOut),
        (event_schemas.Attachment, api.AttachmentOut),
        (event_schemas.Reaction, api.ReactionOut),
    ]
    for ours, theirs in pairs:
        assert set(ours.model_fields) == set(theirs.model_fields), ours.__name__


def test_a_conversation_s_kind_is_one_of_the_model_s_kinds():
    assert set(get_args(event_schemas.ConversationKind)) == set(Conversation.Kind.values)


def test_every_event_schema_is_exercised_by_an_action_s_test():
    tests = Path(__file__).parents[1]
    tested = declared_events(tests / "messaging" / "test_action_records.py")
    tested |= declared_events(tests / "safeguarding" / "test_alerts.py")
    assert set(event_schemas.EVENTS) <= tested, f"no action test publishes {set(event_schemas.EVENTS) - tested}"


def test_the_command_prints_the_table_and_the_json_schemas(capsys):
    call_command("event_schemas")
    assert capsys.readouterr().out == event_schemas.table_markdown()
    call_command("event_schemas", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == set(event_schemas.EVENTS) | set(frames.CONTROL)
    call_command("event_schemas", "--control")
    assert capsys.readouterr().out == frames.table_markdown()
    assert "from" in printed["announcement.reminder"]["properties"]
