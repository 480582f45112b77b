"""Someone who may no longer use Staffroom (an external past their end date, a leaver) gets nothing, on any route.

Sign-in refuses them (accounts.adapter), the API and the socket refuse their tokens and sessions, and this
middleware ends a browser session that outlived their access at its very next request, whatever the route: a
web page, an allauth page or the API. Their end date passing changes nothing in the database, so there is no
moment at which to end their sessions in advance; the next request is that moment.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from staffroom.accounts import actions
from staffroom.accounts.models import Person


def refusal(person: Person) -> str:
    """What to tell someone who may not use Staffroom: why, and whom to ask. Nothing about any conversation."""
    if person.is_active and person.access_ends_on is not None:
        return _(
            "Your access to Staffroom ended on %(date)s. If you still need it, ask the member of staff who "
            "invited you to request it again."
        ) % {"date": date_format(person.access_ends_on, "j F Y")}
    return _("This account is no longer active. If you think this is a mistake, ask your school's IT admin.")


class AccessMiddleware:
    """Ends the session of a person who may no longer use Staffroom, then lets the request go on as a stranger's
    (so every route answers as it does to someone signed out: the sign-in page, or 401 for the API)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        person = self._person_without_access(request)
        if person is not None:
            actions.end_access(person)
            request.session.flush()
            request.user = AnonymousUser()
            if not request.path.startswith("/api/"):
                messages.error(request, refusal(person))
        return self.get_response(request)

    @staticmethod
    def _person_without_access(request: HttpRequest) -> Person | None:
        person_id = request.session.get(SESSION_KEY)
        if person_id is None:
            return None
        user = request.user
        # Django's backends do not load an inactive person at all (the request looks signed out), but the
        # session still names them: look them up so that it is ended, and they are told why.
        person = user if isinstance(user, Person) else Person.objects.filter(pk=person_id).first()
        if person is None or person.may_use_staffroom():
            return None
        return person
