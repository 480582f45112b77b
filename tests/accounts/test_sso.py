"""Single sign-on against a real OpenID Connect provider (`oidc-provider-mock`, served over HTTP in a thread):
the whole authorization-code flow runs, Django's test client on one side and the provider on the other, and
allauth fetches the discovery document, exchanges the code and reads the userinfo endpoint over HTTP.

The provider only vouches for an address; the school decides who is in Staffroom (DESIGN.md invariant 3)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from allauth.socialaccount.models import SocialAccount
from django.db import connection
from django.test import Client
from oidc_provider_mock import run_server_in_thread

from staffroom.accounts import actions
from staffroom.accounts.models import Person, Role, SignInProvider
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import AuditEntry
from tests import factories

PHONE = "+44 7700 900123"


@pytest.fixture(scope="module")
def idp():
    """The identity provider: a real OpenID Connect server on a free port, for the whole module."""
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@dataclass
class SignIn:
    """How a sign-in through the provider ended, as the browser saw it."""

    client: Client
    response: object
    authorize_url: str

    @property
    def signed_in_as(self) -> int | None:
        value = self.client.session.get("_auth_user_id")
        return int(value) if value else None

    @property
    def page(self) -> str:
        return self.response.content.decode()  # type: ignore[attr-defined]


def set_user(idp: str, sub: str, claims: dict) -> None:
    """What the provider will say about this person (its account for them, as the school's IT set it up)."""
    httpx.put(f"{idp}/users/{sub}", json=claims).raise_for_status()


def sign_in(idp: str, provider: SignInProvider, sub: str, *, query: str = "", client: Client | None = None) -> SignIn:
    """Press "Sign in with ...", let the provider sign `sub` in, and follow it back to Staffroom's callback."""
    client = client or Client()
    start = client.post(f"/accounts/oidc/{provider.app.provider_id}/login/{query}")
    assert start.status_code == 302, start.content[:500]
    authorize_url = start["Location"]
    assert authorize_url.startswith(f"{idp}/oauth2/authorize?")
    # The person signs in at the provider, which sends the browser back with a code.
    at_provider = httpx.post(authorize_url, data={"sub": sub}, follow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text[:500]
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == f"/accounts/oidc/{provider.app.provider_id}/login/callback/"
    response = client.get(f"{back.path}?{back.query}")
    return SignIn(client, response, authorize_url)


@pytest.fixture
def google(world, idp):
    """The world's organisation signs in with "Google", here served by the test provider."""
    return actions.configure_sign_in_provider(
        "google", acting=world.admin, client_id="staffroom-test", client_secret="not-a-real-secret", issuer=idp,
    )  # fmt: skip


def google_claims(person_or_address, **extra) -> dict:
    address = person_or_address if isinstance(person_or_address, str) else person_or_address.email
    return {"email": address, "email_verified": True, "name": "From The Provider", **extra}


def test_an_existing_teacher_signs_in_with_their_school_account(world, idp, google):
    set_user(idp, "teacher-sub", google_claims(world.teacher))
    result = sign_in(idp, google, "teacher-sub")
    assert result.response.status_code == 302
    assert result.response["Location"] == "/"
    assert result.signed_in_as == world.teacher.pk
    home = result.client.get("/")
    assert home.status_code == 200
    account = SocialAccount.objects.get(user=world.teacher)
    assert account.provider == google.app.provider_id and account.uid == "teacher-sub"


def test_the_sign_in_and_the_link_are_audited(world, idp, google):
    set_user(idp, "teacher-sub", google_claims(world.teacher))
    sign_in(idp, google, "teacher-sub")
    entries = list(AuditEntry.objects.filter(organisation=world.org, target_id=str(world.teacher.pk)))
    actions_seen = [e.action for e in entries]
    assert actions_seen == [AuditAction.SIGN_IN_ACCOUNT_LINKED, AuditAction.SESSION_SIGNED_IN]
    assert entries[0].data == {"sign_in_provider_id": google.pk, "kind": "google"}
    assert entries[1].data == {"method": "sso"}
    # The second time, the link exists: only the sign-in is recorded.
    sign_in(idp, google, "teacher-sub")
    assert AuditEntry.objects.filter(target_id=str(world.teacher.pk)).count() == 3


def test_an_address_matches_whatever_its_case(world, idp, google):
    set_user(idp, "teacher-sub", google_claims(world.teacher.email.upper()))
    assert sign_in(idp, google, "teacher-sub").signed_in_as == world.teacher.pk


def test_an_unknown_address_is_refused_and_no_account_is_made(world, idp, google):
    people = Person.objects.count()
    set_user(idp, "stranger-sub", google_claims(f"new.starter@{world.org.slug}.example"))
    result = sign_in(idp, google, "stranger-sub")
    assert result.response.status_code == 403
    assert "Your school has not added you to Staffroom yet" in result.page
    assert "ask your school" in result.page.lower()
    assert result.signed_in_as is None
    assert Person.objects.count() == people
    assert not SocialAccount.objects.exists()


def test_someone_in_another_organisation_is_not_signed_in_through_this_one(world, idp, google):
    set_user(idp, "outsider-sub", google_claims(world.outsider))
    result = sign_in(idp, google, "outsider-sub")
    assert result.response.status_code == 403 and result.signed_in_as is None
    assert not SocialAccount.objects.exists()


@pytest.mark.parametrize("verified", [False, "false", None])
def test_an_unverified_address_is_refused(world, idp, google, verified):
    claims = google_claims(world.teacher)
    if verified is None:
        del claims["email_verified"]
    else:
        claims["email_verified"] = verified
    set_user(idp, "unverified-sub", claims)
    result = sign_in(idp, google, "unverified-sub")
    assert result.response.status_code == 403
    assert "did not confirm an email address" in result.page
    assert result.signed_in_as is None
    assert not SocialAccount.objects.exists()


def test_a_leaver_is_refused_and_told_why(world, idp, google):
    actions.deactivate_person(world.teacher.pk, acting=world.admin, reason="Left at Easter")
    set_user(idp, "teacher-sub", google_claims(world.teacher))
    result = sign_in(idp, google, "teacher-sub")
    assert result.response.status_code == 403
    assert "no longer active" in result.page
    assert result.signed_in_as is None
    assert not SocialAccount.objects.exists()


def test_a_leaver_who_had_signed_in_this_way_before_is_refused_too(world, idp, google):
    set_user(idp, "teacher-sub", google_claims(world.teacher))
    assert sign_in(idp, google, "teacher-sub").signed_in_as == world.teacher.pk
    actions.deactivate_person(world.teacher.pk, acting=world.admin, reason="Left at Easter")
    result = sign_in(idp, google, "teacher-sub")
    assert result.response.status_code == 403 and result.signed_in_as is None


def test_an_external_after_their_last_day_is_refused(world, idp, google):
    from datetime import timedelta

    from django.utils import timezone

    world.external.access_ends_on = timezone.localdate() - timedelta(days=1)
    world.external.save(update_fields=["access_ends_on"])
    set_user(idp, "external-sub", google_claims(world.external))
    result = sign_in(idp, google, "external-sub")
    assert result.response.status_code == 403 and "Your access to Staffroom ended" in result.page


def test_nothing_but_who_the_person_is_is_kept_from_the_provider(world, idp, google):
    """No phone number, postal address, picture or name from the provider, even when it sends them and even if
    the sign-in URL asks it for more (`?scope=phone,address`)."""
    name, email = world.teacher.name, world.teacher.email
    claims = google_claims(
        world.teacher,
        phone_number=PHONE, phone_number_verified=True, mobile=PHONE,  # one standard claim, one of its own
        address={"street_address": "1 Home Road", "postal_code": "AB1 2CD"},
        picture="https://example.invalid/me.jpg", given_name="Someone", family_name="Else",
    )  # fmt: skip
    set_user(idp, "teacher-sub", claims)
    result = sign_in(idp, google, "teacher-sub", query="?scope=phone,address")
    assert result.signed_in_as == world.teacher.pk
    scope = parse_qs(urlsplit(result.authorize_url).query)["scope"][0].split()
    assert sorted(scope) == ["email", "openid"]
    account = SocialAccount.objects.get(user=world.teacher)
    assert set(account.extra_data) <= {"sub", "iss", "email"}
    assert account.extra_data["sub"] == "teacher-sub"
    world.teacher.refresh_from_db()
    assert (world.teacher.name, world.teacher.email) == (name, email)
    assert_nowhere_in_the_database(["7700 900123", "7700900123", "Home Road", "AB1 2CD", "From The Provider"])


def assert_nowhere_in_the_database(needles: list[str]) -> None:
    """Search every text column of every table for the needles."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            description = connection.introspection.get_table_description(cursor, table)
            for column in [c.name for c in description]:
                for needle in needles:
                    cursor.execute(
                        f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE %s',
                        [f"%{needle}%"],
                    )
                    assert cursor.fetchone()[0] == 0, f"{needle!r} found in {table}.{column}"


def test_an_allowed_domain_takes_only_that_google_workspace(world, idp):
    domain = f"{world.org.slug}.example"
    provider = actions.configure_sign_in_provider(
        "google", acting=world.admin, client_id="staffroom-test", client_secret="x", issuer=idp, allowed_domain=domain
    )
    # A personal Google account with the school address (no hosted domain) is not the school's account.
    set_user(idp, "personal-sub", google_claims(world.teacher))
    result = sign_in(idp, provider, "personal-sub")
    assert result.response.status_code == 403 and "not one your school uses" in result.page
    set_user(idp, "workspace-sub", google_claims(world.teacher, hd=domain))
    assert sign_in(idp, provider, "workspace-sub").signed_in_as == world.teacher.pk


def test_an_address_outside_the_allowed_domain_is_refused(world, idp):
    provider = actions.configure_sign_in_provider(
        "google", acting=world.admin, client_id="c", client_secret="x", issuer=idp, allowed_domain="other.example"
    )
    set_user(idp, "teacher-sub", google_claims(world.teacher, hd="other.example"))
    assert sign_in(idp, provider, "teacher-sub").response.status_code == 403


def test_entra_signs_in_by_the_user_principal_name_not_the_email_claim(world, idp):
    tenant = "0b9b9a51-8f43-4c47-a2a9-5a6b3c2d1e0f"
    entra = actions.configure_sign_in_provider(
        "entra", acting=world.admin, client_id="entra-app", client_secret="x", tenant=tenant, issuer=idp
    )
    # Entra lets a user's `email` claim hold an address nobody verified: it must not sign anyone in.
    set_user(idp, "spoof-sub", {"email": world.head.email, "preferred_username": "someone@elsewhere.example"})
    assert sign_in(idp, entra, "spoof-sub").response.status_code == 403
    set_user(idp, "ta-sub", {"preferred_username": world.ta.email, "tid": tenant})
    assert sign_in(idp, entra, "ta-sub").signed_in_as == world.ta.pk
    # A token naming another directory is refused, whatever it says.
    set_user(
        idp,
        "other-tenant-sub",
        {"preferred_username": world.office.email, "tid": "11111111-2222-3333-4444-555555555555"},
    )
    assert sign_in(idp, entra, "other-tenant-sub").response.status_code == 403


def test_a_turned_off_provider_is_not_offered_and_does_not_sign_anyone_in(world, idp, google):
    page = Client().get("/accounts/login/").content.decode()
    assert "Sign in with Google" in page
    actions.configure_sign_in_provider(
        "google", acting=world.admin, client_id="staffroom-test", issuer=idp, enabled=False
    )
    assert "Sign in with Google" not in Client().get("/accounts/login/").content.decode()
    assert Client().post(f"/accounts/oidc/{google.app.provider_id}/login/").status_code == 404


def test_a_linked_account_now_vouching_for_someone_else_is_refused(world, idp, google):
    set_user(idp, "shared-sub", google_claims(world.teacher))
    assert sign_in(idp, google, "shared-sub").signed_in_as == world.teacher.pk
    set_user(idp, "shared-sub", google_claims(world.teacher2))
    result = sign_in(idp, google, "shared-sub")
    assert result.response.status_code == 403 and result.signed_in_as is None


def test_a_leader_still_gives_their_second_step_after_single_sign_on(world, idp, google):
    set_user(idp, "head-sub", google_claims(world.head))
    result = sign_in(idp, google, "head-sub")
    assert result.response.status_code == 302
    assert result.response["Location"] == "/accounts/2fa/authenticate/"
    assert result.signed_in_as is None


def test_a_pupil_signs_in_with_their_school_account(world, idp, google):
    set_user(idp, "pupil-sub", google_claims(world.pupil))
    assert sign_in(idp, google, "pupil-sub").signed_in_as == world.pupil.pk


def test_sign_up_through_a_provider_is_not_offered(world, idp, google):
    client = Client()
    assert client.get("/accounts/3rdparty/signup/").status_code == 404
    assert client.get("/accounts/3rdparty/").status_code == 404


def test_a_person_with_another_role_is_still_only_who_the_school_says(world, idp, google):
    newcomer = factories.person(world.school, Role.SUPPORT_STAFF, name="School Name")
    set_user(idp, "newcomer-sub", google_claims(newcomer, name="Provider Name"))
    assert sign_in(idp, google, "newcomer-sub").signed_in_as == newcomer.pk
    newcomer.refresh_from_db()
    assert newcomer.name == "School Name"


def test_a_leader_without_a_password_sets_up_their_second_step_after_single_sign_on(world, idp, google):
    """Someone who only ever signs in through the school's provider is not asked for a password they never had."""
    head = factories.person(world.school, Role.HEADTEACHER, name="New Head")
    head.set_unusable_password()
    head.save(update_fields=["password"])
    set_user(idp, "new-head-sub", google_claims(head))
    result = sign_in(idp, google, "new-head-sub")
    assert result.signed_in_as == head.pk
    assert result.client.get("/")["Location"] == "/accounts/2fa/"
    assert result.client.get("/accounts/2fa/totp/activate/").status_code == 200
