"""Tokens, sign-in records and sessions: what a person holds to use Staffroom, and how it ends."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import ApiToken, Person, hash_token
from staffroom.accounts.signout import end_sessions_of, sign_out_everywhere
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.realtime import streams as realtime


def create_token(person: Person, *, acting: Person, label: str = "") -> str:
    """Issue an API token for `person` and return it; only its hash is kept, so this is the one chance to see it.
    Only people themselves get tokens: a token issued by someone else would let them act as that person."""
    if acting.pk != person.pk:
        raise PermissionDenied()
    if not person.may_use_staffroom():
        raise Invalid("email", _("This account is not active, or its access has ended."))
    raw = ApiToken.new_raw()
    with transaction.atomic():
        token = ApiToken.objects.create(person=person, key_hash=hash_token(raw), label=label[:100])
        audit.record(
            acting,
            AuditAction.TOKEN_CREATED,
            target=person,
            data={"token_id": token.pk},
            details={"label": token.label},
        )
    return raw


def revoke_token(token: ApiToken, *, acting: Person) -> None:
    """Revoke one token; sockets opened with it close at once with 4401."""
    if acting.pk != token.person_id:
        permissions.require(acting, "people.manage", token.person)
    if token.revoked_at is not None:
        return
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(acting, AuditAction.TOKEN_REVOKED, target=token.person, data={"token_id": token.pk})
        realtime.send_control(token.person_id, {"type": "session.revoke", "token_ids": [token.pk]})


def revoke_token_by_raw(raw: str, *, acting: Person) -> None:
    token = ApiToken.objects.filter(key_hash=hash_token(raw), person=acting).first()
    if token is None:
        raise NotFound()
    revoke_token(token, acting=acting)


def end_devices(person: Person, session_keys: list[str], *, acting: Person) -> int:
    """ "Sign out this device" for some of one's own browser sessions (allauth's session list calls this); their
    sockets close at once. Returns how many ended."""
    from allauth.usersessions.models import UserSession

    if acting.pk != person.pk:
        permissions.require(acting, "people.manage", person)
    with transaction.atomic():
        sessions = UserSession.objects.filter(user=person, session_key__in=session_keys)
        keys = list(sessions.values_list("session_key", flat=True))
        Session.objects.filter(session_key__in=keys).delete()
        sessions.delete()  # each deletion closes that session's sockets (accounts.signals)
        if keys:
            audit.record(acting, AuditAction.SESSION_DEVICES_ENDED, target=person, data={"ended": len(keys)})
    return len(keys)


def end_other_sessions(person: Person, *, keep_session_key: str | None = None) -> int:
    """After a password change: every other browser session and every API token stops working at once."""
    with transaction.atomic():
        ended = end_sessions_of(person, keep_session_key=keep_session_key)
        audit.record(person, AuditAction.SESSION_OTHERS_ENDED, target=person, data={"ended": ended})
    return ended


def end_access(person: Person) -> int:
    """End every session and token of someone who may no longer use Staffroom (an external whose end date has
    passed, or a person made inactive other than by `deactivate_person`). Nobody acts: the calendar did, so the
    audit entry's actor is the worker service. Called when such a session makes its next request."""
    with transaction.atomic():
        ended = sign_out_everywhere(person)
        audit.record(
            ServiceActor(Service.WORKER, person.organisation_id), AuditAction.SESSION_ACCESS_ENDED, target=person,
            data={
                "sessions_ended": ended,
                "active": person.is_active,
                "access_ends_on": str(person.access_ends_on) if person.access_ends_on else None,
            },
        )  # fmt: skip
    return ended


def record_sign_in(person: Person, *, method: str = "") -> None:
    """Audit a sign-in, and how the person proved who they are ("password", "sso", "totp", "webauthn", ...)."""
    with transaction.atomic():
        audit.record(person, AuditAction.SESSION_SIGNED_IN, target=person, data={"method": method} if method else None)


def record_sign_out(person: Person, *, session_key: str | None = None) -> None:
    """Audit a sign-out and close the sockets that this browser session opened."""
    with transaction.atomic():
        audit.record(person, AuditAction.SESSION_SIGNED_OUT, target=person)
        if session_key:
            realtime.send_control(person.pk, {"type": "session.revoke", "session_keys": [session_key]})
