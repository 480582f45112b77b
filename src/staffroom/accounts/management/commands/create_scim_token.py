"""`staffroom create_scim_token [--organisation SLUG]`: issue a SCIM provisioning token and print it alone."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from staffroom.accounts import actions
from staffroom.accounts.models import Organisation, School
from staffroom.compliance import audit
from staffroom.errors import StaffroomError


class Command(BaseCommand):
    help = (
        "Create a token for the identity provider's SCIM provisioning (/scim/v2/) and print it (shown once). "
        "Without --organisation, the only organisation is meant."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--organisation", default="", help="The organisation's slug (needed when there are several)."
        )
        parser.add_argument("--label", default="", help="What the token is for, e.g. 'Entra ID'.")
        parser.add_argument(
            "--domain", default="", help="Domain that completes a userName sent without '@' into a sign-in address."
        )
        parser.add_argument("--school", default="", help="Name of the school for people the directory gives none.")

    def handle(self, *args: Any, organisation: str, label: str, domain: str, school: str, **options: Any) -> None:
        org = self._organisation(organisation)
        school_id = None
        if school:
            found = School.objects.filter(organisation=org, name__iexact=school.strip()).first()
            if found is None:
                names = ", ".join(org.schools.order_by("name").values_list("name", flat=True))
                raise CommandError(f"No school called {school!r} in {org.name}. Its schools: {names}.")
            school_id = found.pk
        try:
            with audit.origin("cli"):
                _token, raw = actions.create_scim_token(
                    org.pk, acting=None, label=label or "command line", domain=domain, default_school_id=school_id
                )
        except StaffroomError as error:
            raise CommandError(error.message) from None
        self.stdout.write(raw)

    def _organisation(self, slug: str) -> Organisation:
        if slug:
            found = Organisation.objects.filter(slug=slug).first()
            if found is None:
                raise CommandError(f"No organisation with the slug {slug!r}.")
            return found
        organisations = list(Organisation.objects.order_by("pk")[:2])
        if not organisations:
            raise CommandError("There is no organisation yet. Run `staffroom seed_demo`, or create one first.")
        if len(organisations) > 1:
            slugs = ", ".join(Organisation.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(f"There are several organisations: say which with --organisation ({slugs}).")
        return organisations[0]
