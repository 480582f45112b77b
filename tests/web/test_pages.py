"""Every page renders for every role, is private to those who may see it, and keeps to the strict CSP."""

import pytest

from staffroom.messaging import actions
from tests.factories import PASSWORD
from tests.web.conftest import assert_no_inline_code

ROLES = ["admin", "head", "dpo", "dsl", "teacher", "ta", "office", "governor", "pupil", "external"]


@pytest.mark.parametrize("role", ROLES)
def test_home_profile_and_search_render_for_every_role(world, as_person, role):
    client = as_person(getattr(world, role))
    for url in ["/", "/profile", "/search", "/search?q=hello"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_inline_code(response.content.decode())


@pytest.mark.parametrize("role", ["head", "teacher", "ta", "governor", "external"])
def test_conversation_page_renders_for_a_member_of_each_role(world, as_person, role):
    person = getattr(world, role)
    conversation = world.group(person, title="Planning")
    actions.send_message(conversation, acting=world.teacher, body="Agenda for *Monday*")
    response = as_person(person).get(f"/c/{conversation.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Planning" in html
    assert "<em>Monday</em>" in html  # the sanitised HTML is rendered, not escaped
    assert 'name="body"' in html and ">Message</label>" in html and ">Send</button>" in html
    assert_no_inline_code(html)


def test_pupil_sees_their_class_channel(world, as_person):
    conversation = world.class_channel()
    actions.send_message(conversation, acting=world.teacher, body="Homework is on page 12")
    response = as_person(world.pupil).get(f"/c/{conversation.pk}/")
    assert response.status_code == 200
    assert "Homework is on page 12" in response.content.decode()


def test_pages_require_sign_in(client, world):
    conversation = world.group(world.teacher2)
    for url in ["/", f"/c/{conversation.pk}/", "/search?q=x", "/profile", "/sidebar"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_htmx_request_after_sign_out_is_sent_to_sign_in_page(client, world):
    conversation = world.group(world.teacher2)
    response = client.get(f"/c/{conversation.pk}/composer", HTTP_HX_REQUEST="true")
    assert response.status_code == 401
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")


def test_non_member_gets_404_for_a_conversation(world, as_person):
    conversation = world.group(world.teacher2)
    for outsider in [world.ta, world.pupil, world.outsider, world.external]:
        response = as_person(outsider).get(f"/c/{conversation.pk}/")
        assert response.status_code == 404
        assert "This page does not exist, or you do not have access to it." in response.content.decode()


def test_unknown_conversation_looks_the_same_as_a_hidden_one(world, as_person):
    assert as_person(world.teacher).get("/c/999999/").status_code == 404


def test_message_fragment_is_404_for_non_members_and_for_the_wrong_conversation(world, as_person):
    conversation = world.group(world.teacher2)
    other = world.group(world.ta, title="Other")
    message, _ = actions.send_message(conversation, acting=world.teacher, body="Private")
    assert as_person(world.ta).get(f"/c/{conversation.pk}/m/{message.pk}/").status_code == 404
    assert as_person(world.ta).get(f"/c/{other.pk}/m/{message.pk}/").status_code == 404
    assert as_person(world.teacher2).get(f"/c/{conversation.pk}/m/{message.pk}/").status_code == 200


def test_dsl_can_read_and_post_in_a_class_channel_they_oversee_without_joining(world, as_person):
    conversation = world.class_channel()
    response = as_person(world.dsl).get(f"/c/{conversation.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "you oversee it for safeguarding" in html
    assert 'name="body" rows="2" disabled' not in html
    assert "Send</button>" in html
    sidebar = as_person(world.dsl).get("/sidebar").content.decode()
    assert "Class channels you oversee" in sidebar


def test_csp_and_security_headers_are_sent(world, as_person):
    response = as_person(world.teacher).get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_page_configures_htmx_without_eval_and_sends_csrf_header(world, as_person):
    html = as_person(world.teacher).get("/").content.decode()
    assert '<meta name="htmx-config"' in html
    assert '"allowEval":false' in html and '"includeIndicatorStyles":false' in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "/static/staffroom/vendor/htmx-2.0.11.min.js" in html
    assert "/static/staffroom/live.js" in html


def test_page_has_landmarks_skip_link_and_live_region(world, as_person):
    conversation = world.group(world.teacher2)
    html = as_person(world.teacher).get(f"/c/{conversation.pk}/").content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert 'aria-label="Conversations"' in html
    assert 'aria-live="polite"' in html
    assert '<html lang="en-GB">' in html


def test_profile_shows_own_details_only(world, as_person):
    html = as_person(world.teacher).get("/profile").content.decode()
    assert world.teacher.name in html
    assert world.teacher.email in html
    assert "Teacher" in html
    assert world.school.name in html
    assert "/accounts/sessions/" in html


def test_login_page_signs_in_with_email_and_password(client, world):
    page = client.get("/accounts/login/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'for="id_login">Email address</label>' in html
    assert 'for="id_password">Password</label>' in html
    assert_no_inline_code(html)
    response = client.post("/accounts/login/", {"login": world.teacher.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_page_shows_a_readable_error_for_a_wrong_password(client, world):
    response = client.post("/accounts/login/", {"login": world.teacher.email, "password": "wrong password"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "You could not be signed in" in html
    assert 'role="alert"' in html


def test_sign_up_is_closed(client, db):
    response = client.get("/accounts/signup/")
    assert b"id_password1" not in response.content


def test_sign_out_page_posts_with_csrf(world, as_person):
    client = as_person(world.teacher)
    html = client.get("/accounts/logout/").content.decode()
    assert 'action="/accounts/logout/"' in html and "csrfmiddlewaretoken" in html
    assert_no_inline_code(html)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_sessions_page_renders_in_the_staffroom_layout(world, client):
    client.post("/accounts/login/", {"login": world.teacher.email, "password": PASSWORD})
    response = client.get("/accounts/sessions/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Skip to main content" in html
    assert_no_inline_code(html)


def test_a_bad_cursor_is_a_plain_error_not_a_crash(world, as_person):
    conversation = world.group(world.teacher2)
    client = as_person(world.teacher)
    response = client.get(f"/c/{conversation.pk}/older?before=abc", HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "The cursor is not valid" in response.content.decode()
    assert client.get(f"/c/{conversation.pk}/?before=abc").status_code == 200  # the page just starts at the newest
