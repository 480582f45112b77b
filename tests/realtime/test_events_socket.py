"""The /ws/events socket: delivery to every tab, resume without gaps or duplicates, revocation closes 4401."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator

from staffroom.accounts import actions as account_actions
from staffroom.asgi import application
from staffroom.messaging import actions

pytestmark = pytest.mark.django_db(transaction=True)


async def connect_with_token(person) -> WebsocketCommunicator:
    raw = await sync_to_async(account_actions.create_token)(person, acting=person)
    ws = WebsocketCommunicator(application, "/ws/events")
    connected, _ = await ws.connect()
    assert connected
    await ws.send_json_to({"type": "auth", "token": raw})
    hello = await ws.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    ws.raw_token = raw
    return ws


async def send(conversation, person, body, **kwargs):
    message, _ = await sync_to_async(actions.send_message)(conversation, acting=person, body=body, **kwargs)
    return message


async def test_message_reaches_every_member_and_every_tab(world):
    conv = await sync_to_async(world.group)(world.teacher2, world.ta)
    tab1 = await connect_with_token(world.teacher2)
    tab2 = await connect_with_token(world.teacher2)
    ta = await connect_with_token(world.ta)
    message = await send(conv, world.teacher, "Fire drill at 10")
    for ws in (tab1, tab2, ta):
        event = await ws.receive_json_from(timeout=5)
        assert event["type"] == "message.new"
        assert event["message"]["id"] == message.pk
        assert event["message"]["author"]["name"] == world.teacher.name
        assert "email" not in event["message"]["author"]
    for ws in (tab1, tab2, ta):
        await ws.disconnect()


async def test_non_member_receives_nothing(world):
    conv = await sync_to_async(world.group)(world.teacher2)
    outsider = await connect_with_token(world.ta)
    await send(conv, world.teacher, "Private to the group")
    assert await outsider.receive_nothing(timeout=0.3)
    await outsider.disconnect()


async def test_resume_replays_missed_events_without_gap_or_duplicate(world):
    conv = await sync_to_async(world.group)(world.teacher2)
    ws = await connect_with_token(world.teacher2)
    first = await send(conv, world.teacher, "one")
    event = await ws.receive_json_from(timeout=5)
    seen_seq = event["seq"]
    await ws.disconnect()
    missed = [await send(conv, world.teacher, f"missed {i}") for i in range(3)]

    again = await connect_with_token(world.teacher2)
    await again.send_json_to({"type": "resume", "after": seen_seq})
    replayed = [await again.receive_json_from(timeout=5) for _ in missed]
    assert [e["message"]["id"] for e in replayed] == [m.pk for m in missed]
    seqs = [e["seq"] for e in replayed]
    assert seen_seq < seqs[0] < seqs[1] < seqs[2]
    live = await send(conv, world.teacher, "live again")
    event = await again.receive_json_from(timeout=5)
    assert event["message"]["id"] == live.pk
    assert event["seq"] > seqs[-1]
    assert await again.receive_nothing(timeout=0.2)
    assert first.pk not in [e["message"]["id"] for e in replayed]
    await again.disconnect()


async def test_bad_token_is_closed_with_4401():
    ws = WebsocketCommunicator(application, "/ws/events")
    await ws.connect()
    await ws.send_json_to({"type": "auth", "token": "sr_not-a-real-token"})
    output = await ws.receive_output(timeout=5)
    assert output == {"type": "websocket.close", "code": 4401}


async def test_first_frame_must_authenticate(world):
    ws = WebsocketCommunicator(application, "/ws/events")
    await ws.connect()
    await ws.send_json_to({"type": "resume", "after": 0})
    assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}


async def test_revoked_token_closes_socket_with_4401(world):
    ws = await connect_with_token(world.teacher)
    await sync_to_async(account_actions.revoke_token_by_raw)(ws.raw_token, acting=world.teacher)
    revoked = await ws.receive_json_from(timeout=5)
    assert revoked["type"] == "session.revoked"
    assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}


async def test_leaver_socket_closes_at_once(world):
    ws = await connect_with_token(world.teacher2)
    await sync_to_async(account_actions.deactivate_person)(world.teacher2, acting=world.admin, reason="left")
    assert (await ws.receive_json_from(timeout=2))["type"] == "session.revoked"
    assert await ws.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}


async def test_a_leaver_ended_by_another_process_loses_their_socket_within_seconds(world, monkeypatch):
    """A command or a separate worker shares no channel layer with the server in the embedded mode: its push
    cannot reach the server's sockets, but the revocation it writes down does, at the hub's next look."""
    import time

    from staffroom.realtime import hub

    monkeypatch.setattr(hub, "HEAD_CHECK_SECONDS", 0.2)
    ws = await connect_with_token(world.teacher2)
    monkeypatch.setattr(hub, "control", lambda person_id, message: None)  # as from another process
    started = time.monotonic()
    await sync_to_async(account_actions.deactivate_person)(world.teacher2, acting=world.admin, reason="left")
    assert (await ws.receive_json_from(timeout=3))["type"] == "session.revoked"
    assert await ws.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}
    assert time.monotonic() - started < 2


async def test_malformed_frames_get_an_error_not_a_crash(world):
    ws = await connect_with_token(world.teacher)
    await ws.send_to(text_data="{not json")
    assert (await ws.receive_json_from(timeout=5))["code"] == "malformed"
    await ws.send_json_to({"type": "resume", "after": "yesterday"})
    assert (await ws.receive_json_from(timeout=5))["code"] == "invalid"
    await ws.send_json_to({"type": "ping"})
    assert (await ws.receive_json_from(timeout=5))["type"] == "pong"
    await ws.disconnect()


async def test_resume_past_the_retention_window_asks_for_a_resync(world):
    from datetime import timedelta

    from django.utils import timezone

    from staffroom.realtime import streams
    from staffroom.realtime.models import Event

    conv = await sync_to_async(world.group)(world.teacher2)
    for i in range(3):
        await send(conv, world.teacher, f"old {i}")
    await sync_to_async(Event.objects.update)(created_at=timezone.now() - timedelta(days=30))
    await send(conv, world.teacher, "recent")
    assert await sync_to_async(streams.prune_events)(14) >= 3
    ws = await connect_with_token(world.teacher2)
    await ws.send_json_to({"type": "resume", "after": 0})
    event = await ws.receive_json_from(timeout=5)
    assert event["type"] == "resync"
    await ws.disconnect()


async def test_resume_from_the_start_shows_no_deleted_edited_or_removed_history(world):
    """Security finding 4: stored events kept full bodies, so `after: 0` replayed what was hidden since."""
    conv = await sync_to_async(world.group)(world.teacher2)
    other = await sync_to_async(world.group)(world.teacher2, title="Interview panel")
    # An address nudges (docs/safeguarding.md): the teacher sent it anyway, then thought better of it.
    gone = await send(conv, world.teacher, "Pupil X's address is 12 Elm Road", confirmed=True)
    changed = await send(conv, world.teacher, "Budget cut: 40 percent")
    await sync_to_async(actions.delete_message)(gone, acting=world.teacher)
    await sync_to_async(actions.edit_message)(changed, acting=world.teacher, body="Budget: see the head")
    await send(other, world.teacher, "Candidate B withdrew")
    await sync_to_async(actions.remove_member)(other, world.teacher2, acting=world.teacher)
    await send(other, world.teacher, "Offer goes to candidate A")

    ws = await connect_with_token(world.teacher2)
    await ws.send_json_to({"type": "resume", "after": 0})
    frames = []
    while not await ws.receive_nothing(timeout=0.3):
        frames.append(await ws.receive_from())
    replay = "\n".join(frames)
    for secret in ("12 Elm Road", "40 percent", "Candidate B", "candidate A"):
        assert secret not in replay
    assert '"membership.removed"' in replay
    assert "Budget: see the head" in replay
    await ws.disconnect()


async def test_a_nesting_bomb_frame_gets_an_error_and_the_socket_carries_on(world):
    """Security finding 9: 100,000 nested brackets raised RecursionError tracebacks."""
    ws = await connect_with_token(world.teacher)
    for bomb in ("[" * 100_000, '{"a":' * 1000 + "1" + "}" * 1000):
        await ws.send_to(text_data=bomb)
        assert (await ws.receive_json_from(timeout=5))["code"] == "malformed"
    await ws.send_json_to({"type": "ping"})
    assert (await ws.receive_json_from(timeout=5))["type"] == "pong"
    await ws.disconnect()


async def test_one_socket_that_does_not_read_is_closed_without_holding_up_the_others(world):
    from staffroom.realtime import consumers
    from staffroom.realtime.hub import get_hub

    conv = await sync_to_async(world.group)(world.teacher2, world.ta)
    reader = await connect_with_token(world.ta)
    stuck = await connect_with_token(world.teacher2)
    (socket,) = [listener for listener in get_hub().entries if listener.person_id == world.teacher2.pk]
    for i in range(consumers.MAX_QUEUED_EVENTS + 1):
        socket.offer(10**9 + i, "{}")  # as if the client had stopped reading
    assert await stuck.receive_output(timeout=5) == {"type": "websocket.close", "code": consumers.CLOSE_TOO_SLOW}
    message = await send(conv, world.teacher, "Still flowing")
    assert (await reader.receive_json_from(timeout=5))["message"]["id"] == message.pk
    await reader.disconnect()


async def test_a_database_error_in_the_hub_delays_delivery_but_never_ends_it(world, monkeypatch):
    """Seen under overload on PostgreSQL: one failed read stopped the organisation's hub for good."""
    from django.db import OperationalError

    from staffroom.realtime import hub, streams

    monkeypatch.setattr(hub, "RETRY_SECONDS", 0.05)
    conv = await sync_to_async(world.group)(world.teacher2)
    ws = await connect_with_token(world.teacher2)
    real_publish, real_stored_between = hub.publish, streams.stored_between
    failures = []

    def failing_once(*args, **kwargs):
        if not failures:
            failures.append(1)
            raise OperationalError("couldn't get a connection after 10.00 sec")
        return real_stored_between(*args, **kwargs)

    monkeypatch.setattr(streams, "stored_between", failing_once)
    monkeypatch.setattr(hub, "publish", lambda events: None)  # this push is lost: the hub must fill the hole
    lost = await send(conv, world.teacher, "The push of this one is lost")
    monkeypatch.setattr(hub, "publish", real_publish)
    after = await send(conv, world.teacher, "This one arrives and reveals the hole")
    got = [(await ws.receive_json_from(timeout=5))["message"]["id"] for _ in range(2)]
    assert got == [lost.pk, after.pk]
    assert failures == [1]
    later = await send(conv, world.teacher, "And delivery goes on")
    assert (await ws.receive_json_from(timeout=5))["message"]["id"] == later.pk
    await ws.disconnect()
