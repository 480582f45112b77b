"""Signing in to the API: tokens, sessions with CSRF, and refusal of everyone else."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.test import Client

from staffroom.accounts import actions
from staffroom.accounts.models import ApiToken
from staffroom.api.routes import api
from tests.api.conftest import ApiClient, error_of
from tests.factories import PASSWORD

TOKEN_URL = "/auth/token"


def test_token_is_issued_for_the_right_password_and_works(world):
    nobody = ApiClient()
    response = nobody.post(TOKEN_URL, {"email": world.teacher.email, "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    assert set(response.json()) == {"token"}
    me = ApiClient(token=token).get("/me")
    assert me.status_code == 200
    assert me.json()["id"] == world.teacher.pk
    assert ApiToken.objects.get(person=world.teacher).label == "api"


def test_token_email_is_not_case_sensitive(world):
    response = ApiClient().post(TOKEN_URL, {"email": world.teacher.email.upper(), "password": PASSWORD})
    assert response.status_code == 200


def test_wrong_password_is_401_with_an_error_body(world):
    response = ApiClient().post(TOKEN_URL, {"email": world.teacher.email, "password": "nope"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_unknown_email_is_the_same_401(world):
    response = ApiClient().post(TOKEN_URL, {"email": "nobody@nowhere.example", "password": PASSWORD})
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_deactivated_person_gets_no_token(world):
    actions.deactivate_person(world.teacher2, acting=world.admin)
    response = ApiClient().post(TOKEN_URL, {"email": world.teacher2.email, "password": PASSWORD})
    assert response.status_code == 401


def test_too_many_failures_answer_429_with_an_error_body(world):
    """The lockout policy itself (shared with the sign-in form) is in tests/accounts/test_sign_in_lockout.py."""
    nobody = ApiClient()
    limit = next(r.amount for r in parse_rates(settings.ACCOUNT_RATE_LIMITS["login_failed"]) if r.per == "key")
    for _ in range(limit):
        assert nobody.post(TOKEN_URL, {"email": world.teacher.email, "password": "guess"}).status_code == 401
    refused = nobody.post(TOKEN_URL, {"email": world.teacher.email, "password": PASSWORD})
    assert refused.status_code == 429
    assert error_of(refused)["code"] == "rate_limited"


def test_an_external_whose_access_ended_is_told_why_only_with_the_right_password(world):
    world.external.access_ends_on = dt.date.today() - dt.timedelta(days=1)
    world.external.save()
    wrong = ApiClient().post(TOKEN_URL, {"email": world.external.email, "password": "guess"})
    assert "ended" not in error_of(wrong)["message"]
    right = ApiClient().post(TOKEN_URL, {"email": world.external.email, "password": PASSWORD})
    assert right.status_code == 401
    assert "Your access to Staffroom ended on" in error_of(right)["message"]
    assert not ApiToken.objects.filter(person=world.external).exists()


def test_malformed_json_is_400(world):
    response = ApiClient().post(TOKEN_URL, '{"email": ', content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


def test_missing_fields_are_422_naming_the_field(world):
    response = ApiClient().post(TOKEN_URL, {"email": world.teacher.email})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["field"] == "password"
    assert "password: Field required" in error["message"]


def test_an_account_with_two_factor_sign_in_needs_the_code(world):
    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value

    secret = generate_totp_secret()
    TOTP.activate(world.teacher, secret)
    nobody = ApiClient()
    without = nobody.post(TOKEN_URL, {"email": world.teacher.email, "password": PASSWORD})
    assert without.status_code == 401
    assert error_of(without)["field"] == "otp"
    wrong = nobody.post(TOKEN_URL, {"email": world.teacher.email, "password": PASSWORD, "otp": "000000"})
    assert wrong.status_code == 401
    code = format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
    right = nobody.post(TOKEN_URL, {"email": world.teacher.email, "password": PASSWORD, "otp": code})
    assert right.status_code == 200


def test_revoking_a_token_stops_it_at_once(world):
    teacher = ApiClient(world.teacher)
    assert teacher.delete(TOKEN_URL).status_code == 204
    after = teacher.get("/me")
    assert after.status_code == 401
    assert error_of(after)["code"] == "not_authenticated"


def test_revoking_needs_a_bearer_token(world):
    session = Client()
    session.force_login(world.teacher)
    response = session.delete("/api/v1/auth/token")
    assert response.status_code in (400, 403)
    error_of(response)


def test_unknown_or_revoked_or_malformed_bearer_token_is_401(world):
    for header in ["Bearer nope", "Bearer ", "Basic abc", "Token x"]:
        response = ApiClient().get("/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert error_of(response)["code"] == "not_authenticated"


def test_token_of_deactivated_person_stops_working(world):
    teacher2 = ApiClient(world.teacher2)
    actions.deactivate_person(world.teacher2, acting=world.admin)
    assert teacher2.get("/me").status_code == 401


def test_token_of_external_whose_access_ended_stops_working(world):
    external = ApiClient(world.external)
    assert external.get("/me").status_code == 200
    world.external.access_ends_on = dt.date.today() - dt.timedelta(days=1)
    world.external.save()
    assert external.get("/me").status_code == 401


# --- browser sessions and CSRF ----------------------------------------------------------------------------

CSRF_SECRET = "a" * 32


def session_for(person, *, csrf: bool) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    if csrf:
        client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    return client


def test_session_can_read_without_csrf(world):
    response = session_for(world.teacher, csrf=False).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["id"] == world.teacher.pk


def test_session_write_without_csrf_token_is_403_json(world):
    conversation = world.group(world.teacher2)
    client = session_for(world.teacher, csrf=False)
    response = client.post(
        f"/api/v1/conversations/{conversation.pk}/messages", {"body": "hi"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "csrf_failed"
    assert not conversation.messages.exists()


def test_session_write_with_csrf_token_works(world):
    conversation = world.group(world.teacher2)
    client = session_for(world.teacher, csrf=True)
    response = client.post(
        f"/api/v1/conversations/{conversation.pk}/messages",
        {"body": "hi"},
        content_type="application/json",
        headers={"X-CSRFToken": CSRF_SECRET},
    )
    assert response.status_code == 201


def test_bearer_write_needs_no_csrf_token(world):
    conversation = world.group(world.teacher2)
    client = Client(enforce_csrf_checks=True)
    token = actions.create_token(world.teacher, acting=world.teacher)
    response = client.post(
        f"/api/v1/conversations/{conversation.pk}/messages",
        {"body": "hi"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201


def test_token_endpoint_needs_no_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/auth/token", {"email": world.teacher.email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200


# --- every route refuses strangers ------------------------------------------------------------------------

PUBLIC = {("POST", "/api/v1/auth/token")}


def operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every operation in the API, path parameters filled with 1."""
    schema = api.get_openapi_schema()
    found = []
    for path, methods in schema["paths"].items():
        for method in methods:
            found.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path)))
    return found


