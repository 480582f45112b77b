"""File uploads: checked and stored first, then attached to a message by id."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Status, UploadedFile

from staffroom.api.auth import caller
from staffroom.api.schemas import AttachmentOut, answers
from staffroom.errors import TooLarge
from staffroom.messaging import actions
from staffroom.messaging.payloads import attachment_payload

router = Router(tags=["uploads"])


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


@router.post(
    "/uploads", response=answers({201: AttachmentOut}, extra_errors=frozenset({413, 415, 503})), summary="Upload a file"
)
def upload(request: HttpRequest, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    """Upload one file as multipart field `file`, then send its `id` in a message's `attachment_ids`.
    Pictures, PDFs, Office documents and plain text are accepted; pictures lose their location and other
    metadata before they are stored.

    Files not yet sent are limited per person (413 `quota_exceeded`: send or discard some first) and deleted
    after a day; everything uploaded in 24 hours is limited too (429 with `Retry-After`). When the server is
    already processing as many pictures as it can, it answers 503 with `Retry-After`: send the same again."""
    acting = caller(request)
    limit = settings.STAFFROOM_MAX_UPLOAD_BYTES
    # Refuse by the size Django already counted, before the file is read into memory.
    if file.size is not None and file.size > limit:
        raise TooLarge(
            _("Files can be at most %(limit)s; this one is %(size)s.")
            % {"limit": _megabytes(limit), "size": _megabytes(file.size)},
            field="file",
        )
    data = file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(_("Files can be at most %(limit)s.") % {"limit": _megabytes(limit)}, field="file")
    attachment = actions.store_upload(
        acting=acting, data=data, filename=file.name or "", declared_type=file.content_type or ""
    )
    return Status(201, attachment_payload(attachment))


@router.delete("/uploads/{attachment_id}", response=answers({204: None}), summary="Discard an unsent upload")
def discard(request: HttpRequest, attachment_id: UUID) -> Status[None]:
    """Delete a file you uploaded but have not sent, so that it no longer counts against your allowance.
    A file already on a message cannot be removed this way (404)."""
    actions.discard_upload(str(attachment_id), acting=caller(request))
    return Status(204, None)
