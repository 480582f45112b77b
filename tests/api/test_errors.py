"""Every error leaves the API as `{"error": {"code", "message", "field"?}}` with a clear 4xx."""

from __future__ import annotations

import pytest
from django.test import Client

from staffroom.accounts.payloads import me_payload, person_payload
from staffroom.api import schemas
from staffroom.messaging import actions
from staffroom.messaging.payloads import attachment_payload, conversation_payload, message_payload
from staffroom.messaging.queries import get_message
from tests.api.conftest import ApiClient, error_of


@pytest.fixture
def teacher(world):
    return ApiClient(world.teacher)


def test_domain_invalid_is_422_with_field(world, teacher):
    response = teacher.post("/conversations", {"kind": "group", "title": ""})
    assert response.status_code == 422
    assert error_of(response) == {"code": "invalid", "message": "Give the conversation a title.", "field": "title"}


def test_domain_forbidden_is_403(world):
    response = ApiClient(world.ta).post("/conversations", {"kind": "announcement", "title": "News"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_domain_not_found_is_404(world, teacher):
    response = teacher.get("/conversations/999999")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_schema_validation_is_422_naming_the_field(world, teacher):
    conversation = world.group(world.teacher2)
    response = teacher.patch(f"/messages/{conversation.pk}", {})
    assert response.status_code in (404, 422)
    message, _ = actions.send_message(conversation, acting=world.teacher, body="hello")
    response = teacher.patch(f"/messages/{message.pk}", {"text": "oops"})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["message"] == "body: Field required"
    assert error["field"] == "body"


def test_wrong_type_is_422(world, teacher):
    response = teacher.post("/conversations", {"kind": "group", "title": "x", "member_ids": ["abc"]})
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "member_ids.0"
    assert error["message"].startswith("member_ids.0: ")


def test_query_parameter_validation_is_422(world, teacher):
    conversation = world.group(world.teacher2)
    response = teacher.get(f"/conversations/{conversation.pk}/messages", {"limit": "lots"})
    assert response.status_code == 422
    assert error_of(response)["field"] == "limit"
    response = teacher.get(f"/conversations/{conversation.pk}/messages", {"limit": 100000})
    assert response.status_code == 422


def test_malformed_json_is_400(world, teacher):
    response = teacher.post("/conversations", "{not json", content_type="application/json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "malformed_json"
    assert "not valid JSON" in error["message"]


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "42", "null"])
def test_json_that_is_not_an_object_is_422(world, teacher, body):
    response = teacher.post("/conversations", body, content_type="application/json")
    assert response.status_code == 422
    assert error_of(response)["message"] == "body: Send a JSON object."


def test_unauthenticated_is_401(world):
    response = Client().get("/api/v1/conversations")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_wrong_method_is_405_json(world, teacher):
    response = teacher.request("put", "/conversations", {})
    assert response.status_code == 405
    error = error_of(response)
    assert error["code"] == "method_not_allowed"
    assert "GET" in response["Allow"] and "POST" in response["Allow"]


def test_unknown_path_is_404_json(world, teacher):
    for path in ["/nothing-here", "/conversations/1/nothing", "/", "/conversations/"]:
        response = teacher.get(path)
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("bad_id", ["abc", "1.5", "-1", "0", str(2**64), "9" * 40])
def test_malformed_ids_are_404_never_500(world, teacher, bad_id):
    for path in [f"/conversations/{bad_id}", f"/messages/{bad_id}", f"/users/{bad_id}"]:
        response = teacher.get(path)
        assert response.status_code in (404, 422), (path, response.status_code)
        error_of(response)


def test_huge_ids_in_bodies_and_queries_are_refused_not_crashed(world, teacher):
    conversation = world.group(world.teacher2)
    huge = 2**70
    responses = [
        teacher.post("/conversations", {"kind": "group", "title": "x", "member_ids": [huge]}),
        teacher.post(f"/conversations/{conversation.pk}/members", {"person_id": huge}),
        teacher.post(f"/conversations/{conversation.pk}/messages", {"body": "x", "reply_to": huge}),
        teacher.post(f"/conversations/{conversation.pk}/read", {"message_id": huge}),
        teacher.get(f"/conversations/{conversation.pk}/messages", {"before": str(huge)}),
        teacher.get("/users", {"after": huge}),
        teacher.get("/search", {"q": "x", "conversation_id": huge}),
    ]
    for response in responses:
        assert 400 <= response.status_code < 500 or response.status_code == 200, response.content
        if response.status_code != 200:
            error_of(response)


def test_openapi_document_loads(world):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Staffroom API"
    assert "/api/v1/conversations/{conversation_id}/messages" in document["paths"]
    schemes = document["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


def test_openapi_documents_the_error_shape(world):
    document = Client().get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/conversations"]["post"]
    assert "422" in operation["responses"]
    assert "201" in operation["responses"]


# --- the schemas describe exactly what the payload functions produce --------------------------------------


def keys_of(schema: type[schemas.Schema]) -> set[str]:
    return set(schema.model_fields)


def test_schemas_name_exactly_the_payload_fields(world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    conversation = world.announcement(world.teacher)
    message, _ = actions.send_message(conversation, acting=world.head, body="Read me")
    message = get_message(world.head, message.pk)
    assert keys_of(schemas.PersonOut) == set(person_payload(world.teacher))
    assert keys_of(schemas.MeOut) == set(me_payload(world.teacher))
    assert keys_of(schemas.ConversationOut) == set(conversation_payload(conversation))
    assert keys_of(schemas.MessageOut) == set(message_payload(message))
    attachment = actions.store_upload(acting=world.teacher, data=b"hello\n", filename="notes.txt")
    assert keys_of(schemas.AttachmentOut) == set(attachment_payload(attachment))


def test_oversized_json_body_is_413(world, teacher):
    from django.conf import settings

    conversation = world.group(world.teacher2)
    body = {"body": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)}
    response = teacher.post(f"/conversations/{conversation.pk}/messages", body)
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"
    assert not conversation.messages.exists()


def test_broken_multipart_is_400(world, teacher):
    response = teacher.client.post(
        "/api/v1/uploads",
        b"--x\r\nContent-Disposition: form-data; name=file; filename=a.txt\r\n",
        content_type="multipart/form-data",  # no boundary
        headers=teacher.headers,
    )
    assert response.status_code == 400
    error_of(response)


def test_unexpected_failure_is_still_json(world, teacher, monkeypatch):
    from staffroom.messaging import queries

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(queries, "conversation_summaries", broken)
    response = teacher.get("/conversations")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("/conversations/{c}/messages", {"body": "\ud800"}, "body"),
        ("/conversations/{c}/messages", {"body": "a\x00b"}, "body"),
        ("/conversations/{c}/messages", {"body": "ok", "client_id": "\udfff"}, "client_id"),
        ("/conversations", {"kind": "group", "title": "\x00", "member_ids": []}, "title"),
        ("/auth/token", {"email": "\ud800@x.example", "password": "x"}, "email"),
    ],
)
def test_text_no_database_can_store_is_422_not_500(world, path, data, field):
    conversation = world.group(world.teacher2)
    response = ApiClient(world.teacher).post(path.format(c=conversation.pk), data)
    assert response.status_code == 422
    assert error_of(response)["field"] == field
    assert not conversation.messages.exists()


def test_nul_in_a_query_string_is_422(world):
    response = ApiClient(world.teacher).get("/users", {"q": "a\x00"})
    assert response.status_code == 422
    assert error_of(response)["field"] == "q"
