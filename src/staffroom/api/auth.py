"""Who is calling: a bearer token or a signed-in browser session (with its CSRF token), and the token endpoints.

A bearer request carries its credential in a header a browser never adds by itself, so it needs no CSRF token;
a session request does, for every unsafe method.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router, Status
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from staffroom.accounts import actions, second_factor
from staffroom.accounts.access import refusal
from staffroom.accounts.models import Person
from staffroom.accounts.queries import person_for_token
from staffroom.api.schemas import TokenIn, TokenOut, answers
from staffroom.errors import PermissionDenied, RateLimited, StaffroomError


class NotAuthenticated(StaffroomError):
    status = 401
    code = "not_authenticated"


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"


class SecondFactorRequired(PermissionDenied):
    """The school requires a second sign-in step of this person, and they have not set one up yet."""

    code = "mfa_required"

    def __init__(self) -> None:
        super().__init__(second_factor.required_message())


def _check_setup(person: Person) -> Person:
    """Someone who must add a second sign-in step first gets nothing else from the API, with any credential."""
    if second_factor.setup_required(person):
        raise SecondFactorRequired()
    return person


NOT_SIGNED_IN = gettext_lazy("Sign in first, or send an API token in the header `Authorization: Bearer <token>`.")


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`, as issued by POST /auth/token or `staffroom create_token`."""

    def authenticate(self, request: HttpRequest, token: str) -> Person | None:
        person = person_for_token(token.strip()) if token.strip() else None
        if person is None:
            return None
        request.user = person
        request._staffroom_bearer = token.strip()  # type: ignore[attr-defined]
        return _check_setup(person)


class SessionCookie(APIKeyCookie):
    """The browser's session cookie. Unsafe methods must carry the CSRF token (header `X-CSRFToken`)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # Ninja checks CSRF before it knows whether anyone is signed in; we check it only for a signed-in session,
        # so that a request with no credentials at all is told to sign in (401) rather than about CSRF (403).
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Person | None:
        user = getattr(request, "user", None)
        if not isinstance(user, Person) or not user.may_use_staffroom():
            return None
        person: Person = getattr(user, "_wrapped", user)  # the Person itself, not Django's lazy stand-in
        if self.csrf and check_csrf(request) is not None:
            raise CsrfFailed(
                _(
                    "The CSRF token is missing or wrong. Send the page's token in the X-CSRFToken header, "
                    "or use an API token (Authorization: Bearer) instead of the session."
                )
            )
        return _check_setup(person)


AUTH = [BearerToken(), SessionCookie(csrf=True)]


def caller(request: HttpRequest) -> Person:
    """The authenticated person of a request that passed `AUTH`."""
    person = getattr(request, "auth", None)
    if not isinstance(person, Person):
        raise NotAuthenticated(str(NOT_SIGNED_IN))
    return person


# --- issuing and revoking tokens --------------------------------------------------------------------------

router = Router(tags=["auth"])

TOO_MANY_FAILURES = gettext_lazy("Too many failed attempts. Wait a few minutes, then try again.")


def _password_owner(request: HttpRequest, email: str, password: str) -> Person | None:
    """The person whose password this is, checked by allauth exactly as the sign-in form checks it: a failure
    here uses up the same allowance (ACCOUNT_RATE_LIMITS "login_failed", see accounts.adapter) as one there.
    May return someone who may no longer use Staffroom, so that they can be told why."""
    try:
        user = get_adapter(request).authenticate(request, email=email, password=password)
    except ValidationError:  # allauth's "too_many_login_attempts", raised before the password is looked at
        raise RateLimited(str(TOO_MANY_FAILURES)) from None
    return user if isinstance(user, Person) else None


def _check_second_factor(person: Person, otp: str | None) -> None:
    """Nothing to do without a second factor; else `otp` must be a current code or an unused recovery code,
    checked by allauth's own form so that wrong codes count where the web's second step counts them."""
    from allauth.mfa.base.forms import AuthenticateForm
    from allauth.mfa.models import Authenticator

    if not Authenticator.objects.filter(user=person).exclude(type=Authenticator.Type.WEBAUTHN).exists():
        return
    code = (otp or "").strip()
    if not code:  # not a guess: the client has yet to ask for the code
        raise NotAuthenticated(
            _("This account uses two-factor sign-in: send the code from your app as `otp`."), field="otp"
        )
    form = AuthenticateForm(user=person, data={"code": code})
    if form.is_valid():
        return
    if any(error.code == "too_many_login_attempts" for error in form.errors.as_data().get("code", [])):
        raise RateLimited(str(TOO_MANY_FAILURES))
    raise NotAuthenticated(_("The one-time code is not right, or it was already used."), field="otp")


@router.post("/token", auth=None, response=answers({200: TokenOut}), summary="Issue an API token")
def issue_token(request: HttpRequest, credentials: TokenIn) -> dict[str, Any]:
    """Exchange an email address and password (and a one-time code, when you use two-factor sign-in) for a
    bearer token. The token is shown only once; send it as `Authorization: Bearer <token>`.

    Failed attempts count together with those on the sign-in page: after too many for one account from one
    address, or from one address in all, further attempts from there get 429 for a few minutes.

    Someone whose school requires a second sign-in step of them, and who has not set one up, gets 403 with code
    `mfa_required` (here and from every other endpoint) until they have, in a browser."""
    person = _password_owner(request, credentials.email.strip().lower(), credentials.password)
    if person is None:
        raise NotAuthenticated(_("The email address, password or one-time code is not right."))
    if not person.may_use_staffroom():
        raise NotAuthenticated(refusal(person))
    _check_setup(person)
    _check_second_factor(person, credentials.otp)
    return {"token": actions.create_token(person, acting=person, label="api")}


@router.delete("/token", auth=AUTH, response=answers({204: None}), summary="Revoke this API token")
def revoke_token(request: HttpRequest) -> Status[None]:
    """Revoke the bearer token this request was made with; it stops working at once, sockets included."""
    raw = getattr(request, "_staffroom_bearer", None)
    if raw is None:
        raise StaffroomError(_("This request did not use an API token, so there is none to revoke."))
    actions.revoke_token_by_raw(raw, acting=caller(request))
    return Status(204, None)
