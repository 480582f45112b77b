"""ASGI entry point: HTTP goes to Django, `/ws/events` to the events consumer."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffroom.settings")
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from staffroom.admission import Admission  # noqa: E402
from staffroom.realtime.consumers import EventsConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": Admission.from_settings(django_application),
        "websocket": AuthMiddlewareStack(URLRouter([path("ws/events", EventsConsumer.as_asgi())])),
    }
)
