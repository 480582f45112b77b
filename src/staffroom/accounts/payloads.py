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


def preferences_payload(person: Person) -> dict[str, Any]:
    """A person's settings as they stand, with the working hours in force (their own, or their school's)."""
    from staffroom.accounts import working_hours
    from staffroom.accounts.models import Language, Notify, Preferences

    preferences = Preferences.objects.filter(person=person).first()
    hours, source = working_hours.hours_of(person, preferences)
    return {
        "language": preferences.language if preferences else Language.EN.value,
        "notify": preferences.notify if preferences else Notify.ALL.value,
        "quiet_hours": hours.as_dict(),
        "quiet_hours_from": source,
        "sound": preferences.sound if preferences else False,
    }


def device_payload(subscription: Any) -> dict[str, Any]:
    """One device with notifications on, as its owner sees it (never its push address or keys)."""
    return {
        "id": subscription.pk,
        "label": subscription.label,
        "created_at": subscription.created_at.isoformat(),
        "last_success_at": subscription.last_success_at.isoformat() if subscription.last_success_at else None,
    }
