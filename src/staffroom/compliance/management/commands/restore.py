"""`staffroom restore PATH`: restore a backup into an empty data directory (compliance/backup.py)."""

import json
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import Organisation
from staffroom.compliance import actions, audit, backup


class Command(BaseCommand):
    # Run from cron on a serving system (or on a bare one): Django's system checks would only add seconds.
    requires_system_checks: list[str] = []
    help = (
        "Restore the backup in PATH into the configured database and files directory, which must be empty. Every "
        "file is checked against the backup's manifest first. Prints one JSON line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="A directory written by `staffroom backup`")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        try:
            summary = backup.restore(Path(path))
        except (backup.BackupRefused, backup.BackupFailed) as exc:
            raise CommandError(str(exc), returncode=exc.exit_code) from exc
        # A backup from an older release: bring its database up to this one, as `staffroom migrate` would.
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            call_command("migrate", interactive=False, verbosity=0)
        organisations = list(Organisation.objects.order_by("id"))
        with audit.origin("cli"):
            for organisation in organisations:
                actions.record_restore(
                    acting=ServiceActor(Service.BACKUP, organisation.pk), database=summary.database,
                    files=summary.files, manifest_sha256=summary.manifest_sha256,
                    backup_created_at=summary.created_at,
                )  # fmt: skip
        broken = [o.name for o in organisations if not audit.verify(o).ok]
        self.stdout.write(
            json.dumps(
                {
                    "restored": str(Path(path).resolve()),
                    "database": summary.database,
                    "files": summary.files,
                    "bytes": summary.bytes,
                    "manifest_sha256": summary.manifest_sha256,
                    "backup_created_at": summary.created_at,
                    "migrations_applied": len(pending),
                    "organisations": len(organisations),
                    "audit_chains_intact": not broken,
                }
            )
        )
        if broken:
            raise CommandError(
                f"Restored, but the audit chain of {', '.join(broken)} does not verify: run `staffroom audit verify` "
                "for where. It was already broken when the backup was taken.",
                returncode=1,
            )
