"""`GET /api/v1/me/export` and the profile page's "Download my data": the same ZIP, through the same action."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import AuditEntry
from staffroom.messaging import actions as messaging
from tests.api.conftest import error_of
from tests.web.conftest import assert_no_inline_code

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    body = b"".join(response.streaming_content)
    return [m["body"] for m in json.loads(zipfile.ZipFile(io.BytesIO(body)).read("messages.json"))["messages"]]


def test_the_api_gives_a_pupil_their_own_messages(world, as_person):
    channel = world.class_channel(world.pupil, world.pupil2)
    messaging.send_message(channel, acting=world.pupil, body="My homework answer")
    messaging.send_message(channel, acting=world.pupil2, body="Not mine")
    client = as_person(world.pupil)
    response = client.client.get("/api/v1/me/export", headers=client.headers)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "staffroom-my-data-" in response["Content-Disposition"] and response["Cache-Control"] == "private, no-store"
    assert _messages(response) == ["My homework answer"]
    entry = AuditEntry.objects.get(action=AuditAction.ME_EXPORTED)
    assert entry.actor == world.pupil and entry.channel == "api" and entry.data["messages"] == 1


def test_the_api_answers_429_with_retry_after_after_a_few(world, as_person):
    client = as_person(world.teacher)
    for _ in range(3):
        assert client.client.get("/api/v1/me/export", headers=client.headers).status_code == 200
    refused = client.get("/me/export")
    assert refused.status_code == 429 and error_of(refused)["code"] == "rate_limited"
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert AuditEntry.objects.filter(action=AuditAction.ME_EXPORTED).count() == 3


def test_nobody_signed_in_gets_401(as_person):
    assert as_person(None).get("/me/export").status_code == 401


def test_the_profile_page_offers_it_and_its_link_gives_the_same_zip(world, client):
    chat = world.group(world.teacher2)
    messaging.send_message(chat, acting=world.teacher, body="Written on the web")
    client.force_login(world.teacher)
    page = client.get("/profile").content.decode()
    assert 'id="my-data-heading">Download my data</h2>' in page and 'href="/profile/my-data"' in page
    assert "Messages you deleted are not in it" in page
    assert_no_inline_code(page)
    response = client.get("/profile/my-data")
    assert response.status_code == 200 and _messages(response) == ["Written on the web"]
    assert AuditEntry.objects.get(action=AuditAction.ME_EXPORTED).channel == "web"
