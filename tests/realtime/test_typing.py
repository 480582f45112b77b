"""The typing indicator: relayed over /ws/events to the conversation's other members only, checked on the server,
at most once every few seconds per writer, and dropped (never queued) when busy or in a very large conversation."""

import pytest
from asgiref.sync import sync_to_async

from staffroom.realtime import typing_indicator
from staffroom.realtime.hub import Hub, _Entry
from staffroom.realtime.typing_indicator import Relay
from tests.realtime.test_events_socket import connect_with_token

pytestmark = pytest.mark.django_db(transaction=True)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(typing_indicator, "_relay", Relay(clock=clock))
    return clock


async def test_members_see_who_is_typing_and_the_writer_and_outsiders_do_not(world, clock):
    conv = await sync_to_async(world.group)(world.teacher2)  # world.teacher and world.teacher2
    writer = await connect_with_token(world.teacher)
    member = await connect_with_token(world.teacher2)
    outsider = await connect_with_token(world.ta)
    await writer.send_json_to({"type": "typing", "conversation_id": conv.pk})
    frame = await member.receive_json_from(timeout=5)
    expected = {"type": "typing", "conversation_id": conv.pk, "person_id": world.teacher.pk}
    assert frame == {**expected, "name": world.teacher.name}
    assert await writer.receive_nothing(timeout=0.2)
    assert await outsider.receive_nothing(timeout=0.2)
    for ws in (writer, member, outsider):
        await ws.disconnect()


async def test_someone_who_is_not_a_member_cannot_say_they_are_typing(world, clock):
    conv = await sync_to_async(world.group)(world.teacher2)
    member = await connect_with_token(world.teacher2)
    outsider = await connect_with_token(world.ta)
    await outsider.send_json_to({"type": "typing", "conversation_id": conv.pk})
    assert await outsider.receive_nothing(timeout=0.2)  # silently dropped: says nothing about the conversation
    assert await member.receive_nothing(timeout=0.3)
    for ws in (member, outsider):
        await ws.disconnect()


async def test_a_writer_is_relayed_at_most_once_every_few_seconds(world, clock):
    conv = await sync_to_async(world.group)(world.teacher2)
    writer = await connect_with_token(world.teacher)
    member = await connect_with_token(world.teacher2)
    for _ in range(5):
        await writer.send_json_to({"type": "typing", "conversation_id": conv.pk})
    assert (await member.receive_json_from(timeout=5))["type"] == "typing"
    assert await member.receive_nothing(timeout=0.3)
    clock.now += typing_indicator.MIN_GAP
    await writer.send_json_to({"type": "typing", "conversation_id": conv.pk})
    assert (await member.receive_json_from(timeout=5))["type"] == "typing"
    for ws in (writer, member):
        await ws.disconnect()


async def test_when_overloaded_typing_frames_are_dropped(world, clock, monkeypatch):
    monkeypatch.setattr(typing_indicator, "BURST", 1)
    conv = await sync_to_async(world.group)(world.teacher2, world.ta)
    first = await connect_with_token(world.teacher)
    second = await connect_with_token(world.teacher2)
    reader = await connect_with_token(world.ta)
    await first.send_json_to({"type": "typing", "conversation_id": conv.pk})
    assert (await reader.receive_json_from(timeout=5))["person_id"] == world.teacher.pk
    await second.send_json_to({"type": "typing", "conversation_id": conv.pk})
    assert await reader.receive_nothing(timeout=0.3)
    for ws in (first, second, reader):
        await ws.disconnect()


async def test_no_indicator_in_a_conversation_larger_than_the_limit(world, clock, monkeypatch):
    monkeypatch.setattr(typing_indicator, "MEMBER_LIMIT", 2)
    conv = await sync_to_async(world.group)(world.teacher2, world.ta)  # three members
    writer = await connect_with_token(world.teacher)
    reader = await connect_with_token(world.ta)
    await writer.send_json_to({"type": "typing", "conversation_id": conv.pk})
    assert await reader.receive_nothing(timeout=0.3)
    for ws in (writer, reader):
        await ws.disconnect()


async def test_a_bad_conversation_id_is_an_error_and_the_socket_carries_on(world, clock):
    ws = await connect_with_token(world.teacher)
    for bad in ("1", None, True, -3):
        await ws.send_json_to({"type": "typing", "conversation_id": bad})
        answer = await ws.receive_json_from(timeout=5)
        assert answer["type"] == "error" and answer["code"] == "invalid"
    await ws.send_json_to({"type": "ping"})
    assert (await ws.receive_json_from(timeout=5))["type"] == "pong"
    await ws.disconnect()


class Listener:
    def __init__(self, person_id: int) -> None:
        self.person_id, self.organisation_id, self.frames = person_id, 1, []

    def offer(self, position, frame):  # pragma: no cover - not used here
        raise AssertionError

    def control(self, message):  # pragma: no cover
        raise AssertionError

    def ephemeral(self, frame):
        self.frames.append(frame)


def test_the_hub_relays_to_members_only_not_to_overseers_or_the_writer():
    hub = Hub()
    writer, member, overseer = Listener(1), Listener(2), Listener(3)
    for listener in (writer, member, overseer):
        entry = _Entry(listener)
        entry.conversations = {7}
        hub.conversations.setdefault(7, set()).add(entry)
    hub.deliver_typing(7, 1, frozenset({1, 2}), "frame")
    assert (writer.frames, member.frames, overseer.frames) == ([], ["frame"], [])


def test_the_relay_keeps_each_writer_to_one_frame_per_gap_and_reads_members_rarely():
    clock = Clock()
    relay = Relay(clock=clock)
    assert relay.admit(1) and relay.admit(2)
    assert not relay.admit(1)
    clock.now += typing_indicator.MIN_GAP
    assert relay.admit(1)
    assert relay.cached_members(9) == (False, None)
    relay.remember(9, frozenset({1, 2}))
    assert relay.cached_members(9) == (True, frozenset({1, 2}))
    clock.now += typing_indicator.MEMBERS_TTL
    assert relay.cached_members(9) == (False, None)


def test_the_member_list_leaves_out_announcement_channels_archived_conversations_and_large_ones(world):
    from django.utils import timezone

    from staffroom.messaging.events import typing_members

    group = world.group(world.teacher2)
    assert typing_members(group.pk, 10) == frozenset({world.teacher.pk, world.teacher2.pk})
    assert typing_members(group.pk, 1) is None
    assert typing_members(world.announcement(world.teacher2).pk, 10) is None
    group.archived_at = timezone.now()
    group.save()
    assert typing_members(group.pk, 10) is None
    assert typing_members(987654, 10) is None
