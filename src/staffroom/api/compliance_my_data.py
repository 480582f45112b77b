"""Download my data: `GET /api/v1/me/export`, for anyone signed in (pupils and externals too)."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from ninja import Router

from staffroom.api.auth import caller
from staffroom.api.schemas import answers
from staffroom.compliance import actions
from staffroom.compliance.bundle import spooled_download

router = Router(tags=["people"])


@router.get(
    "/export", response=answers({200: None}), summary="Download my data",
    openapi_extra={"responses": {"200": {"description": "The ZIP", "content": {"application/zip": {}}}}},
)  # fmt: skip
def export(request: HttpRequest) -> HttpResponseBase:
    """A ZIP of the messages you wrote (deleted ones excepted) in every conversation, and the files you sent:
    a readable index.html, messages.json, the files, and manifest.json of their SHA-256 digests. A few each
    hour (429 with Retry-After after that)."""
    viewer = caller(request)
    response, _summary = spooled_download(
        lambda target: actions.export_my_data(acting=viewer, target=target),
        filename=f"staffroom-my-data-{timezone.localdate().isoformat()}.zip",
    )
    return response
