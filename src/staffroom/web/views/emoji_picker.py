"""The emoji picker's data: every fully-qualified emoji of the kept data set with its English name, grouped.

The same for everyone, so it is cached for a year under a URL that carries the data set's version; a page
names the current URL, and an old version is 404 rather than stale data under a new name.
"""

from __future__ import annotations

import functools
import json

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from staffroom.messaging import emoji_set

YEAR = 365 * 24 * 60 * 60


@functools.cache
def _body() -> bytes:
    return json.dumps(emoji_set.catalogue(), ensure_ascii=False, separators=(",", ":")).encode()


@require_GET
def emoji_data(request: HttpRequest, version: str) -> HttpResponse:
    if version != emoji_set.VERSION:
        raise Http404
    response = HttpResponse(_body(), content_type="application/json; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response.shared = True  # type: ignore[attr-defined]  # see staffroom.cache_control
    return response
