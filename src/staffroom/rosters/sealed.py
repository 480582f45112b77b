"""A checked roster, carried from the console's dry run to its confirmation inside the page, signed.

Nothing is kept on the server between the two: the page holds the parsed roster (only what the import reads:
no phone number, no password, nothing of a parent), signed with the site's secret for the person who checked
it, and good for an hour. On confirmation it is planned again against Staffroom as it then is.
"""

from __future__ import annotations

from django.core import signing
from django.utils.translation import gettext as _

from staffroom.accounts.models import Person
from staffroom.errors import Invalid
from staffroom.rosters.parser import Roster

SALT = "staffroom.rosters.sealed"
MAX_AGE_SECONDS = 3600


def seal(roster: Roster, *, person: Person, email_domain: str) -> str:
    data = {"person": person.pk, "organisation": person.organisation_id, "domain": email_domain}
    return signing.dumps({**data, "roster": roster.to_data()}, salt=SALT, compress=True)


def unseal(token: str, *, person: Person) -> tuple[Roster, str]:
    """The roster and email domain `person` checked; Invalid when the token is old, altered or someone else's."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        raise Invalid(
            "file", _("This check is more than an hour old, or was not yours. Upload the file again.")
        ) from None
    if data.get("person") != person.pk or data.get("organisation") != person.organisation_id:
        raise Invalid("file", _("This check is more than an hour old, or was not yours. Upload the file again."))
    return Roster.from_data(data["roster"]), str(data["domain"])
