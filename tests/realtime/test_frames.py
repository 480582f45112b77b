"""The socket's control frames: the docs' table is generated from their schemas, and the consumer sends only
frames those schemas accept."""

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from staffroom.realtime import frames

DOCS = Path(__file__).parents[2] / "docs" / "realtime.md"


def test_the_control_frames_table_in_the_docs_is_generated_from_the_schemas():
    text = DOCS.read_text()
    start, end = text.index(frames.TABLE_START), text.index(frames.TABLE_END)
    assert text[start : end + len(frames.TABLE_END)] + "\n" == frames.table_markdown(), (
        "replace the control frames table in docs/realtime.md with `staffroom event_schemas --control`"
    )


def test_a_frame_encodes_as_the_compact_json_clients_parse():
    assert json.loads(frames.Hello(seq=7, person_id=3).encode()) == {"type": "hello", "seq": 7, "person_id": 3}
    assert json.loads(frames.Error(code="invalid", message="No.").encode())["code"] == "invalid"


@pytest.mark.parametrize(
    "make",
    [
        lambda: frames.Hello(seq=-1, person_id=3),
        lambda: frames.Hello(seq="7", person_id=3),
        lambda: frames.Error(code="something_new", message="?"),
        lambda: frames.Pong(seq=1, extra=True),
    ],
)
def test_a_frame_outside_its_schema_cannot_be_built(make):
    with pytest.raises(ValidationError):
        make()
