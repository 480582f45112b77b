"""A JSON client signed in with a bearer token, for the API tests."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from staffroom.accounts import actions
from staffroom.accounts.models import Person

BASE = "/api/v1"


class ApiClient:
    """Sends JSON to /api/v1 as one person (or nobody), and checks every answer is JSON."""

    def __init__(self, person: Person | None = None, token: str | None = None) -> None:
        self.person = person
        self.client = Client()
        if person is not None and token is None:
            token = actions.create_token(person, acting=person, label="test")
        self.token = token
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, data: Any = None, **extra: Any) -> Any:
        url = path if path.startswith("/") and path.startswith(BASE) else BASE + path
        kwargs: dict[str, Any] = {"headers": {**self.headers, **extra.pop("headers", {})}, **extra}
        if data is not None and method in {"post", "patch", "put", "delete"}:
            kwargs.setdefault("content_type", "application/json")
            if kwargs["content_type"] == "application/json" and not isinstance(data, str | bytes):
                data = json.dumps(data)
        if method == "get" and data is not None:
            kwargs["data"] = data
            data = None
        response = getattr(self.client, method)(url, *([data] if data is not None else []), **kwargs)
        if response.status_code != 204:
            assert response["Content-Type"].startswith("application/json"), response.content[:200]
        return response

    def get(self, path: str, params: dict[str, Any] | None = None, **extra: Any) -> Any:
        return self.request("get", path, params, **extra)

    def post(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self.request("post", path, data, **extra)

    def patch(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self.request("patch", path, data, **extra)

    def put(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self.request("put", path, data, **extra)

    def delete(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self.request("delete", path, data, **extra)


def error_of(response: Any) -> dict[str, Any]:
    """The `error` object of an error response, after checking it has the contract's shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    # `findings`: what a safeguarding nudge or block found (kind, label, start, end, severity; never the text).
    assert {"code", "message"} <= set(body["error"]) <= {"code", "message", "field", "findings"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert 400 <= response.status_code < 500, (response.status_code, body)
    return body["error"]


@pytest.fixture
def as_person(db):
    """as_person(someone) -> an ApiClient signed in as them with a fresh token; as_person(None) -> nobody."""

    def make(person: Person | None) -> ApiClient:
        return ApiClient(person)

    return make
