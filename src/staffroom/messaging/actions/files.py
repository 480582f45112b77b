"""Files people upload before sending them: checks, allowances, and taking one back."""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from staffroom import ratelimit
from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import QuotaExceeded, RateLimited
from staffroom.messaging import uploads
from staffroom.messaging.models import (
    Attachment,
)
from staffroom.safeguarding import photos


def store_upload(*, acting: Person, data: bytes, filename: str, declared_type: str = "") -> Attachment:
    """Check an uploaded file (type from content, size, image safety), strip image metadata, and keep it
    until a message claims it. Refused once the person's unsent files or their day's uploads reach their
    allowance (settings STAFFROOM_*UPLOAD*)."""
    permissions.require(acting, "upload.create", acting.organisation)
    ratelimit.hit(f"upload:{acting.pk}", limit=30, window_seconds=60)
    # Early, so a person at their allowance costs no image decoding; checked again under the lock below.
    _check_upload_allowance(acting, len(data))
    checked = uploads.inspect_upload(
        data,
        filename,
        declared_type,
        max_bytes=settings.STAFFROOM_MAX_UPLOAD_BYTES,
        max_pixels=settings.STAFFROOM_MAX_IMAGE_PIXELS,
        slots=uploads.reencode_slots(settings.STAFFROOM_IMAGE_REENCODES),
        wait_seconds=settings.STAFFROOM_IMAGE_WAIT_SECONDS,
    )
    # Outside the transaction: looking for faces costs tens of milliseconds, and never the upload itself.
    faces = photos.faces_in_upload(checked.data) if checked.width is not None else None
    attachment = Attachment(
        organisation_id=acting.organisation_id,
        uploaded_by=acting,
        filename=checked.filename,
        content_type=checked.content_type,
        size=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest(),
        width=checked.width,
        height=checked.height,
        faces=faces,
    )
    attachment.file.save(attachment.filename, ContentFile(checked.data), save=False)
    try:
        with transaction.atomic():
            # The uploader's row lock queues their concurrent uploads, so two cannot both fit in the last place
            # (on SQLite, BEGIN IMMEDIATE already queues every writer).
            Person.objects.select_for_update(no_key=True).filter(pk=acting.pk).exists()
            _check_upload_allowance(acting, attachment.size)
            attachment.save()
            audit.record(
                acting, AuditAction.UPLOAD_STORED, target=attachment,
                data={
                    "content_type": checked.content_type, "size": attachment.size, "sha256": attachment.sha256,
                    **({"faces": faces} if faces else {}),
                },
            )  # fmt: skip
    except BaseException:
        attachment.file.delete(save=False)  # no row, no file: nothing half-written is left behind
        raise
    return attachment


def _check_upload_allowance(acting: Person, size: int) -> None:
    """Raise unless `acting` may store `size` more bytes: a cap on files waiting to be sent (count and bytes),
    and on everything uploaded in the last 24 hours. Pupils have smaller allowances than staff."""
    if acting.is_pupil:
        max_files = settings.STAFFROOM_PUPIL_UNSENT_UPLOAD_FILES
        max_bytes = settings.STAFFROOM_PUPIL_UNSENT_UPLOAD_BYTES
        daily_bytes = settings.STAFFROOM_PUPIL_DAILY_UPLOAD_BYTES
    else:
        max_files = settings.STAFFROOM_UNSENT_UPLOAD_FILES
        max_bytes = settings.STAFFROOM_UNSENT_UPLOAD_BYTES
        daily_bytes = settings.STAFFROOM_DAILY_UPLOAD_BYTES
    from staffroom.messaging import queries

    now = timezone.now()
    day = timedelta(hours=24)
    usage = queries.upload_usage(acting, since=now - day)
    if usage.unsent_files + 1 > max_files or usage.unsent_bytes + size > max_bytes:
        waiting = ngettext(
            "You have %(count)d file (%(size)s) uploaded but not sent yet",
            "You have %(count)d files (%(size)s) uploaded but not sent yet",
            usage.unsent_files,
        ) % {"count": usage.unsent_files, "size": filesizeformat(usage.unsent_bytes)}
        raise QuotaExceeded(
            _(
                "%(waiting)s, and you may keep at most %(files)d files or %(limit)s waiting. Send them in a "
                "message, or remove the ones you do not need, then try again. Files that are not sent are "
                "deleted after %(hours)d hours."
            )
            % {
                "waiting": waiting,
                "files": max_files,
                "limit": filesizeformat(max_bytes),
                "hours": settings.STAFFROOM_UNSENT_UPLOAD_HOURS,
            },
            field="file",
        )
    if usage.recent_bytes + size > daily_bytes:
        # When the oldest upload of the last day stops counting: the earliest moment a retry could fit.
        frees_at = (usage.oldest_recent or now) + day
        raise RateLimited(
            _(
                "You have uploaded %(size)s in the last 24 hours, and the most is %(limit)s a day. Please try "
                "again later, or ask your school's IT administrator if you need to share more."
            )
            % {"size": filesizeformat(usage.recent_bytes), "limit": filesizeformat(daily_bytes)},
            field="file",
            retry_after=max(1, math.ceil((frees_at - now).total_seconds())),
        )


def discard_upload(attachment_id: str, *, acting: Person) -> None:
    """Delete one of one's own uploads that is not on a message yet, with its file. Only the uploader can, and
    only before it is sent: a file on a message is part of the record."""
    from staffroom.messaging import queries

    # Taking back one's own upload is part of uploading; the query below finds only one's own unsent files.
    permissions.require(acting, "upload.create", acting.organisation)
    with transaction.atomic():
        # Locked, so a send cannot claim it between this check and the delete.
        attachment = queries.own_unsent_upload(acting, attachment_id, lock=True)
        Attachment.objects.filter(pk=attachment.pk).delete()
        audit.record(acting, AuditAction.UPLOAD_DISCARDED, target=attachment, data={"size": attachment.size})
        # The file goes only once the row is gone for good.
        transaction.on_commit(lambda: attachment.file.delete(save=False))
