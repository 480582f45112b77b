"""Liveness and readiness probes for load balancers and orchestrators."""

import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The database and the channel layer both answer."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    layer = get_channel_layer()
    if layer is None:
        checks["channel_layer"] = "ok"  # embedded: events fan out in-process, there is nothing to reach
    else:
        try:
            probe = f"readyz.{uuid.uuid4().hex}"
            async_to_sync(layer.group_send)(probe, {"type": "probe"})
            checks["channel_layer"] = "ok"
        except Exception as exc:
            checks["channel_layer"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
