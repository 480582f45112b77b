"""The language a page is shown in: the person's own choice, else the browser's, else English (en-GB).

LocaleMiddleware has already chosen from Accept-Language (or the default) before the sign-in is known; this
middleware, after AuthenticationMiddleware, switches to the language a signed-in person chose on their
profile (Preferences.language: "en" or "cy"), so the choice follows them to any browser.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from staffroom.accounts.languages import DJANGO_LANGUAGE
from staffroom.accounts.models import Preferences

# The Django language code -> the BCP 47 tag a page's <html lang> says.
HTML_LANG = {"en-gb": "en-GB", "cy": "cy"}


def chosen_language(request: HttpRequest) -> str | None:
    """The Django language code the signed-in person chose, or None (signed out, or never chose)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    stored = Preferences.objects.filter(person_id=user.pk).values_list("language", flat=True).first()
    return DJANGO_LANGUAGE.get(stored or "")


def html_lang(language: str | None = None) -> str:
    code = (language or translation.get_language() or "en-gb").lower()
    return HTML_LANG.get(code, code)


class PersonLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request)
        if language is not None and language != translation.get_language():
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
