"""What every web page asks before it runs: is someone signed in, and how do domain errors look in a browser.

Domain errors raised below a view become the web's own answers: NotFound is the 404 page (so a conversation
one cannot see looks exactly like one that does not exist) and PermissionDenied the 403 page. Anything with a
field (Invalid, TooLarge, ...) is for the view to show beside that field (see `forms.show_error`); one that a
view did not expect gets the 400 page with the error's own message and status.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render, resolve_url

from staffroom import errors


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
                response["HX-Redirect"] = f"{login_url}?{urlencode({'next': _local_path(current)})}"
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
            if isinstance(exc, errors.RateLimited) and exc.retry_after:
                response["Retry-After"] = str(exc.retry_after)
            return response

    return wrapped  # type: ignore[return-value]


def _local_path(url: str) -> str:
    """The path (and query) of a URL on this site, so `next` never points elsewhere."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "") if parts.path.startswith("/") else "/"
