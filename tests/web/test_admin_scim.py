"""/admin/scim/: an IT admin issues a SCIM token (shown once), sees when each was last used and revokes it."""

import re

import pytest
from django.test import Client

from staffroom.accounts import queries
from staffroom.accounts.models import Role, ScimToken
from staffroom.compliance.models import AuditEntry
from tests import factories
from tests.web.conftest import assert_no_inline_code

pytestmark = pytest.mark.django_db


def test_an_it_admin_issues_a_token_and_sees_it_once(world, as_person):
    client = as_person(world.admin)
    page = client.get("/admin/scim/")
    assert page.status_code == 200
    html = page.content.decode()
    assert_no_inline_code(html)
    assert "http://testserver/scim/v2" in html and "No token has been issued yet." in html
    response = client.post(
        "/admin/scim/tokens", {"label": "Entra ID", "domain": "school.example", "default_school_id": world.school.pk}
    )
    assert response.status_code == 201
    html = response.content.decode()
    (raw,) = re.findall(r'<code class="secret-token">([^<]+)</code>', html)
    token = queries.scim_token(raw)
    assert token is not None and token.label == "Entra ID" and token.default_school == world.school
    assert token.created_by == world.admin
    assert AuditEntry.objects.filter(action="scim_token.created", actor=world.admin).exists()
    again = client.get("/admin/scim/").content.decode()
    assert raw not in again and "Entra ID" in again and "Never" in again


def test_a_bad_domain_is_shown_beside_its_field(world, as_person):
    response = as_person(world.admin).post("/admin/scim/tokens", {"domain": "not a domain"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'href="#id_domain"' in html and 'aria-invalid="true"' in html
    assert not ScimToken.objects.exists()


def test_revoking_a_token(world, as_person):
    client = as_person(world.admin)
    client.post("/admin/scim/tokens", {"label": "Old sync"})
    token = ScimToken.objects.get()
    response = client.post(f"/admin/scim/tokens/{token.pk}/revoke", follow=True)
    assert response.status_code == 200 and "was revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize("who", ["head", "dpo", "teacher", "outsider"])
def test_nobody_else_finds_the_page(world, as_person, who):
    client = as_person(getattr(world, who))
    assert client.get("/admin/scim/").status_code == 404
    assert client.post("/admin/scim/tokens", {"label": "x"}).status_code == 404
    assert not ScimToken.objects.exists()


def test_another_organisations_it_admin_cannot_revoke_ours(world, as_person):
    as_person(world.admin).post("/admin/scim/tokens", {"label": "Ours"})
    token = ScimToken.objects.get()
    their_admin = factories.person(world.outsider.school, Role.IT_ADMIN, trust_wide=True)
    factories.authenticator_app(their_admin)  # leaders set up a second step before anything else
    other = Client()
    other.force_login(their_admin)
    assert other.post(f"/admin/scim/tokens/{token.pk}/revoke").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_issuing_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin)
    assert client.post("/admin/scim/tokens", {"label": "x"}).status_code == 403
    assert not ScimToken.objects.exists()
