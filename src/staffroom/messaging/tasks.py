"""Messaging's scheduled work. The worker calls these periodically; each is also a management command, so an
operator can run it by hand. They log counts only: never a file's name or content, which can be personal data."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from staffroom.accounts import permissions
from staffroom.accounts.actors import Service, ServiceActor
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.messaging.models import Attachment

logger = logging.getLogger(__name__)

# Rows deleted per transaction: each batch holds its row locks only briefly, so sends are never kept waiting.
PURGE_BATCH = 500


def purge_unclaimed_uploads(now: datetime | None = None) -> int:
    """Delete uploads that were not put on a message within STAFFROOM_UNSENT_UPLOAD_HOURS, and their files.
    Returns how many were deleted. Files on messages are never touched here (retention decides those)."""
    hours = settings.STAFFROOM_UNSENT_UPLOAD_HOURS
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    storage = Attachment._meta.get_field("file").storage
    purged = freed = file_errors = 0

    def delete_files(names: list[str]) -> None:
        nonlocal file_errors
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                file_errors += 1  # the row is gone; an orphaned file is found by its missing row, never served

    while True:
        with transaction.atomic():
            # Claiming a file (send_message) is a conditional UPDATE ... WHERE message IS NULL on the same row.
            # The rows taken here are locked and then deleted in this transaction, so a send either claimed a
            # row first (it no longer matches), or finds it gone when it gets there and fails whole. A row a
            # send holds right now is skipped, not waited for: it is claimed, or is taken on the next run.
            batch = list(
                Attachment.objects.select_for_update(skip_locked=True)
                .filter(message__isnull=True, created_at__lt=cutoff)
                .order_by("created_at")
                .values_list("pk", "organisation_id", "size", "file")[:PURGE_BATCH]
            )
            if not batch:
                break
            Attachment.objects.filter(pk__in=[pk for pk, *_ in batch]).delete()
            uploads, sizes = Counter[int](), Counter[int]()
            for _pk, organisation_id, size, _name in batch:
                uploads[organisation_id] += 1
                sizes[organisation_id] += size
            for organisation_id in sorted(uploads):
                worker = ServiceActor(Service.WORKER, organisation_id)
                permissions.require(worker, "records.purge", None)
                counts = {"uploads": uploads[organisation_id], "bytes": sizes[organisation_id]}
                audit.record(
                    worker, AuditAction.UPLOADS_PURGED, organisation=organisation_id,
                    data={**counts, "older_than_hours": hours},
                )  # fmt: skip
            # Files go only once their rows are gone for good: a rolled-back purge leaves every file in place.
            names = [name for *_, name in batch]
            transaction.on_commit(lambda names=names: delete_files(names))  # type: ignore[misc]
        purged += len(batch)
        freed += sum(size for _pk, _org, size, _name in batch)
        if len(batch) < PURGE_BATCH:
            break
    logger.info(
        "purged unsent uploads",
        extra={"uploads": purged, "bytes": freed, "file_errors": file_errors, "older_than_hours": hours},
    )
    return purged
