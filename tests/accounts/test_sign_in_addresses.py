"""Sign-in addresses are issued by the school (DESIGN.md invariant 3): nobody adds, removes, verifies or swaps
one for themselves. Every allauth route a signed-in person can reach is walked, so one added by an upgrade of
allauth must be looked at before it ships."""

from __future__ import annotations

import re

import allauth.urls
import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import URLPattern, URLResolver

from staffroom.accounts.models import Person
from tests.factories import PASSWORD

# What the product offers from allauth, and what it closes. A route in neither set fails the walk.
INTENDED = {
    "account_login", "account_logout", "account_inactive", "account_reauthenticate",
    "account_change_password", "account_set_password",
    "account_reset_password", "account_reset_password_done", "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "mfa_index", "mfa_authenticate", "mfa_reauthenticate", "mfa_activate_totp", "mfa_deactivate_totp",
    "mfa_view_recovery_codes", "mfa_generate_recovery_codes", "mfa_download_recovery_codes",
    "mfa_list_webauthn", "mfa_add_webauthn", "mfa_reauthenticate_webauthn", "mfa_remove_webauthn",
    "mfa_edit_webauthn", "mfa_login_webauthn",
    # Single sign-on (accounts/sso.py): signs in only people the school has added, never changes an address.
    "openid_connect_login", "openid_connect_callback",
    "socialaccount_login_cancelled", "socialaccount_login_error",
    "(unnamed) social/login/cancelled/", "(unnamed) social/login/error/",
    "usersessions_list",
}  # fmt: skip
CLOSED = {
    "account_email", "account_email_verification_sent", "account_confirm_email",
    "account_signup", "account_confirm_login_code",
    # Signing up through a provider, and linking other providers' accounts to one's own.
    "socialaccount_signup", "socialaccount_connections",
    "(unnamed) social/signup/", "(unnamed) social/connections/",
}  # fmt: skip

SAMPLE = {"key": "MQ:1tAbCd:abcdefghijklmnop", "uidb36": "1", "provider_id": "google-nowhere", "pk": "1"}


def allauth_routes() -> list[tuple[str, str]]:
    """(name, URL) of every route allauth serves under /accounts/, parameters filled with sample values."""
    found = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                assert isinstance(pattern, URLPattern)
                route = (prefix + str(pattern.pattern)).replace("^", "").replace("$", "")
                route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLE[m.group(1)], route)
                route = re.sub(r"<(?:int:)?(\w+)>", lambda m: SAMPLE[m.group(1)], route)
                found.append((pattern.name or f"(unnamed) {route}", "/accounts/" + route))

    walk(allauth.urls.urlpatterns)
    return found


def addresses() -> set[tuple[int, str, bool, bool]]:
    return set(EmailAddress.objects.values_list("user_id", "email", "primary", "verified"))


def sign_in_emails() -> dict[int, str]:
    return dict(Person.objects.values_list("pk", "email"))


@pytest.fixture
def school_addresses(world):
    """Each person's school address as allauth keeps it once they have signed in: primary and verified."""
    for person in Person.objects.all():
        EmailAddress.objects.create(user=person, email=person.email, primary=True, verified=True)
    return world


def test_every_allauth_route_is_either_intended_or_closed():
    names = {name for name, _url in allauth_routes()}
    assert names == INTENDED | CLOSED, names ^ (INTENDED | CLOSED)


@pytest.mark.parametrize("role", ["pupil", "teacher", "external"])
def test_no_allauth_route_changes_anyones_sign_in_address(school_addresses, role):
    world = school_addresses
    person = getattr(world, role)
    payloads = [
        {"email": "me@personal.example", "action_add": ""},
        {"email": world.head.email, "action_add": ""},
        {"email": world.head.email, "action_primary": ""},
        {"email": person.email, "action_remove": ""},
        {"email": person.email, "action_send": ""},
        {"email": "new@personal.example", "password1": "a long new password", "password2": "a long new password"},
    ]
    before_addresses, before_emails = addresses(), sign_in_emails()
    people = Person.objects.count()
    for _name, url in allauth_routes():
        for data in [None, *payloads]:
            client = Client()
            client.force_login(person)
            response = client.get(url) if data is None else client.post(url, data)
            where = f"{'GET' if data is None else 'POST'} {url} {data}"
            assert response.status_code < 500, where
            assert addresses() == before_addresses, where
            assert sign_in_emails() == before_emails, where
    assert Person.objects.count() == people


@pytest.mark.parametrize("role", ["pupil", "teacher", "external"])
def test_closed_routes_offer_no_form(world, role):
    client = Client()
    client.force_login(getattr(world, role))
    for name, url in allauth_routes():
        if name in CLOSED:
            response = client.get(url)
            main = response.content.decode().partition("<main")[2]
            assert response.status_code in (200, 302, 404), url
            assert "<form" not in main, url


def test_the_address_page_says_the_school_sets_it_and_changes_nothing(world):
    client = Client()
    client.force_login(world.pupil)
    page = client.get("/accounts/email/")
    assert page.status_code == 200
    html = page.content.decode()
    assert world.pupil.email in html
    assert "set by your school" in html
    assert client.post("/accounts/email/", {"email": "me@personal.example", "action_add": ""}).status_code == 405
    assert not EmailAddress.objects.filter(email="me@personal.example").exists()


def test_a_stranger_is_sent_to_sign_in_from_the_address_page(db):
    response = Client().get("/accounts/email/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_email_confirmation_links_lead_nowhere(world):
    client = Client()
    client.force_login(world.teacher)
    assert client.get("/accounts/confirm-email/").status_code == 404
    assert client.post(f"/accounts/confirm-email/{SAMPLE['key']}/").status_code == 404


def test_sign_up_stays_closed(db):
    client = Client()
    response = client.post(
        "/accounts/signup/", {"email": "new@personal.example", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code < 500
    assert not Person.objects.filter(email="new@personal.example").exists()


def test_the_intended_pages_still_work(world):
    client = Client()
    client.force_login(world.teacher)
    for url in ["/accounts/password/change/", "/accounts/2fa/", "/accounts/sessions/", "/accounts/logout/"]:
        assert client.get(url).status_code == 200, url
    changed = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a brand new passphrase", "password2": "a brand new passphrase"},
    )
    assert changed.status_code == 302
    world.teacher.refresh_from_db()
    assert world.teacher.check_password("a brand new passphrase")
