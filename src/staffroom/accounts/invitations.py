"""Emails that let someone set their first password: an approved external's invitation. The link is allauth's
password-reset link (single use, expires), so setting the password goes through allauth's own pages and
checks; only the words around it differ."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.http import HttpRequest
from django.urls import reverse

from staffroom.accounts.models import Person


def set_password_url(request: HttpRequest, person: Person) -> str:
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(person), "key": default_token_generator.make_token(person)},
    )
    return request.build_absolute_uri(path)


def send_external_invitation(request: HttpRequest, person: Person, *, sponsor: Person) -> None:
    """Email an approved external their invitation. A failure to send is logged by the adapter, and the admin
    can send a sign-in link again from the console."""
    school = person.school.name if person.school else person.organisation.name
    context = {"person": person, "sponsor": sponsor.name, "school": school, "url": set_password_url(request, person)}
    get_adapter(request).send_mail("account/email/external_invitation", person.email, context)
