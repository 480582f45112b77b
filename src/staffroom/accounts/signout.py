"""Signing a person out: their browser sessions, API tokens, open sockets and devices' notifications. Not actions
themselves: the actions that call these (a leaver, a lost phone, a password change, a lost device reported) write
the audit entry. Call inside the action's transaction."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.utils import timezone

from staffroom.accounts.models import ApiToken, Person, PushSubscription
from staffroom.realtime import streams as realtime


def end_sessions_of(person: Person, *, keep_session_key: str | None = None) -> int:
    """End the person's browser sessions (but the kept one) and revoke their API tokens; sockets close at once
    (deleting a UserSession closes its sockets, see accounts.signals), and every device's notifications stop but
    those turned on in the kept session. Call inside an action's transaction."""
    from allauth.usersessions.models import UserSession

    sessions = UserSession.objects.filter(user=person).exclude(session_key=keep_session_key or "")
    keys = list(sessions.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    sessions.delete()
    tokens = ApiToken.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=timezone.now())
    devices = PushSubscription.objects.filter(person=person)
    if keep_session_key:
        devices = devices.exclude(session_key=keep_session_key)
    devices.delete()
    if tokens:
        realtime.send_control(person.pk, {"type": "session.revoke", "token_ids": "all"})
    return len(keys) + tokens


def sign_out_everywhere(person: Person) -> int:
    """Sign `person` out everywhere: web sessions, API tokens and open sockets. Call inside an action."""
    ended = end_sessions_of(person)
    realtime.send_control(person.pk, {"type": "session.revoke", "all": True})
    return ended
