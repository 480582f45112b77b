"""The language to speak to someone in when there is no request to ask: their own choice (Preferences.language,
"en" or "cy") as a Django language code, else British English. Pages use web/language.py, which also listens
to the browser; pushes and emails sent by the worker use this, wrapped in `translation.override`."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from staffroom.accounts.models import Preferences

# Preferences.language -> the Django language code in settings.LANGUAGES.
DJANGO_LANGUAGE = {"en": "en-gb", "cy": "cy"}


def django_language(stored: str | None) -> str:
    """The Django language code for a stored choice; the site's own (British English) without one."""
    return DJANGO_LANGUAGE.get(stored or "", settings.LANGUAGE_CODE)


def of_people(person_ids: Iterable[int]) -> dict[int, str]:
    """Each person's Django language code (everyone asked for is in the answer)."""
    ids = list(person_ids)
    stored = dict(Preferences.objects.filter(person_id__in=ids).values_list("person_id", "language"))
    return {person_id: django_language(stored.get(person_id)) for person_id in ids}


def chosen_for_address(email: str) -> str | None:
    """The Django language code chosen by whoever signs in with `email`; None when nobody does or they never
    chose (then the page that sends the email keeps its own language)."""
    stored = Preferences.objects.filter(person__email__iexact=email.strip()).values_list("language", flat=True).first()
    return DJANGO_LANGUAGE.get(stored) if stored else None
