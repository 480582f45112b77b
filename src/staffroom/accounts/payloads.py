"""The JSON shape of a person, as the API and events show it: name, roles and school, nothing more.

No email, phone or other contact detail appears here (DESIGN.md invariant 3); `me_payload` adds the caller's
own sign-in address for their profile only.
"""

from typing import Any

from staffroom.accounts.models import Person


def person_payload(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "name": person.name,
        "handle": person.handle,
        "roles": person.role_codes,
        "school": person.school.name if person.school_id and person.school else None,
        "school_id": person.school_id,
        "external": person.external,
        "active": person.is_active,
    }


def me_payload(person: Person) -> dict[str, Any]:
    return {
        **person_payload(person),
        "email": person.email,
        "organisation": person.organisation.name,
        "access_ends_on": person.access_ends_on.isoformat() if person.access_ends_on else None,
    }
