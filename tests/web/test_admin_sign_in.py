"""The console's sign-in settings (/admin/sign-in/): IT admins set up single sign-on and the second-step rule;
everyone else gets 404; a stored client secret never goes back to the browser; every change is audited."""

from __future__ import annotations

import re

import pytest

from staffroom.accounts import actions, second_factor
from staffroom.accounts.models import Role, SignInProvider
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import AuditEntry
from tests import factories
from tests.web.conftest import assert_no_inline_code

PAGE = "/admin/sign-in/"
SECRET = "s3cr3t-Shown-Once-By-Google"


def google_form(**changes) -> dict:
    data = {
        "google-client_id": "1234-abc.apps.googleusercontent.com",
        "google-client_secret": SECRET,
        "google-allowed_domain": "school.example.org",
        "google-enabled": "on",
    }
    return {k: v for k, v in (data | changes).items() if v is not None}


def test_an_it_admin_sees_the_settings(as_person, world):
    page = as_person(world.admin).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Single sign-on with Google Workspace" in html and "Single sign-on with Microsoft Entra ID" in html
    assert f"/accounts/oidc/google-{world.org.slug}/login/callback/" in html  # the redirect URI to register
    assert re.search(r'<input type="radio" name="second_factor" value="leaders"[^>]* checked>', html)
    assert 'href="/admin/"' in html
    assert_no_inline_code(html)


@pytest.mark.parametrize("who", ["head", "dpo", "dsl", "teacher", "office", "governor", "pupil", "external"])
def test_everyone_else_gets_not_found(as_person, world, who):
    client = as_person(getattr(world, who))
    assert client.get(PAGE).status_code == 404
    assert client.post(f"{PAGE}google", google_form()).status_code == 404
    assert client.post(f"{PAGE}second-factor", {"second_factor": "nobody"}).status_code == 404
    assert not SignInProvider.objects.exists()
    assert second_factor.rule_for(world.org.pk) == "leaders"


def test_a_stranger_is_sent_to_sign_in(client, world):
    assert client.get(PAGE)["Location"].startswith("/accounts/login/")


def test_setting_up_google_is_audited_and_the_secret_is_never_shown_back(as_person, world):
    client = as_person(world.admin)
    response = client.post(f"{PAGE}google", google_form())
    assert (response.status_code, response["Location"]) == (302, PAGE)
    provider = SignInProvider.objects.get(organisation=world.org, kind="google")
    assert provider.app.secret == SECRET and provider.allowed_domain == "school.example.org" and provider.enabled
    entry = AuditEntry.objects.get(action=AuditAction.SIGN_IN_PROVIDER_ADDED)
    assert entry.actor_id == world.admin.pk and entry.channel == "web"
    html = client.get(PAGE).content.decode()
    assert SECRET not in html and SECRET[:8] not in html
    assert "A secret is stored and is never shown" in html
    assert "1234-abc.apps.googleusercontent.com" in html
    assert SECRET not in str(list(AuditEntry.objects.values_list("data", "details")))


def test_leaving_the_secret_empty_keeps_it_and_turning_off_is_audited(as_person, world):
    client = as_person(world.admin)
    client.post(f"{PAGE}google", google_form())
    response = client.post(f"{PAGE}google", google_form(**{"google-client_secret": "", "google-enabled": None}))
    assert response.status_code == 302
    provider = SignInProvider.objects.get(kind="google")
    assert provider.app.secret == SECRET and not provider.enabled
    changed = AuditEntry.objects.get(action=AuditAction.SIGN_IN_PROVIDER_CHANGED)
    assert changed.data["changed"] == ["enabled"]
    assert "Off: not offered" in client.get(PAGE).content.decode()


def test_a_mistake_is_shown_beside_its_field_without_the_secret(as_person, world):
    client = as_person(world.admin)
    response = client.post(
        f"{PAGE}entra", {"entra-client_id": "app", "entra-client_secret": SECRET, "entra-tenant": "common"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "shared endpoints such as &#x27;common&#x27; take anyone" in html
    assert 'id="id_entra-tenant_error"' in html and 'aria-invalid="true"' in html
    assert SECRET not in html
    assert not SignInProvider.objects.exists() and not AuditEntry.objects.filter(action__startswith="sign_in").exists()


def test_entra_is_set_up_with_the_school_s_tenant(as_person, world):
    client = as_person(world.admin)
    form = {
        "entra-client_id": "app-id", "entra-client_secret": SECRET, "entra-tenant": "school.onmicrosoft.com",
        "entra-allowed_domain": "school.example.org", "entra-enabled": "on",
    }  # fmt: skip
    assert client.post(f"{PAGE}entra", form).status_code == 302
    provider = SignInProvider.objects.get(kind="entra")
    assert provider.app.settings["server_url"] == "https://login.microsoftonline.com/school.onmicrosoft.com/v2.0"


def test_an_unknown_provider_kind_is_not_found(as_person, world):
    assert as_person(world.admin).post(f"{PAGE}okta", {"okta-client_id": "x"}).status_code == 404


def test_the_second_step_rule_is_changed_and_audited(as_person, world):
    client = as_person(world.admin)
    response = client.post(f"{PAGE}second-factor", {"second_factor": "adults"})
    assert (response.status_code, response["Location"]) == (302, PAGE)
    assert second_factor.rule_for(world.org.pk) == "adults"
    entry = AuditEntry.objects.get(action=AuditAction.SIGN_IN_SECOND_FACTOR_RULE_CHANGED)
    assert entry.data == {"second_factor": "adults", "previous": "leaders"}
    assert client.post(f"{PAGE}second-factor", {"second_factor": "everyone"}).status_code == 422


def test_the_settings_of_another_organisation_are_not_shown(as_person, world):
    actions.configure_sign_in_provider("google", acting=world.admin, client_id="ours-1234", client_secret="x")
    their_admin = factories.person(world.outsider.school, Role.IT_ADMIN, trust_wide=True)
    factories.authenticator_app(their_admin)
    html = as_person(their_admin).get(PAGE).content.decode()
    assert "ours-1234" not in html and "Not set up." in html


def test_an_it_admin_helps_someone_who_lost_their_phone(as_person, world):
    from allauth.mfa.models import Authenticator

    client = as_person(world.admin)
    form = {"reset-email": world.head.email.upper(), "reset-reason": "Lost phone; checked in person"}
    response = client.post(f"{PAGE}reset-second-factor", form)
    assert (response.status_code, response["Location"]) == (302, PAGE)
    assert not Authenticator.objects.filter(user=world.head).exists()
    assert AuditEntry.objects.get(action=AuditAction.SIGN_IN_SECOND_FACTOR_RESET).reason == form["reset-reason"]
    unknown = client.post(f"{PAGE}reset-second-factor", form | {"reset-email": "nobody@nowhere.example"})
    assert unknown.status_code == 422
    assert "Nobody in your organisation signs in with that address" in unknown.content.decode()
    outsider = client.post(f"{PAGE}reset-second-factor", form | {"reset-email": world.outsider.email})
    assert outsider.status_code == 422


def test_only_an_it_admin_can_reset_a_second_step_from_the_page(as_person, world):
    from allauth.mfa.models import Authenticator

    form = {"reset-email": world.dsl.email, "reset-reason": "Lost phone"}
    assert as_person(world.head).post(f"{PAGE}reset-second-factor", form).status_code == 404
    assert Authenticator.objects.filter(user=world.dsl).exists()
