"""What every web page asks before it runs: is someone signed in, and how do domain errors look in a browser.

Domain errors raised below a view become the web's own answers: NotFound is the 404 page (so a conversation
one cannot see looks exactly like one that does not exist) and PermissionDenied the 403 page. Anything with a
field (Invalid, TooLarge, ...) is for the view to show beside that field (see `forms.show_error`); one that a
view did not expect gets the 400 page with the error's own message and status.

A few routes also serve API clients (attachment files, whose URLs the API hands out): `signed_in_or_token`
accepts their bearer token instead and answers them in the API's JSON error shape.

`PolicyAcknowledgementMiddleware` sends a signed-in person who owes the school an acceptance of one of its
policies to /policies/ first (compliance/policies.py says when).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext_lazy

from staffroom import errors
from staffroom.accounts import second_factor
from staffroom.accounts.models import Person
from staffroom.accounts.queries import person_for_token
from staffroom.compliance.queries import owes_acknowledgement


def is_htmx(request: HttpRequest) -> bool:
    """True for requests htmx made (they want a fragment back, not a whole page)."""
    return request.headers.get("HX-Request") == "true"


def signed_in[View: Callable[..., HttpResponseBase]](view: View) -> View:
    """Require a signed-in person; map NotFound and PermissionDenied to the 404 and 403 pages.

    An htmx request whose session has ended is sent to the sign-in page as a whole, rather than having the
    sign-in form swapped into the middle of a conversation."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            if is_htmx(request):
                login_url = resolve_url(settings.LOGIN_URL)
                current = request.headers.get("HX-Current-URL", "") or request.get_full_path()
                response = HttpResponse(status=401)
                response["HX-Redirect"] = f"{login_url}?{urlencode({'next': local_path(current)})}"
                return response
            return redirect_to_login(request.get_full_path())
        try:
            return view(request, *args, **kwargs)
        except errors.NotFound as exc:
            raise Http404(exc.message) from exc
        except errors.PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except errors.StaffroomError as exc:
            # A view shows the errors it expects beside their fields; anything else still gets a plain
            # answer with the domain's status (never a 500). For htmx, that answer goes to the page's alert
            # area rather than being swapped into whatever the request targeted.
            if is_htmx(request):
                response = render(request, "staffroom/alert.html", {"error_message": exc.message}, status=exc.status)
                response["HX-Retarget"] = "#alerts"
                response["HX-Reswap"] = "innerHTML"
            else:
                response = render(request, "400.html", {"error_message": exc.message}, status=exc.status)
            if exc.retry_after is not None:
                response["Retry-After"] = str(exc.retry_after)
            return response

    return wrapped  # type: ignore[return-value]


def signed_in_or_token[View: Callable[..., HttpResponseBase]](view: View) -> View:
    """As `signed_in` for browsers; a request with an `Authorization` header (an API client) is instead signed
    in by its bearer token, the same tokens the API takes, and answered in the API's JSON shape: 401 when the
    token is missing, wrong, revoked or its owner has left, 403 `mfa_required` as the API answers someone who
    must set up a second sign-in step first, and the domain's status (404, ...) otherwise."""
    for_browsers = signed_in(view)

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if "Authorization" not in request.headers:
            return for_browsers(request, *args, **kwargs)
        scheme, _space, token = request.headers["Authorization"].partition(" ")
        person = person_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if person is None:
            response = _json_error(401, "not_authenticated", str(NOT_AUTHENTICATED))
            response["WWW-Authenticate"] = 'Bearer realm="staffroom"'
            return response
        if second_factor.setup_required(person):
            return _json_error(403, "mfa_required", second_factor.required_message())
        # The token's person, for this request only: no session is created.
        request.user = person
        try:
            return view(request, *args, **kwargs)
        except errors.StaffroomError as exc:
            response = _json_error(exc.status, exc.code, exc.message)
            if exc.retry_after is not None:
                response["Retry-After"] = str(exc.retry_after)
            return response
        except Http404:
            return _json_error(404, errors.NotFound.code, errors.NotFound().message)

    return wrapped  # type: ignore[return-value]


NOT_AUTHENTICATED = gettext_lazy(
    "Send a valid API token as `Authorization: Bearer <token>`; this one is missing, wrong, revoked or expired."
)


def _json_error(status: int, code: str, message: str) -> JsonResponse:
    """An error in the JSON API's shape (DESIGN.md invariant 5), for the web routes API clients also use."""
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def local_path(url: str) -> str:
    """The path (and query) of a URL on this site, so `next` never points elsewhere."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "") if parts.path.startswith("/") else "/"


# What someone who owes an acceptance may still reach: the policies page itself, and the DPO's (so a mistake in a
# version can be put right by publishing another before accepting it), signing out and the rest of allauth's pages
# (a second step comes first), their profile and "report a lost device", the API (not blocked: the school's
# integrations and tools rely on it; it says what is owed at /api/v1/me/policies) and what every page needs to load.
_POLICY_OPEN_PREFIXES = (
    "/policies/", "/compliance/policies/", "/accounts/", "/api/", "/scim/", "/static/", "/healthz", "/readyz",
    "/manifest.webmanifest", "/sw.js",
)  # fmt: skip
_POLICY_OPEN_PATHS = frozenset({"/profile", "/profile/lost-device"})


def policies_url(next_path: str = "") -> str:
    """The policies page, returning to `next_path` (a path on this site) once everything is accepted."""
    url = resolve_url("web:policies")
    local = local_path(next_path) if next_path else "/"
    return f"{url}?{urlencode({'next': local})}" if local != "/" else url


class PolicyAcknowledgementMiddleware:
    """Sends a signed-in person who owes an acceptance of a policy (a first time, a new version, or a year on) to
    /policies/ from any page until they have accepted. The API is never blocked."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        path = request.path
        if (
            isinstance(user, Person)
            and user.is_authenticated
            and not path.startswith(_POLICY_OPEN_PREFIXES)
            and path not in _POLICY_OPEN_PATHS
            and not getattr(request, "second_factor_setup_required", False)
            and owes_acknowledgement(user)
        ):
            target = policies_url(request.get_full_path() if request.method == "GET" else "")
            if is_htmx(request):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return redirect(target)
        return self.get_response(request)
