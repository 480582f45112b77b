"""Where the apps above messaging look at a message before it is posted (the safeguarding checks).

Imports run one way (DESIGN.md): messaging never imports safeguarding, so safeguarding registers a screener
here when it starts (safeguarding/apps.py). `send_message` asks every screener before its transaction; a
screener refuses by raising (a nudge, a block), or answers with what it must write alongside the message:
`store(message)` inside the send's transaction before its audit entry (a concern, say), `audit(message)`
after it (audit entries are written last).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from staffroom.accounts.models import Person
    from staffroom.messaging.models import Conversation, Message


class Screened(Protocol):
    audit_data: dict[str, Any]

    def store(self, message: Message) -> None: ...

    def audit(self, message: Message) -> None: ...


Screener = Callable[..., "Screened | None"]
_screeners: list[Screener] = []


def register(screener: Screener) -> None:
    if screener not in _screeners:
        _screeners.append(screener)


def screen(text: str, *, conversation: Conversation, sender: Person, confirmed: bool) -> list[Screened]:
    """Every screener's answer for this text; raises (a StaffroomError) when one refuses the send."""
    answers = [s(text, conversation=conversation, sender=sender, confirmed=confirmed) for s in _screeners]
    return [a for a in answers if a is not None]
