"""`staffroom create_token EMAIL`: issue an API token and print it alone on stdout."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from staffroom.accounts import actions
from staffroom.accounts.models import Person
from staffroom.compliance import audit


class Command(BaseCommand):
    help = "Create an API token for the person with this email and print it (shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--label", default="cli")

    def handle(self, *args: Any, email: str, label: str, **options: Any) -> None:
        person = Person.objects.filter(email__iexact=email.strip()).first()
        if person is None:
            raise CommandError(f"No person with the email {email!r}.")
        if not person.may_use_staffroom():
            raise CommandError(f"{email} is not active, or their access has ended; a token would not work.")
        with audit.origin("cli"), transaction.atomic():
            raw = actions.create_token(person, acting=person, label=label)
        self.stdout.write(raw)
