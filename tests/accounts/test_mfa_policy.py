"""A second sign-in step for the roles that matter (accounts/second_factor.py): until someone the policy names has
added an authenticator app or a passkey, no page but the ones that set it up, no API endpoint, no token and no
socket serves them. Pupils are never required."""

from __future__ import annotations

import json
import re

import pytest
from allauth.mfa.models import Authenticator
from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.test import Client

from staffroom.accounts import actions, second_factor
from staffroom.accounts.adapter import StaffroomMFAAdapter
from staffroom.accounts.models import Role
from staffroom.asgi import application
from tests import factories
from tests.factories import PASSWORD, authenticator_app, totp_code
from tests.web.test_access_ended import web_routes

SET_UP = "/accounts/2fa/"


@pytest.fixture
def new_head(world):
    """A headteacher who has just been added, without a second step yet."""
    return factories.person(world.school, Role.HEADTEACHER, name="Nell Newhead")


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def api(client: Client, method: str, path: str, body=None, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = json.dumps(body) if body is not None else None
    kwargs = {"content_type": "application/json"} if data is not None else {}
    return getattr(client, method)(f"/api/v1{path}", *([data] if data else []), headers=headers, **kwargs)


def test_the_default_policy_names_the_leaders_and_never_pupils(world):
    assert second_factor.rule_for(world.org.pk) == "leaders"
    required = {who for who in ["admin", "head", "dpo", "dsl"] if second_factor.is_required(getattr(world, who))}
    assert required == {"admin", "head", "dpo", "dsl"}
    for who in ["teacher", "ta", "office", "governor", "pupil", "external"]:
        assert not second_factor.is_required(getattr(world, who)), who
    deputy = factories.person(world.school, Role.DEPUTY_DSL, Role.TEACHER)
    assert second_factor.is_required(deputy)


def test_a_headteacher_without_a_second_step_is_sent_to_set_one_up_and_cannot_reach_a_conversation(world, new_head):
    conversation = world.group(new_head, world.teacher2, title="SLT")
    client = signed_in(new_head)
    for path in ["/", f"/c/{conversation.pk}/", "/search?q=SLT", "/profile", "/admin/groups/"]:
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, SET_UP), path
    htmx = client.get(f"/c/{conversation.pk}/older", headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == SET_UP
    page = client.get(SET_UP).content.decode()
    assert "Set up a second sign-in step to continue" in page
    assert "Your school requires one for your role" in page


def test_no_web_route_serves_them_until_they_have_one(world, new_head):
    """Every route of the web app, with the ids of real rows they could see, sends them to set it up."""
    from staffroom.messaging import actions as messaging

    group = world.group(new_head, title="SLT")
    message, _ = messaging.send_message(group, acting=world.teacher, body="Budget")
    upload = messaging.store_upload(acting=new_head, data=b"Minutes", filename="minutes.txt")
    ids = {
        "conversation_id": group.pk, "message_id": message.pk, "person_id": world.teacher.pk,
        "attachment_id": upload.pk, "request_id": 1, "decision": "approve", "kind": "google",
    }  # fmt: skip
    client = signed_in(new_head)
    for url in web_routes(ids):
        for response in [client.get(url), client.post(url)]:
            assert (response.status_code, response.get("Location")) == (302, SET_UP), url
            assert b"Budget" not in response.content


def test_the_pages_that_set_it_up_and_sign_out_stay_open(world, new_head):
    client = signed_in(new_head)
    for path in [SET_UP, "/accounts/password/change/", "/accounts/sessions/", "/accounts/logout/", "/healthz"]:
        assert client.get(path).status_code == 200, path


def test_after_adding_an_authenticator_app_they_can(world, new_head):
    conversation = world.group(new_head, world.teacher2, title="SLT")
    client = signed_in(new_head)
    assert client.get(f"/c/{conversation.pk}/").status_code == 302
    authenticator_app(new_head)
    assert client.get(f"/c/{conversation.pk}/").status_code == 200
    assert client.get("/").status_code == 200


def test_a_passkey_counts_as_a_second_step(world, new_head):
    Authenticator.objects.create(user=new_head, type=Authenticator.Type.WEBAUTHN, data={"name": "Laptop"})
    assert signed_in(new_head).get("/").status_code == 200


def test_recovery_codes_alone_do_not_count(world, new_head):
    Authenticator.objects.create(user=new_head, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00"})
    assert signed_in(new_head).get("/")["Location"] == SET_UP


def test_setting_up_an_authenticator_app_through_the_pages_lets_them_in(world, new_head):
    """The whole way, as the head would: sign in with the password, be sent to set it up, scan, type the code."""
    conversation = world.group(new_head, world.teacher2, title="SLT")
    client = Client()
    assert client.post("/accounts/login/", {"login": new_head.email, "password": PASSWORD})["Location"] == "/"
    assert client.get("/")["Location"] == SET_UP
    # allauth asks for the password again before a second step is added, however recent the sign-in.
    asked = client.get("/accounts/2fa/totp/activate/")
    assert asked["Location"].startswith("/accounts/reauthenticate/")
    again = client.post(asked["Location"], {"password": PASSWORD})
    assert again["Location"] == "/accounts/2fa/totp/activate/"
    activate = client.get("/accounts/2fa/totp/activate/")
    assert activate.status_code == 200
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', activate.content.decode()).group(1)
    done = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert done.status_code == 302, done.content.decode()[:2000]
    codes = client.get(done["Location"]).content.decode()  # the recovery codes, then on into Staffroom
    assert "Your unused codes" in codes and 'href="/"' in codes
    assert client.get(f"/c/{conversation.pk}/").status_code == 200
    # Next time, the password is not enough on its own.
    later = Client()
    assert later.post("/accounts/login/", {"login": new_head.email, "password": PASSWORD})["Location"] == (
        "/accounts/2fa/authenticate/"
    )


def test_the_api_says_mfa_required_and_where_to_set_it_up(world, new_head):
    token = actions.create_token(new_head, acting=new_head)
    for response in [
        api(Client(), "get", "/me", token=token),
        api(Client(), "get", "/conversations", token=token),
        api(signed_in(new_head), "get", "/me"),
    ]:
        assert response.status_code == 403
        error = response.json()["error"]
        assert error["code"] == "mfa_required"
        assert SET_UP in error["message"]


def test_their_token_does_not_fetch_a_file_either(world, new_head):
    from staffroom.messaging import actions as messaging

    upload = messaging.store_upload(acting=new_head, data=b"Minutes", filename="minutes.txt")
    token = actions.create_token(new_head, acting=new_head)
    response = Client().get(f"/files/{upload.pk}/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "mfa_required"
    assert b"Minutes" not in response.content


def test_no_token_is_issued_to_them(world, new_head):
    response = api(Client(), "post", "/auth/token", {"email": new_head.email, "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "mfa_required"
    # A wrong password is still just a wrong password: nothing is said about the second step.
    wrong = api(Client(), "post", "/auth/token", {"email": new_head.email, "password": "not it"})
    assert wrong.status_code == 401


def test_a_leader_with_an_app_gets_a_token_with_their_code(world):
    secret = authenticator_app(head := factories.person(world.school, Role.HEADTEACHER))
    body = {"email": head.email, "password": PASSWORD, "otp": totp_code(secret)}
    response = api(Client(), "post", "/auth/token", body)
    assert response.status_code == 200
    assert api(Client(), "get", "/me", token=response.json()["token"]).status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_their_socket_is_closed_as_forbidden():
    world = await sync_to_async(factories.world)()
    head = await sync_to_async(factories.person)(world.school, Role.HEADTEACHER)
    token = await sync_to_async(actions.create_token)(head, acting=head)
    ws = WebsocketCommunicator(application, "/ws/events", headers=[(b"host", b"testserver")])
    assert (await ws.connect())[0]
    await ws.send_json_to({"type": "auth", "token": token})
    assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}


def test_all_staff_applies_to_teachers_and_never_to_pupils(world):
    actions.set_second_factor_rule("adults", acting=world.admin)
    for who in ["teacher", "ta", "office", "governor", "external"]:
        person = getattr(world, who)
        assert signed_in(person).get("/")["Location"] == SET_UP, who
        token = actions.create_token(person, acting=person) if who != "external" else None
        if token:
            assert api(Client(), "get", "/me", token=token).json()["error"]["code"] == "mfa_required"
    assert signed_in(world.pupil).get("/").status_code == 200
    token = actions.create_token(world.pupil, acting=world.pupil)
    assert api(Client(), "get", "/me", token=token).status_code == 200


def test_nobody_required_lets_a_new_head_in(world, new_head):
    actions.set_second_factor_rule("nobody", acting=world.admin)
    assert signed_in(new_head).get("/").status_code == 200


def test_a_policy_change_applies_at_the_next_request(world, new_head):
    client = signed_in(world.teacher)
    assert client.get("/").status_code == 200
    actions.set_second_factor_rule("adults", acting=world.admin)
    assert client.get("/")["Location"] == SET_UP
    actions.set_second_factor_rule("leaders", acting=world.admin)
    assert client.get("/").status_code == 200


def test_the_policy_of_one_organisation_is_not_another_s(world):
    actions.set_second_factor_rule("adults", acting=world.admin)
    assert signed_in(world.outsider).get("/").status_code == 200


def test_someone_required_cannot_remove_their_last_authenticator_app(world):
    adapter = StaffroomMFAAdapter()
    app = Authenticator.objects.get(user=world.head, type=Authenticator.Type.TOTP)
    assert not adapter.can_delete_authenticator(app)
    Authenticator.objects.create(user=world.head, type=Authenticator.Type.WEBAUTHN, data={"name": "Phone"})
    assert adapter.can_delete_authenticator(app)
    teacher_app = Authenticator.objects.get(pk=Authenticator.objects.create(
        user=world.teacher, type=Authenticator.Type.TOTP, data={"secret": "x"}
    ).pk)  # fmt: skip
    assert adapter.can_delete_authenticator(teacher_app)


def test_the_profile_links_to_the_second_step_and_the_password_change(world):
    page = signed_in(world.head).get("/profile").content.decode()
    assert 'href="/accounts/2fa/"' in page and 'href="/accounts/password/change/"' in page
    assert "Required for your role" in page
    assert "Required for your role" not in signed_in(world.teacher).get("/profile").content.decode()


def test_the_audit_says_how_they_signed_in(world):
    from staffroom.compliance.audit import AuditAction
    from staffroom.compliance.models import AuditEntry

    head = factories.person(world.school, Role.HEADTEACHER)
    secret = authenticator_app(head)
    client = Client()
    assert client.post("/accounts/login/", {"login": head.email, "password": PASSWORD})["Location"] == (
        "/accounts/2fa/authenticate/"
    )
    assert client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)}).status_code == 302
    entry = AuditEntry.objects.filter(action=AuditAction.SESSION_SIGNED_IN, target_id=str(head.pk)).get()
    assert entry.data == {"method": "password+totp"}
