"""Concerns for the queue's tests, made with the ORM (raising them is the send path's and "report a concern"'s)."""

from __future__ import annotations

from typing import Any

from staffroom.messaging import actions as messaging
from staffroom.safeguarding.models import Concern


def pupil_message(world: Any, body: str = "Can we have another day for the homework?", channel: Any = None) -> Any:
    """A pupil's message in a class channel (a new one unless given), which the DSL oversees. Its words raise
    nothing by themselves (the send path would raise its own concern): the tests make the concern they need."""
    channel = channel or world.class_channel(world.pupil, world.pupil2)
    message, _ = messaging.send_message(channel, acting=world.pupil, body=body)
    return message


def concern(world: Any, message: Any = None, **fields: Any) -> Concern:
    """A concern on a pupil's message (made here when not given), open and of medium severity by default."""
    message = message or pupil_message(world)
    values: dict[str, Any] = {
        "organisation": world.org,
        "school": message.conversation.school,
        "conversation": message.conversation,
        "message": message,
        "about": message.author,
        "category": Concern.Category.SELF_HARM,
        "severity": Concern.Severity.MEDIUM,
        "source": Concern.Source.DETECTOR,
        "findings": [{"kind": "self_harm", "why": "self-harm phrase"}],
        **fields,
    }
    return Concern.objects.create(**values)
