"""Flood limits on the messaging actions: a teacher's day never meets them, a script does at once, and a
refused attempt writes nothing (no revision, no audit entry, no event)."""

from collections.abc import Callable

import pytest

from staffroom.compliance.models import AuditEntry
from staffroom.errors import RateLimited
from staffroom.messaging import actions
from staffroom.messaging.models import Conversation, Membership, MessageRevision, Reaction
from staffroom.realtime.models import Event
from tests import factories

pytestmark = pytest.mark.django_db


def _records() -> tuple[int, ...]:
    """Everything a refused attempt must not add to."""
    return (
        AuditEntry.objects.count(),
        Event.objects.count(),
        MessageRevision.objects.count(),
        Reaction.objects.count(),
        Conversation.objects.count(),
        Membership.objects.count(),
    )


def _edit(world) -> Callable[[int], object]:
    message, _ = actions.send_message(world.group(world.teacher2), acting=world.teacher, body="Draft")
    return lambda i: actions.edit_message(message, acting=world.teacher, body=f"Version {i}")


def _react(world) -> Callable[[int], object]:
    message, _ = actions.send_message(world.group(world.teacher2), acting=world.teacher2, body="News")
    return lambda i: actions.react(message, "👍", acting=world.teacher, add=i % 2 == 0)


def _create(world) -> Callable[[int], object]:
    return lambda i: actions.create_conversation(acting=world.teacher, kind="group", title=f"Group {i}")


def _rename(world) -> Callable[[int], object]:
    group = world.group(world.teacher2)
    return lambda i: actions.update_conversation(group, acting=world.teacher, title=f"Name {i}")


def _members(world) -> Callable[[int], object]:
    group = world.group(world.teacher2)

    def add_or_remove(i: int) -> object:
        if i % 2 == 0:
            return actions.add_member(group, world.ta.pk, acting=world.teacher)
        return actions.remove_member(group, world.ta.pk, acting=world.teacher)

    return add_or_remove


def _remind(world) -> Callable[[int], object]:
    channel = world.announcement(world.teacher, world.teacher2)
    notices = [actions.send_message(channel, acting=world.head, body=f"Notice {i}")[0] for i in range(12)]
    return lambda i: actions.remind_unacknowledged(notices[i % len(notices)], acting=world.head)


FLOODS = {
    "edit": (_edit, actions.EDIT_LIMIT),
    "react": (_react, actions.REACTION_LIMIT),
    "create": (_create, actions.CREATE_LIMIT),
    "rename": (_rename, actions.RENAME_LIMIT),
    "members": (_members, actions.MEMBERSHIP_LIMIT),
    "remind": (_remind, actions.REMIND_LIMIT),
}


@pytest.mark.parametrize("flood", FLOODS)
def test_floods_are_refused_and_a_refusal_writes_nothing(world, ratelimit_clock, flood):
    prepare, (limit, window) = FLOODS[flood]
    attempt = prepare(world)
    for i in range(limit):
        attempt(i)
        ratelimit_clock.advance(window / (2 * limit))  # spread over half the window, as a person would
    before = _records()
    with pytest.raises(RateLimited) as refused:
        attempt(limit)
    assert _records() == before
    assert 0 < refused.value.retry_after <= window
    assert "wait" in refused.value.message


@pytest.mark.parametrize("flood", FLOODS)
def test_limits_are_generous_enough_for_a_busy_teacher(flood):
    """At least a dozen of each in the window: editing a typo-ridden message, reacting down a thread,
    setting up the term's groups, adding a department one by one, chasing a week of notices."""
    _prepare, (limit, window) = FLOODS[flood]
    assert limit >= 10
    assert window <= 3600


def test_limits_are_per_person_and_start_again_in_the_next_window(world, ratelimit_clock):
    attempt = _edit(world)
    limit, window = actions.EDIT_LIMIT
    for i in range(limit):
        attempt(i)
    with pytest.raises(RateLimited):
        attempt(limit)
    other, _ = actions.send_message(world.group(world.ta, by=world.teacher2), acting=world.teacher2, body="Mine")
    actions.edit_message(other, acting=world.teacher2, body="Still mine")  # someone else is not held up
    ratelimit_clock.advance(window)
    attempt(limit + 1)


def test_a_refused_group_creation_leaves_no_conversation(world):
    limit, _window = actions.CREATE_LIMIT
    teacher = factories.person(world.school, name="Busy Teacher")
    for i in range(limit):
        actions.create_conversation(acting=teacher, kind="group", title=f"Group {i}")
    with pytest.raises(RateLimited):
        actions.create_conversation(acting=teacher, kind="group", title="One too many")
    assert not Conversation.objects.filter(title="One too many").exists()
