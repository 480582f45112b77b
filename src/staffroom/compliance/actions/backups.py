"""A backup or a restore of the whole system, noted in each organisation's audit log.

`staffroom backup` and `staffroom restore` (compliance/backup.py does the work) act for every organisation at
once, so each organisation's chain gets one entry, by the service "Backup and restore", holding counts and the
backup's manifest digest: never a path, a name or any content. The digest ties a backup on the shelf to the
log: a manifest whose SHA-256 is not in the log was not written by `staffroom backup` here.
"""

from __future__ import annotations

from django.db import transaction

from staffroom.accounts import permissions
from staffroom.accounts.actors import Actor
from staffroom.accounts.models import Organisation
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import NotFound


def _organisation(acting: Actor) -> Organisation:
    organisation = Organisation.objects.filter(pk=acting.organisation_id).first()
    if organisation is None:
        raise NotFound()
    permissions.require(acting, "records.backup", organisation)
    return organisation


def record_backup(*, acting: Actor, database: str, files: int, bytes_copied: int, manifest_sha256: str) -> None:
    """Note in the acting service's organisation that a backup was taken (after its manifest was written)."""
    organisation = _organisation(acting)
    with transaction.atomic():
        audit.record(
            acting, AuditAction.BACKUP_TAKEN, organisation=organisation,
            data={"database": database, "files": files, "bytes": bytes_copied, "manifest_sha256": manifest_sha256},
        )  # fmt: skip


def record_restore(*, acting: Actor, database: str, files: int, manifest_sha256: str, backup_created_at: str) -> None:
    """Note in the acting service's organisation that its records were restored from this backup."""
    organisation = _organisation(acting)
    with transaction.atomic():
        audit.record(
            acting, AuditAction.BACKUP_RESTORED, organisation=organisation,
            data={
                "database": database, "files": files, "manifest_sha256": manifest_sha256,
                "backup_created_at": backup_created_at,
            },
        )  # fmt: skip
