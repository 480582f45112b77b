"""`Cache-Control: private, no-store` on every answer to someone who is signed in, whatever view made it.

Pages, htmx fragments, API JSON and attachment files all carry personal data (pupils' names and photos, staff
documents); a school's shared computers and web proxies must keep none of it. A request is treated as a
signed-in person's when it carries the session cookie or an `Authorization` header, or when its answer sets
the session cookie (signing in): that needs no database look-up, and marking an anonymous answer private as
well costs nothing. Static files are answered by WhiteNoise before this middleware and keep their long caching.
A view whose answer is the same for everyone (the emoji picker's data) may set `shared = True` on its
response to keep its own Cache-Control.

Attachments are `no-store` too, rather than `no-cache` (store, but revalidate): revalidation would still leave
a pupil's photo on the disk of a shared classroom computer after the teacher signs out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.decorators import sync_and_async_middleware

PRIVATE = "private, no-store"


def _is_personal(request: HttpRequest, response: HttpResponseBase) -> bool:
    return (
        settings.SESSION_COOKIE_NAME in request.COOKIES
        or "Authorization" in request.headers
        or settings.SESSION_COOKIE_NAME in response.cookies
    )


def _mark(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    if _is_personal(request, response) and not getattr(response, "shared", False):
        # Replaces whatever a view set: no view may make a personal answer cacheable.
        response["Cache-Control"] = PRIVATE
    return response


@sync_and_async_middleware
def private_answers(get_response: Callable[[HttpRequest], Any]) -> Callable[[HttpRequest], Any]:
    """Middleware: mark every answer to a signed-in person `private, no-store` (see the module's docstring)."""
    from asgiref.sync import iscoroutinefunction

    if iscoroutinefunction(get_response):

        async def middleware_async(request: HttpRequest) -> HttpResponseBase:
            return _mark(request, await get_response(request))

        return middleware_async

    def middleware(request: HttpRequest) -> HttpResponseBase:
        return _mark(request, get_response(request))

    return middleware
