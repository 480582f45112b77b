"""`staffroom permissions_table`: print the role x action x scope table as Markdown."""

from typing import Any

from django.core.management.base import BaseCommand

from staffroom.accounts.permissions import table_markdown


class Command(BaseCommand):
    help = "Print the permission table (docs/permissions.md is generated from it)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(table_markdown(), ending="")
