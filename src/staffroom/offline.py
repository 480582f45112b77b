"""What the service worker needs to keep conversations readable offline, and to forget them.

- Every answer says whose pages it holds in the `Staffroom-Offline-Key` header: a key derived from the session
  (not the session key itself, which must never reach a script), or `none` when nobody is signed in. The service
  worker keeps the pages it may show offline in a cache named after that key, and drops every other cache of pages
  as soon as an answer names another key or `none`. So a page kept for one person is never shown to the next,
  and signing out, being signed out elsewhere or an ended session empties the cache on the next page load,
  even in a browser that ignores Clear-Site-Data.
- Signing out (allauth's view, or any view that calls `logout`) and reporting a lost device answer with
  `Clear-Site-Data: "cache", "storage"`: the browser drops the kept pages, the unsent messages waiting on this
  device and the service worker's storage at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.crypto import salted_hmac

KEY_HEADER = "Staffroom-Offline-Key"
CLEAR_SITE_DATA = '"cache", "storage"'
NOBODY = "none"
_FORGET = "_staffroom_forget_device"


def forget_this_device(request: HttpRequest) -> None:
    """Make this answer tell the browser to drop what it keeps for offline use (a lost device reported)."""
    setattr(request, _FORGET, True)


def offline_key(request: HttpRequest) -> str:
    """The name of this session's cache of pages; changes with the session, reveals nothing of it."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    session_key = session.session_key if session is not None else None
    if user is None or not user.is_authenticated or not session_key:
        return NOBODY
    return salted_hmac("staffroom.offline-key", session_key, algorithm="sha256").hexdigest()[:32]


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class OfflineMiddleware:
    """Adds the offline key to every answer and Clear-Site-Data to the one that signs someone out. Placed after
    the authentication middleware, so it sees who was signed in before the view ran."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        was_signed_in = _signed_in(request)
        response: HttpResponseBase = self.get_response(request)
        signed_out = was_signed_in and not _signed_in(request)  # `logout` replaces request.user
        if signed_out or getattr(request, _FORGET, False):
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
            response[KEY_HEADER] = NOBODY
        else:
            response[KEY_HEADER] = offline_key(request)
        return response
