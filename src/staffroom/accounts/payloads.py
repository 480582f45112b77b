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


def admin_person_payload(person: Person) -> dict[str, Any]:
    """A person as the school's admins see them: their sign-in address, leave date and when last seen too
    (DESIGN.md). Never a phone number or a personal address: Staffroom holds none."""
    last_seen = getattr(person, "last_seen", None)
    return {
        **person_payload(person),
        "email": person.email,
        "leaves_on": person.access_ends_on.isoformat() if person.access_ends_on else None,
        "last_seen": last_seen.isoformat() if last_seen else None,
        "left_at": person.left_at.isoformat() if person.left_at else None,
    }
