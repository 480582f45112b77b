"""Asking for a password reset always gets the same calm answer: when no mail server answers, and whether or
not the address belongs to anyone."""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import sys

import pytest
from django.core import mail
from django.test import Client

from staffroom.accounts.models import Preferences

RESET_URL = "/accounts/password/reset/"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def no_mail_server(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port(), "timeout": 2},
        }
    }


def test_reset_with_no_mail_server_answers_calmly_and_logs_the_failure(world, no_mail_server, caplog):
    with caplog.at_level(logging.ERROR, logger="staffroom.accounts.adapter"):
        known = Client().post(RESET_URL, {"email": world.teacher.email})
        unknown = Client().post(RESET_URL, {"email": "nobody@nowhere.example"})
    for response in (known, unknown):
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password/reset/done/"
    failures = [r for r in caplog.records if r.getMessage() == "Could not send an email"]
    assert len(failures) == 2
    assert all(world.teacher.email not in json.dumps(vars(r), default=str) for r in failures)


def test_reset_answers_the_same_for_a_known_and_an_unknown_address(world):
    known = Client().post(RESET_URL, {"email": world.teacher.email}, follow=True)
    unknown = Client().post(RESET_URL, {"email": "nobody@nowhere.example"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert without_csrf_tokens(known.content) == without_csrf_tokens(unknown.content)
    assert [m.to for m in mail.outbox] == [[world.teacher.email], ["nobody@nowhere.example"]]


def without_csrf_tokens(html: bytes) -> bytes:
    return re.sub(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]*', rb"\1", html)


def settings_in_a_fresh_process(tmp_path, **env: str) -> dict:
    code = (
        "import json, staffroom.settings as s;"
        "print(json.dumps({'mailers': s.MAILERS, 'from': s.DEFAULT_FROM_EMAIL}, default=str))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STAFFROOM_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "STAFFROOM_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_embedded_mode_writes_mail_to_files_in_the_data_directory(tmp_path):
    found = settings_in_a_fresh_process(tmp_path)
    default = found["mailers"]["default"]
    assert default["BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert default["OPTIONS"]["file_path"] == str(tmp_path / "mail")


def test_smtp_is_used_only_when_configured(tmp_path):
    found = settings_in_a_fresh_process(
        tmp_path,
        STAFFROOM_SMTP_HOST="smtp.school.example",
        STAFFROOM_SMTP_PORT="465",
        STAFFROOM_SMTP_USER="staffroom",
        STAFFROOM_SMTP_PASSWORD="secret",
        STAFFROOM_SMTP_SECURITY="ssl",
        STAFFROOM_FROM_EMAIL="staffroom@school.example",
    )
    default = found["mailers"]["default"]
    assert default["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert default["OPTIONS"] == {
        "host": "smtp.school.example",
        "port": 465,
        "username": "staffroom",
        "password": "secret",
        "use_tls": False,
        "use_ssl": True,
        "timeout": 10,
    }
    assert found["from"] == "staffroom@school.example"


@pytest.mark.django_db
def test_the_reset_email_is_in_the_language_its_recipient_chose_not_the_asking_browser_s(world):
    Preferences.objects.update_or_create(person=world.teacher, defaults={"language": "cy"})
    english_browser = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
    Client().post(RESET_URL, {"email": world.teacher.email}, **english_browser)
    Client().post(RESET_URL, {"email": world.teacher2.email}, **english_browser)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "E-bost ailosod cyfrinair" in by_address[world.teacher.email].subject
    assert "Password Reset Email" in by_address[world.teacher2.email].subject
