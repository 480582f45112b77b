"""Overload is answered, never a 500: a full server says 503 with Retry-After, and so does a busy database."""

import asyncio
import json

import pytest
from django.db import OperationalError

from staffroom.admission import Admission, is_overload


async def call(app, path):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app({"type": "http", "path": path, "method": "GET", "headers": []}, receive, send)
    return sent


def status_of(sent):
    return next(m["status"] for m in sent if m["type"] == "http.response.start")


def headers_of(sent):
    return dict(next(m["headers"] for m in sent if m["type"] == "http.response.start"))


async def test_requests_past_the_slots_wait_briefly_then_get_503_with_retry_after():
    release = asyncio.Event()

    async def slow_app(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    app = Admission(slow_app, limit=1, queue=10, wait_seconds=0.1)
    first = asyncio.create_task(call(app, "/api/v1/me"))
    await asyncio.sleep(0.01)
    refused = await call(app, "/api/v1/me")
    assert status_of(refused) == 503
    assert headers_of(refused)[b"retry-after"] == b"2"
    assert json.loads(refused[-1]["body"])["error"]["code"] == "busy"
    release.set()
    assert status_of(await first) == 200
    assert status_of(await call(app, "/api/v1/me")) == 200  # the slot came back


async def test_a_full_queue_is_refused_at_once_and_probes_always_pass():
    release = asyncio.Event()

    async def slow_app(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = Admission(slow_app, limit=1, queue=1, wait_seconds=30)
    running = asyncio.create_task(call(app, "/"))
    queued = asyncio.create_task(call(app, "/"))
    await asyncio.sleep(0.01)
    refused = await asyncio.wait_for(call(app, "/"), timeout=1)
    assert status_of(refused) == 503
    assert headers_of(refused)[b"content-type"].startswith(b"text/html")
    probe = asyncio.create_task(call(app, "/healthz"))
    await asyncio.sleep(0.01)
    release.set()
    assert [status_of(await t) for t in (running, queued, probe)] == [200, 200, 200]


async def test_admitted_requests_run_on_the_slots_kept_threads():
    """Django would start a thread (and open a database connection) per request; each slot keeps one."""
    import threading

    from asgiref.sync import sync_to_async

    seen = []

    def view():
        seen.append(threading.get_ident())

    async def app_using_sync_code(scope, receive, send):
        await sync_to_async(view)()  # as Django runs views and middleware
        await sync_to_async(view)()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = Admission(app_using_sync_code, limit=2, queue=10, wait_seconds=1)
    for _ in range(5):
        assert status_of(await call(app, "/api/v1/me")) == 200
    await asyncio.gather(*(call(app, "/api/v1/me") for _ in range(4)))
    assert len(set(seen)) == 2  # two slots, two threads, however many requests
    assert threading.get_ident() not in seen


@pytest.mark.parametrize(
    ("error", "overload"),
    [
        (OperationalError("database is locked"), True),
        (OperationalError("no such table: x"), False),
        (ValueError("database is locked"), False),
    ],
)
def test_only_the_databases_busy_errors_count_as_overload(error, overload):
    assert is_overload(error) is overload


def test_pool_timeout_counts_as_overload():
    from psycopg_pool import PoolTimeout

    assert is_overload(PoolTimeout("couldn't get a connection after 10.00 sec"))


@pytest.mark.django_db
def test_a_locked_database_during_a_send_is_503_in_the_api_not_500(world, monkeypatch):
    from django.test import Client

    from staffroom.accounts import actions as account_actions
    from staffroom.messaging import actions

    conv = world.group(world.teacher2)
    token = account_actions.create_token(world.teacher, acting=world.teacher)

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(actions, "send_message", locked)
    response = Client().post(
        f"/api/v1/conversations/{conv.pk}/messages",
        {"body": "hello"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response.json()["error"]["code"] == "busy"


@pytest.mark.django_db
def test_a_locked_database_on_a_page_is_a_503_page_not_500(world, monkeypatch):
    from django.test import Client

    from staffroom.web import sidebar

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(sidebar, "build", locked)
    client = Client()
    client.force_login(world.teacher)
    response = client.get("/")
    assert response.status_code == 503
    assert b"Staffroom is busy" in response.content
