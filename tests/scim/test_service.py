"""Who may call /scim/v2/ (only a live SCIM token; never a person's API token, nor the other way round), what
the service says about itself, and its errors, limits and headers."""

import pytest
from django.test import Client

from staffroom.accounts import actions
from staffroom.accounts.models import ScimToken
from tests.scim.conftest import ScimClient, error_of, scim_token

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer srscim_forged", "Basic dXNlcjpwYXNz"])
def test_without_a_live_scim_token_the_answer_is_401(world, header):
    client = Client()
    headers = {"Authorization": header} if header else {}
    response = client.get("/scim/v2/Users", headers=headers)
    error_of(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="scim"'
    assert response["Content-Type"] == "application/scim+json"
    error_of(client.post("/scim/v2/Users", "{}", content_type="application/scim+json", headers=headers), 401)


def test_a_revoked_scim_token_is_refused(world):
    raw = scim_token(world.org)
    token = ScimToken.objects.get(organisation=world.org)
    assert ScimClient(raw).get("/Users").status_code == 200
    actions.revoke_scim_token(token.pk, acting=world.admin, organisation_id=world.org.pk)
    error_of(ScimClient(raw).get("/Users"), 401)
    # The directory still calling with it is kept in the organisation's audit log, as the SCIM service.
    from staffroom.compliance.models import AuditEntry

    (refused,) = AuditEntry.objects.filter(organisation=world.org, action="access.refused")
    assert (refused.actor_service, refused.data["status"]) == ("scim", 401)


def test_a_persons_api_token_does_not_open_scim_even_an_it_admins(world):
    raw = actions.create_token(world.admin, acting=world.admin)
    error_of(ScimClient(raw).get("/Users"), 401)


def test_a_scim_token_does_not_open_the_api(world):
    raw = scim_token(world.org)
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401


def test_a_signed_in_session_is_not_enough(world):
    client = Client()
    client.force_login(world.admin)
    error_of(client.get("/scim/v2/Users"), 401)


def test_no_csrf_token_is_needed_with_the_bearer_token(world):
    client = Client(enforce_csrf_checks=True)
    raw = scim_token(world.org, default_school_id=world.school.pk)
    response = client.post(
        "/scim/v2/Users", '{"userName": "jo@school.example"}', content_type="application/scim+json",
        headers={"Authorization": f"Bearer {raw}"},
    )  # fmt: skip
    assert response.status_code == 201


def test_answers_are_private_and_the_tokens_use_is_noted(scim, world):
    response = scim.get("/Users")
    assert response["Cache-Control"] == "private, no-store"
    assert ScimToken.objects.get(organisation=world.org).last_used_at is not None


def test_service_provider_config(scim):
    body = scim.get("/ServiceProviderConfig").json()
    assert body["patch"] == {"supported": True} and body["filter"] == {"supported": True, "maxResults": 200}
    assert body["bulk"]["supported"] is False and body["etag"] == {"supported": False}
    assert body["sort"] == {"supported": False} and body["changePassword"] == {"supported": False}
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_resource_types_and_schemas(scim, world):
    types = scim.get("/ResourceTypes").json()
    assert [t["id"] for t in types["Resources"]] == ["User", "Group"]
    assert scim.get("/ResourceTypes/User").json()["endpoint"] == "/Users"
    schemas = {s["id"]: s for s in scim.get("/Schemas").json()["Resources"]}
    user = schemas["urn:ietf:params:scim:schemas:core:2.0:User"]
    names = [a["name"] for a in user["attributes"]]
    assert names == ["userName", "name", "displayName", "active", "roles"]
    for never in ("phoneNumbers", "addresses", "emails", "photos", "ims"):
        assert never not in names
    school = schemas["urn:staffroom:scim:schemas:extension:2.0:User"]["attributes"][0]
    assert school["canonicalValues"] == ["High School", "Primary School"]
    assert {"Schema", "ResourceType", "ServiceProviderConfig"} <= {s["name"] for s in schemas.values()}
    one = scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group").json()
    assert one["name"] == "Group"
    error_of(scim.get("/Schemas/urn:nothing"), 404)
    error_of(scim.get("/ResourceTypes/Pupil"), 404)


@pytest.mark.parametrize("path", ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_discovery_is_read_only(scim, path, method):
    response = scim.request(method, path, {})
    error_of(response, 405)
    assert response["Allow"] == "GET"


def test_unknown_paths_and_methods(scim, world):
    error_of(scim.get("/Pupils"), 404)
    error_of(scim.get("/Users/1/extra"), 404)
    error_of(scim.request("post", f"/Users/{world.teacher.pk}", {}), 405)
    error_of(scim.request("delete", "/Users", {}), 405)


def test_too_many_requests_are_asked_to_wait(scim, settings):
    settings.STAFFROOM_SCIM_REQUESTS_PER_MINUTE = 3
    for _ in range(3):
        assert scim.get("/ServiceProviderConfig").status_code == 200
    response = scim.get("/ServiceProviderConfig")
    error_of(response, 429)
    assert int(response["Retry-After"]) > 0
