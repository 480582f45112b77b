"""An external past their end date, or a leaver, gets nothing on the web: not at sign-in, not from a session that
was already open. Every web route is walked with real ids, so a route added later is covered too."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import URLPattern
from django.utils import timezone

from staffroom.compliance.models import AuditEntry
from staffroom.messaging import actions
from staffroom.messaging.models import Membership, Message
from staffroom.web import urls as web_urls
from tests.factories import PASSWORD
from tests.web.conftest import HTMX

SECRET = "Posted after the external's access ended"


@pytest.fixture
def ended(world):
    """The world's external, a member of a group with messages and a file, whose access ended yesterday."""
    group = world.group(world.external, title="Visiting speech therapist")
    earlier, _ = actions.send_message(group, acting=world.teacher, body="Welcome")
    upload = actions.store_upload(acting=world.teacher, data=b"Notes for the visit", filename="notes.txt")
    world.external.access_ends_on = timezone.localdate() - dt.timedelta(days=1)
    world.external.save(update_fields=["access_ends_on"])
    later, _ = actions.send_message(group, acting=world.teacher, body=SECRET, attachment_ids=[str(upload.pk)])
    return {
        "person": world.external,
        "conversation_id": group.pk,
        "message_id": later.pk,
        "person_id": world.teacher.pk,
        "attachment_id": upload.pk,
        "token_id": 1,
        "earlier": earlier,
        "request_id": actions.request_external(
            acting=world.teacher,
            name="Another visitor",
            email="visitor@nhs.example",
            organisation_name="NHS",
            reason="Sessions",
            conversation_ids=[group.pk],
        ).pk,
        "decision": "approve",
        "breach_id": 1,
        "step": "decide",
        "kind": "google",
    }


# Parameters of console routes whose rows need not exist for the walk: a refusal comes before any lookup.
ROUTE_DEFAULTS = {
    "token_id": 1, "breach_id": 1, "step": "decide", "kind": "google", "decision": "approve", "what": "school-add",
    "device_id": 1, "rule_id": 1, "hold_id": 1,
    "erasure_id": 1, "sar_id": 1, "export_id": 1, "concern_id": 1,
    "policy_id": 1, "version_id": 1, "closure_id": 1,
}  # fmt: skip


# The installable app's shell and the emoji picker's data set: the same for everyone, fetched before anyone
# signs in or cached for a year, with nothing personal in them.
PUBLIC_ROUTES = {"manifest", "service_worker", "offline", "emoji_data"}


def web_routes(ids: dict) -> list[str]:
    """Every URL of the web app but the public shell, its parameters filled with the ids of real rows the
    person could once see."""
    urls = []
    known = {**ROUTE_DEFAULTS, **ids}
    for pattern in web_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in PUBLIC_ROUTES:
            continue
        route = str(pattern.pattern)
        urls.append("/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(known[m.group(1)]), route))
    return urls


def assert_sent_to_sign_in(response, url: str) -> None:
    if response.status_code == 401:  # htmx: the whole page goes to sign-in
        assert response["HX-Redirect"].startswith("/accounts/login/"), url
    else:
        assert response.status_code == 302, (url, response.status_code)
        assert response["Location"].startswith("/accounts/login/"), url
    assert SECRET.encode() not in response.content, url


def test_the_walk_covers_every_web_route(ended):
    urls = web_routes(ended)
    assert len(urls) + len(PUBLIC_ROUTES) == len(web_urls.urlpatterns)
    assert f"/c/{ended['conversation_id']}/" in urls and f"/files/{ended['attachment_id']}/" in urls


@pytest.mark.parametrize("extra", [{}, HTMX], ids=["page", "htmx"])
def test_open_session_of_an_expired_external_stops_working_on_every_web_route(ended, extra):
    before = (Message.objects.count(), Membership.objects.count())
    for url in web_routes(ended):
        client = Client()
        client.force_login(ended["person"])
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"body": "still here?", "emoji": "👍"}, **extra)
            assert_sent_to_sign_in(response, f"{method.upper()} {url}")
    assert (Message.objects.count(), Membership.objects.count()) == before


def test_the_session_is_ended_for_good_and_the_end_is_audited(ended):
    client = Client()
    client.force_login(ended["person"])
    assert client.get("/").status_code == 302
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="session.access_ended")
    assert entry.target_id == str(ended["person"].pk)
    assert entry.data["access_ends_on"] == str(ended["person"].access_ends_on)
    # Nothing left to end: the next request is a stranger's, and writes nothing more.
    assert client.get("/profile").status_code == 302
    assert AuditEntry.objects.filter(action="session.access_ended").count() == 1


def test_an_open_session_is_told_why_on_the_sign_in_page(ended):
    client = Client()
    client.force_login(ended["person"])
    page = client.get(f"/c/{ended['conversation_id']}/", follow=True).content.decode()
    assert "Your access to Staffroom ended on" in page
    assert SECRET not in page and "Welcome" not in page


def test_an_expired_external_cannot_sign_in_and_sees_why(ended):
    client = Client()
    response = client.post("/accounts/login/", {"login": ended["person"].email, "password": PASSWORD})
    page = response.content.decode()
    assert response.status_code == 403
    ends = ended["person"].access_ends_on
    assert f"Your access to Staffroom ended on {ends.day} {ends:%B %Y}" in page
    assert "member of staff who invited you" in page
    assert SECRET not in page and "Visiting speech therapist" not in page
    assert "_auth_user_id" not in client.session
    for url in web_routes(ended):
        assert_sent_to_sign_in(client.get(url), url)


def test_a_wrong_password_does_not_reveal_that_access_ended(ended):
    response = Client().post("/accounts/login/", {"login": ended["person"].email, "password": "not it at all"})
    assert response.status_code == 200
    assert "ended" not in response.content.decode()


def test_an_external_can_still_sign_in_on_their_last_day(world):
    world.external.access_ends_on = timezone.localdate()
    world.external.save(update_fields=["access_ends_on"])
    client = Client()
    response = client.post("/accounts/login/", {"login": world.external.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_an_inactive_person_cannot_sign_in_and_sees_why(world):
    type(world.teacher2).objects.filter(pk=world.teacher2.pk).update(is_active=False)
    client = Client()
    response = client.post("/accounts/login/", {"login": world.teacher2.email, "password": PASSWORD}, follow=True)
    page = response.content.decode()
    assert "This account is no longer active" in page
    assert "_auth_user_id" not in client.session


def test_open_session_of_a_person_made_inactive_outside_an_action_stops_working(world):
    """Deactivation through the action ends sessions itself; this is the net under any other path."""
    client = Client()
    client.force_login(world.teacher2)
    type(world.teacher2).objects.filter(pk=world.teacher2.pk).update(is_active=False)
    assert_sent_to_sign_in(client.get("/"), "/")
    assert "_auth_user_id" not in client.session


def test_allauth_pages_also_end_the_session(ended):
    client = Client()
    client.force_login(ended["person"])
    response = client.get("/accounts/sessions/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
