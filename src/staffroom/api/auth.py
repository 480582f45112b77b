"""Who is calling: a bearer token or a signed-in browser session (with its CSRF token), and the token endpoints.

A bearer request carries its credential in a header a browser never adds by itself, so it needs no CSRF token;
a session request does, for every unsafe method.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router, Status
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from staffroom import ratelimit
from staffroom.accounts import actions
from staffroom.accounts.models import Person
from staffroom.accounts.queries import person_for_token
from staffroom.api.schemas import TokenIn, TokenOut, answers
from staffroom.compliance.middleware import client_ip
from staffroom.errors import PermissionDenied, RateLimited, StaffroomError


class NotAuthenticated(StaffroomError):
    status = 401
    code = "not_authenticated"


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"


NOT_SIGNED_IN = gettext_lazy("Sign in first, or send an API token in the header `Authorization: Bearer <token>`.")


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`, as issued by POST /auth/token or `staffroom create_token`."""

    def authenticate(self, request: HttpRequest, token: str) -> Person | None:
        person = person_for_token(token.strip()) if token.strip() else None
        if person is None:
            return None
        request.user = person
        request._staffroom_bearer = token.strip()  # type: ignore[attr-defined]
        return person


class SessionCookie(APIKeyCookie):
    """The browser's session cookie. Unsafe methods must carry the CSRF token (header `X-CSRFToken`)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # Ninja checks CSRF before it knows whether anyone is signed in; we check it only for a signed-in session,
        # so that a request with no credentials at all is told to sign in (401) rather than about CSRF (403).
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Person | None:
        user = getattr(request, "user", None)
        if not isinstance(user, Person) or not user.is_active or user.access_has_ended():
            return None
        user = getattr(user, "_wrapped", user)  # the Person itself, not Django's lazy stand-in
        if self.csrf and check_csrf(request) is not None:
            raise CsrfFailed(
                _(
                    "The CSRF token is missing or wrong. Send the page's token in the X-CSRFToken header, "
                    "or use an API token (Authorization: Bearer) instead of the session."
                )
            )
        return user


AUTH = [BearerToken(), SessionCookie(csrf=True)]


def caller(request: HttpRequest) -> Person:
    """The authenticated person of a request that passed `AUTH`."""
    person = getattr(request, "auth", None)
    if not isinstance(person, Person):
        raise NotAuthenticated(str(NOT_SIGNED_IN))
    return person


# --- issuing and revoking tokens --------------------------------------------------------------------------

# Failed attempts allowed before further attempts are refused, as (limit, window in seconds): the same as the
# web sign-in (ACCOUNT_RATE_LIMITS "login_failed").
FAILURES_PER_ADDRESS = (10, 60)
FAILURES_PER_EMAIL = (5, 300)

router = Router(tags=["auth"])


def _failure_buckets(request: HttpRequest, email: str) -> list[tuple[str, int, int]]:
    ip = client_ip(request.META) or "unknown"
    return [
        (f"api-token-failed:ip:{ip}", *FAILURES_PER_ADDRESS),
        (f"api-token-failed:email:{email}", *FAILURES_PER_EMAIL),
    ]


def _second_factor_ok(person: Person, otp: str | None) -> bool:
    """True when the person has no second factor, or `otp` is a current code (or unused recovery code)."""
    if not apps.is_installed("allauth.mfa"):
        return True
    from allauth.mfa.models import Authenticator

    factors = list(Authenticator.objects.filter(user=person).exclude(type=Authenticator.Type.WEBAUTHN))
    if not factors:
        return True
    code = (otp or "").strip()
    return bool(code) and any(f.wrap().validate_code(code) for f in factors)


@router.post("/token", auth=None, response=answers({200: TokenOut}), summary="Issue an API token")
def issue_token(request: HttpRequest, credentials: TokenIn) -> dict[str, Any]:
    """Exchange an email address and password (and a one-time code, when you use two-factor sign-in) for a
    bearer token. The token is shown only once; send it as `Authorization: Bearer <token>`."""
    email = credentials.email.strip().lower()
    buckets = _failure_buckets(request, email)
    # A correct password is refused too once the failures are used up, so look before counting.
    if any(ratelimit.exceeded(bucket, limit=limit, window_seconds=window) for bucket, limit, window in buckets):
        raise RateLimited(_("Too many failed attempts. Wait a few minutes, then try again."))
    person = authenticate(request, email=email, password=credentials.password)
    if not isinstance(person, Person) or not _second_factor_ok(person, credentials.otp):
        for bucket, limit, window in buckets:
            ratelimit.hit(bucket, limit=limit, window_seconds=window)
        if isinstance(person, Person) and not credentials.otp:
            raise NotAuthenticated(
                _("This account uses two-factor sign-in: send the code from your app as `otp`."), field="otp"
            )
        raise NotAuthenticated(_("The email address, password or one-time code is not right."))
    return {"token": actions.create_token(person, acting=person, label="api")}


@router.delete("/token", auth=AUTH, response=answers({204: None}), summary="Revoke this API token")
def revoke_token(request: HttpRequest) -> Status[None]:
    """Revoke the bearer token this request was made with; it stops working at once, sockets included."""
    raw = getattr(request, "_staffroom_bearer", None)
    if raw is None:
        raise StaffroomError(_("This request did not use an API token, so there is none to revoke."))
    actions.revoke_token_by_raw(raw, acting=caller(request))
    return Status(204, None)