def test_the_api_has_the_operations_the_design_fixes():
    fixed = {
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/conversations"),
        ("POST", "/api/v1/conversations"),
        ("GET", "/api/v1/conversations/1"),
        ("GET", "/api/v1/conversations/1/members"),
        ("POST", "/api/v1/conversations/1/members"),
        ("DELETE", "/api/v1/conversations/1/members/1"),
        ("GET", "/api/v1/conversations/1/messages"),
        ("POST", "/api/v1/conversations/1/messages"),
        ("PATCH", "/api/v1/messages/1"),
        ("DELETE", "/api/v1/messages/1"),
        ("POST", "/api/v1/messages/1/acknowledge"),
        ("GET", "/api/v1/search"),
        ("POST", "/api/v1/uploads"),
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/auth/token"),
    }
    assert fixed <= set(operations())


def test_only_the_token_endpoint_is_open_to_strangers():
    schema = api.get_openapi_schema()
    open_to_all = {
        (method.upper(), path) for path, methods in schema["paths"].items() for method, op in methods.items()
        if not op.get("security")
    }  # fmt: skip
    assert open_to_all == PUBLIC


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), sorted(set(operations()) - PUBLIC))
def test_every_route_answers_strangers_with_401_json(method, path):
    client = Client(enforce_csrf_checks=True)
    response = client.generic(method, path, "{}", content_type="application/json")
    assert response.status_code == 401, (method, path, response.content[:200])
    assert error_of(response)["code"] == "not_authenticated"


def test_session_of_deactivated_person_is_401(world):
    client = session_for(world.teacher2, csrf=False)
    actions.deactivate_person(world.teacher2, acting=world.admin)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_session_of_external_whose_access_ended_is_401(world):
    client = session_for(world.external, csrf=False)
    world.external.access_ends_on = dt.date.today() - dt.timedelta(days=1)
    world.external.save()
    assert client.get("/api/v1/me").status_code == 401
