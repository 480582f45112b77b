"""Hooks from Django and allauth into our actions: sign-in and sign-out are audited, and any way a session
ends (sign-out, "sign out this device", a password change) closes the sockets that session opened."""

from typing import Any

from allauth.account.signals import password_changed, password_reset
from allauth.usersessions.models import UserSession
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete

from staffroom.accounts import actions
from staffroom.accounts.models import PushSubscription
from staffroom.realtime import streams as realtime


def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        actions.record_sign_in(user, method=_method(request))


def _method(request: Any) -> str:
    """How the person proved who they are, as allauth recorded it in the session: "password", "sso", and any
    second step ("password+totp", "sso+webauthn"); "" when allauth was not involved."""
    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

    session = getattr(request, "session", None)
    records = session.get(AUTHENTICATION_METHODS_SESSION_KEY) if session is not None else None
    steps = []
    for record in records or []:
        method = str(record.get("method", ""))
        step = {"socialaccount": "sso", "mfa": str(record.get("type", "mfa"))}.get(method, method)
        if step and step not in steps:
            steps.append(step)
    return "+".join(steps)


def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        session = getattr(request, "session", None)
        actions.record_sign_out(user, session_key=session.session_key if session else None)


def _session_ended(sender: Any, instance: UserSession, **kwargs: Any) -> None:
    # A device signed out of stops being notified: its push address was given in that session.
    PushSubscription.objects.filter(person_id=instance.user_id, session_key=instance.session_key).delete()
    realtime.send_control(instance.user_id, {"type": "session.revoke", "session_keys": [instance.session_key]})


def _password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    actions.end_other_sessions(user, keep_session_key=session.session_key if session else None)


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="staffroom.sign_in")
    user_logged_out.connect(_signed_out, dispatch_uid="staffroom.sign_out")
    post_delete.connect(_session_ended, sender=UserSession, dispatch_uid="staffroom.session_ended")
    password_changed.connect(_password_changed, dispatch_uid="staffroom.password_changed")
    password_reset.connect(_password_changed, dispatch_uid="staffroom.password_reset")
