"""What makes Staffroom an installable app: the web app manifest, the service worker (at the root, so its scope
is the whole site) and the page it shows offline. None of them holds anything about the person asking."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from staffroom.web.language import html_lang

THEME_COLOUR = "#1f4fb5"
# The app shell the service worker keeps: what every page loads, and the offline page.
SHELL_FILES = (
    "staffroom/app.css",
    "staffroom/page.js",
    "staffroom/live.js",
    "staffroom/device.js",
    "staffroom/offline.js",
    "staffroom/offline-sw.js",
    "staffroom/vendor/htmx-2.0.11.min.js",
    "staffroom/favicon.svg",
    "staffroom/icons/icon-192.png",
    "staffroom/icons/badge-96.png",
    "staffroom/chime.wav",
)


@functools.cache
def shell_version() -> str:
    """Changes whenever a shell file or the worker itself changes, so each release gets a fresh cache."""
    digest = hashlib.sha256()
    for name in SHELL_FILES:
        path = finders.find(name)
        digest.update(name.encode())
        if isinstance(path, str):
            with open(path, "rb") as file:
                digest.update(file.read())
    # In one language whatever the request, so every process computes the same version.
    with translation.override(settings.LANGUAGE_CODE):
        for template in ("staffroom/app/sw.js", "staffroom/app/offline.html"):
            digest.update(render_to_string(template, {"version": "", "shell": "[]", "forget_paths": "[]"}).encode())
    return digest.hexdigest()[:12]


def _no_cache(response: HttpResponse) -> HttpResponse:
    # Checked again on every load, so a new release (a new worker, a new shell) reaches every device at once.
    # (Signed-in answers become "private, no-store" in staffroom.cache_control: stricter still.)
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    icons: list[dict[str, Any]] = [
        {"src": static(f"staffroom/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
         "purpose": "any"}
        for size in (192, 512)
    ] + [
        {"src": static(f"staffroom/icons/maskable-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
         "purpose": "maskable"}
        for size in (192, 512)
    ]  # fmt: skip
    document = {
        "id": "/",
        "name": "Staffroom",
        "short_name": "Staffroom",
        # In the language of the request (a home screen shows these), like the pages.
        "description": _("Your school's staff messages, announcements and class channels."),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "lang": html_lang(),
        "dir": "ltr",
        "theme_color": THEME_COLOUR,
        "background_color": "#ffffff",
        "categories": ["education", "productivity", "social"],
        "icons": icons,
    }
    response = JsonResponse(document, content_type="application/manifest+json")
    patch_vary_headers(response, ["Accept-Language"])
    return _no_cache(response)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    shell = [static(name) for name in SHELL_FILES] + [reverse("web:offline")]
    body = render_to_string(
        "staffroom/app/sw.js",
        {
            "version": shell_version(),
            "shell": json.dumps(shell),
            "offline_url": reverse("web:offline"),
            "offline_sw_url": static("staffroom/offline-sw.js"),
            # A page posting to these ends the session: the worker drops the kept pages before it goes.
            "forget_paths": json.dumps([reverse("account_logout"), reverse("web:lost_device")]),
            "icon_url": static("staffroom/icons/icon-192.png"),
            "badge_url": static("staffroom/icons/badge-96.png"),
        },
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    return _no_cache(response)


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    return _no_cache(render(request, "staffroom/app/offline.html"))
