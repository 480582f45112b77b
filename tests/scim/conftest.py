"""A SCIM client for the tests: JSON to /scim/v2 with a SCIM token of the world's organisation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from staffroom.accounts import actions
from staffroom.accounts.models import Organisation

BASE = "/scim/v2"
DOMAIN = "school.example"


class ScimClient:
    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, data: Any = None, **params: Any) -> Any:
        url = BASE + path
        kwargs: dict[str, Any] = {"headers": self.headers}
        if method == "get":
            response = self.client.get(url, params or None, **kwargs)
        elif data is None:
            response = getattr(self.client, method)(url, **kwargs)
        else:
            body = data if isinstance(data, str) else json.dumps(data)
            response = getattr(self.client, method)(url, body, content_type="application/scim+json", **kwargs)
        if response.status_code != 204:
            assert response["Content-Type"] == "application/scim+json", response.content[:200]
        return response

    def get(self, path: str, **params: Any) -> Any:
        return self.request("get", path, **params)

    def post(self, path: str, data: Any) -> Any:
        return self.request("post", path, data)

    def put(self, path: str, data: Any) -> Any:
        return self.request("put", path, data)

    def patch(self, path: str, *operations: dict[str, Any]) -> Any:
        return self.request(
            "patch", path, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations}
        )

    def delete(self, path: str) -> Any:
        return self.request("delete", path)


def scim_token(org: Organisation, **options: Any) -> str:
    _token, raw = actions.create_scim_token(org.pk, acting=None, **options)
    return raw


def error_of(response: Any, status: int, scim_type: str | None = None) -> dict[str, Any]:
    """The SCIM error in a response, after checking its shape (RFC 7644 section 3.12)."""
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"], body
    assert body["status"] == str(status) and body["detail"], body
    assert body.get("scimType") == scim_type, body
    return body


@pytest.fixture
def scim(world):
    return ScimClient(scim_token(world.org, domain=DOMAIN, default_school_id=world.school.pk, label="Entra ID"))


def user_body(user_name: str, **attributes: Any) -> dict[str, Any]:
    return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name, **attributes}
