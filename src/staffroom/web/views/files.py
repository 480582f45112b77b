"""Serving an attachment to someone who may see it, so that it can never run as part of this site."""

from __future__ import annotations

from uuid import UUID

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from staffroom.messaging import queries
from staffroom.web.guards import signed_in_or_token
from staffroom.web.pages import viewer_of

# Shown in the page: only the image types the upload checks re-encode. Everything else is downloaded.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
# Opened on its own, a file gets no scripts, no plugins, no forms and no access to the site's origin.
FILE_CSP = "default-src 'none'; img-src 'self'; sandbox; frame-ancestors 'none'"


@signed_in_or_token
@require_GET
def attachment(request: HttpRequest, attachment_id: UUID) -> FileResponse:
    """The file, to a browser's session or an API client's bearer token, if its person may see it (a member of
    the message's conversation, a safeguarding lead overseeing it, or the uploader of a file not yet sent)."""
    found = queries.get_attachment(viewer_of(request), str(attachment_id))
    try:
        handle = found.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404() from None
    inline = found.content_type in INLINE_TYPES
    response = FileResponse(handle, as_attachment=not inline, filename=found.filename, content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    # Cache-Control: private, no-store comes from staffroom.cache_control, as for every personal answer.
    return response
