"""Sockets opened with a browser session: any way the session ends closes them, and so does an ended access."""

from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from staffroom.accounts import actions as account_actions
from staffroom.asgi import application
from staffroom.messaging import actions

pytestmark = pytest.mark.django_db(transaction=True)


def _session_cookie(person) -> str:
    client = Client()
    client.force_login(person)
    client.get("/api/v1/me")  # allauth's middleware records the session for "sign out this device"
    return client.cookies["sessionid"].value


def _socket(key: str, origin: bytes = b"http://testserver") -> WebsocketCommunicator:
    headers = [(b"cookie", f"sessionid={key}".encode()), (b"host", b"testserver")]
    if origin:
        headers.append((b"origin", origin))
    return WebsocketCommunicator(application, "/ws/events", headers=headers)


async def open_session_socket(person):
    key = await sync_to_async(_session_cookie)(person)
    ws = _socket(key)
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from(timeout=5))["type"] == "hello"
    return ws, key


async def test_session_cookie_socket_receives_messages(world):
    conv = await sync_to_async(world.group)(world.teacher2)
    ws, _ = await open_session_socket(world.teacher2)
    await sync_to_async(actions.send_message)(conv, acting=world.teacher, body="hello")
    assert (await ws.receive_json_from(timeout=5))["type"] == "message.new"
    await ws.disconnect()


async def test_signing_out_this_device_elsewhere_closes_its_socket(world):
    ws, key = await open_session_socket(world.teacher2)
    session = await sync_to_async(UserSession.objects.get)(session_key=key)
    await sync_to_async(session.end)()
    assert (await ws.receive_json_from(timeout=2))["type"] == "session.revoked"
    assert await ws.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}


async def test_password_change_closes_other_sessions_and_revokes_tokens(world):
    ws, _ = await open_session_socket(world.teacher2)
    raw = await sync_to_async(account_actions.create_token)(world.teacher2, acting=world.teacher2)
    await sync_to_async(account_actions.end_other_sessions)(world.teacher2, keep_session_key="another-browser")
    assert (await ws.receive_json_from(timeout=2))["type"] == "session.revoked"
    from staffroom.accounts.queries import person_for_token

    assert await sync_to_async(person_for_token)(raw) is None


async def test_external_whose_access_ended_cannot_open_a_socket(world):
    key = await sync_to_async(_session_cookie)(world.external)
    world.external.access_ends_on = timezone.localdate() - timedelta(days=1)
    await sync_to_async(world.external.save)()
    ws = _socket(key)
    await ws.connect()
    assert await ws.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}


async def test_a_cookie_sent_from_another_sites_page_is_refused(world):
    key = await sync_to_async(_session_cookie)(world.teacher)
    ws = _socket(key, origin=b"https://evil.example")
    await ws.connect()
    assert await ws.receive_output(timeout=2) == {"type": "websocket.close", "code": 4403}


async def test_resume_from_a_position_the_stream_never_reached_asks_for_a_resync(world):
    ws, _ = await open_session_socket(world.teacher)
    await ws.send_json_to({"type": "resume", "after": 10**12})
    assert (await ws.receive_json_from(timeout=2))["type"] == "resync"
    await ws.disconnect()


@pytest.mark.parametrize(
    "origin",
    [b"http://testserver:8001", b"https://testserver", b"http://testserver.evil.example", b"null", b"testserver"],
)
async def test_a_page_on_another_port_scheme_or_host_cannot_use_the_cookie(world, origin):
    """Security finding 5: the Origin check compared the host only, so a page on another port read messages."""
    key = await sync_to_async(_session_cookie)(world.teacher)
    ws = _socket(key, origin=origin)
    await ws.connect()
    assert await ws.receive_output(timeout=2) == {"type": "websocket.close", "code": 4403}


async def test_a_trusted_origin_behind_a_proxy_may_use_the_cookie(world, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://chat.school.example"]
    key = await sync_to_async(_session_cookie)(world.teacher)
    ws = _socket(key, origin=b"https://chat.school.example")
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from(timeout=5))["type"] == "hello"
    await ws.disconnect()


def test_testserver_is_not_an_allowed_host_outside_tests():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("STAFFROOM_ALLOWED")}
    code = "import django; django.setup(); from django.conf import settings; print(settings.ALLOWED_HOSTS)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert "testserver" not in out.stdout


async def test_a_socket_whose_session_ended_without_a_push_is_closed_by_the_recheck(world, monkeypatch):
    """The backstop: even if the revocation push is lost, one re-check of all sockets closes it."""
    from django.contrib.sessions.models import Session

    from staffroom.realtime import consumers

    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0.2)
    monkeypatch.setattr(consumers, "_rechecks", {})
    ws, key = await open_session_socket(world.teacher)
    other, _ = await open_session_socket(world.teacher2)
    await sync_to_async(Session.objects.filter(session_key=key).delete)()  # no signal, no push
    assert (await ws.receive_json_from(timeout=3))["type"] == "session.revoked"
    assert await ws.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}
    assert await other.receive_nothing(timeout=0.5)  # the other person's socket is left alone
    await other.disconnect()


def test_one_recheck_answers_for_many_sockets_in_three_queries(world, django_assert_max_num_queries):
    from staffroom.accounts import actions as account_actions
    from staffroom.realtime.consumers import still_valid

    raw = account_actions.create_token(world.teacher, acting=world.teacher)
    from staffroom.accounts.queries import person_for_token

    token_id = person_for_token(raw)._api_token_id
    credentials = [(world.teacher.pk, None, token_id), (world.ta.pk, "no-such-session", None)] * 50
    with django_assert_max_num_queries(3):
        answers = still_valid(credentials)
    assert answers == [True, False] * 50
