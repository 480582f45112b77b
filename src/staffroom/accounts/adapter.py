"""allauth adapter: accounts are provisioned by the school, never by self sign-up; only people who may use
Staffroom now get past the sign-in form; and failed sign-ins are counted per account and client address.

Lockout policy (ACCOUNT_RATE_LIMITS "login_failed", shared by the sign-in form, re-authentication and the API
token endpoint, which all authenticate through this adapter): failures are counted per account *and client
address* ("key") and per client address ("ip"). Someone guessing a password from elsewhere therefore locks out
only themselves; the owner signing in from their own device is not stopped by it.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from allauth.account.models import EmailAddress
from allauth.core.internal.ratelimit import get_ip
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from staffroom.accounts import languages
from staffroom.accounts.access import refusal
from staffroom.accounts.models import Person
from staffroom.compliance.middleware import client_ip

logger = logging.getLogger(__name__)


class StaffroomAccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # The sign-in page says for how long, and the way back in (web/forms.py SignInForm, account/login.html).
        "too_many_login_attempts": _(
            "Too many failed login attempts. Signing in to this account from here is paused for a few minutes."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def can_delete_email(self, email_address: EmailAddress) -> bool:
        """Sign-in addresses are issued by the school (DESIGN.md invariant 3); allauth's pages for managing them
        are not served (staffroom/urls.py), and this holds should any other path reach its flows."""
        return False

    def pre_login(self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> HttpResponse | None:
        """allauth refuses an inactive person itself (its "account inactive" page); an external whose end date
        has passed is refused here, after their password was checked, with the date and whom to ask."""
        response = super().pre_login(request, user, **kwargs)
        if response is None and isinstance(user, Person) and not user.may_use_staffroom():
            clear_login(request)
            return render(request, "account/access_ended.html", {"refusal": refusal(user)}, status=403)
        return response

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address the audit trail records, so that lockouts and the audit agree on who the client is, behind
        a proxy too (STAFFROOM_TRUST_X_FORWARDED_FOR)."""
        ip = client_ip(request.META)
        if ip is None:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """The "key" that failed sign-ins are counted under: the account and the client address together.
        allauth's own key is the account and the Host header, so that changing the host name gave more guesses,
        and guessing from anywhere locked the owner out everywhere. (IPv6 addresses are taken to their /64, as
        allauth does for its per-address count, so one network cannot rotate through addresses.)"""
        login = str(credentials.get("email", credentials.get("username", ""))).strip().lower()
        return f"{login}|{get_ip(request)}"

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Send, or log that it could not be sent. The page that asked says the same either way: it must not tell
        anyone whether an address has an account, and a broken mail server is for the operator to fix."""
        # In the recipient's own language when they chose one, not the language of whoever's page sent it.
        language = languages.chosen_for_address(email)
        try:
            with translation.override(language) if language else contextlib.nullcontext():
                super().send_mail(template_prefix, email, context)
        except OSError as exc:  # refused, timed out, TLS or SMTP errors (smtplib's are OSErrors too)
            # Only the kind of failure: the address (which some SMTP errors repeat) stays out of the logs.
            code = getattr(exc, "smtp_code", None) or exc.errno
            logger.error(
                "Could not send an email",
                extra={"template": template_prefix, "error": type(exc).__name__, "code": code},
            )


class StaffroomMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Someone the school requires to use a second sign-in step keeps at least one: they may replace their
        authenticator app or passkey (add the new one first), not remove the last."""
        from staffroom.accounts import second_factor

        person = authenticator.user
        if authenticator.type == Authenticator.Type.RECOVERY_CODES or not isinstance(person, Person):
            return True
        if not second_factor.is_required(person):
            return True
        others = Authenticator.objects.filter(
            user_id=person.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exclude(pk=authenticator.pk)
        return others.exists()

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        """Passkeys are listed on people's devices under "Staffroom", not the server's host name."""
        return {**super().get_public_key_credential_rp_entity(), "name": "Staffroom"}


class StaffroomUserSessionsAdapter(DefaultUserSessionsAdapter):
    """ "Sign out" on the sessions page goes through our action, so it is audited like every state change."""

    def end_sessions(self, sessions: Any) -> None:
        from staffroom.accounts import actions

        by_person: dict[int, list[str]] = {}
        people: dict[int, Person] = {}
        for session in sessions:
            by_person.setdefault(session.user_id, []).append(session.session_key)
            people[session.user_id] = session.user
        for person_id, keys in by_person.items():
            person = people[person_id]
            actions.end_devices(person, keys, acting=person)
