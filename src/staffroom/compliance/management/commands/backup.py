"""`staffroom backup PATH`: back up the database and uploaded files while the server serves (compliance/backup.py)."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import Organisation
from staffroom.compliance import actions, audit, backup


class Command(BaseCommand):
    # Run from cron on a serving system (or on a bare one): Django's system checks would only add seconds.
    requires_system_checks: list[str] = []
    help = (
        "Back up the database (SQLite online backup, or pg_dump) and the uploaded files into PATH, a new or empty "
        "directory, with a manifest of SHA-256 digests. Safe while Staffroom serves. Prints one JSON line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="A directory that does not exist yet, or is empty")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        try:
            summary = backup.take(Path(path), now=timezone.now())
        except (backup.BackupRefused, backup.BackupFailed) as exc:
            raise CommandError(str(exc), returncode=exc.exit_code) from exc
        organisations = list(Organisation.objects.order_by("id").values_list("pk", flat=True))
        with audit.origin("cli"):
            for organisation_id in organisations:
                actions.record_backup(
                    acting=ServiceActor(Service.BACKUP, organisation_id), database=summary.database,
                    files=summary.files, bytes_copied=summary.bytes, manifest_sha256=summary.manifest_sha256,
                )  # fmt: skip
        self.stdout.write(
            json.dumps(
                {
                    "backup": str(Path(path).resolve()),
                    "database": summary.database,
                    "files": summary.files,
                    "bytes": summary.bytes,
                    "manifest_sha256": summary.manifest_sha256,
                    "created_at": summary.created_at,
                    "organisations": len(organisations),
                }
            )
        )
