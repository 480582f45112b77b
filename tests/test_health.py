"""Health probes, the server's port check, and the structured log format."""

import json
import logging
import socket
import subprocess
import sys

import pytest

from staffroom.log_format import JsonFormatter, TextFormatter, formatter_for

pytestmark = pytest.mark.django_db


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "channel_layer": "ok"}


def test_readyz_reports_a_broken_channel_layer(client, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                           "CONFIG": {"hosts": ["redis://127.0.0.1:1"]}}}  # fmt: skip
    channel_layers.backends.clear()
    try:
        response = client.get("/readyz")
    finally:
        channel_layers.backends.clear()
    assert response.status_code == 503
    assert response.json()["checks"]["channel_layer"].startswith("error")


def test_serve_says_clearly_when_the_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "staffroom.cli", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            env={"STAFFROOM_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
            check=False,
        )
    assert result.returncode == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "PORT=" in result.stderr


def test_logs_are_one_json_object_per_line():
    record = logging.LogRecord("staffroom.test", logging.INFO, __file__, 1, "sent %s", ("x",), None)
    record.person_id = 7
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line) | {"time": None} == {
        "time": None, "level": "info", "logger": "staffroom.test", "message": "sent x", "person_id": 7,
    }  # fmt: skip


def test_logs_read_as_one_plain_line_with_their_fields_at_a_terminal():
    record = logging.LogRecord("staffroom.worker", logging.WARNING, __file__, 1, "job %s failed", ("prune",), None)
    record.deleted = 3
    line = TextFormatter().format(record)
    assert line.endswith(" WARNING staffroom.worker: job prune failed deleted=3") and "{" not in line


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_the_log_format_setting_chooses_text_at_a_terminal_and_json_for_shippers():
    assert formatter_for("auto", _Stream(tty=True)) == "text"
    assert formatter_for("auto", _Stream(tty=False)) == "json"
    assert formatter_for("json", _Stream(tty=True)) == "json"
    assert formatter_for("text", _Stream(tty=False)) == "text"
    with pytest.raises(ValueError, match="STAFFROOM_LOG_FORMAT must be one of auto, json, text"):
        formatter_for("xml")
