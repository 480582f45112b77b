"""Offline reading's server side (staffroom/offline.py): every answer names whose pages the service worker may
keep, and signing out or reporting a lost device tells the browser to drop them."""

import pytest
from django.test import Client

from staffroom.offline import CLEAR_SITE_DATA, KEY_HEADER, NOBODY

pytestmark = pytest.mark.django_db


def test_a_signed_in_page_names_its_session_key_and_nobody_else_shares_it(client, world):
    conversation = world.group(world.teacher2)
    client.force_login(world.teacher)
    first = client.get(f"/c/{conversation.pk}/")
    assert first.status_code == 200
    key = first[KEY_HEADER]
    assert key != NOBODY and len(key) == 32
    assert client.session.session_key not in key  # derived from the session, never the session key itself
    assert client.get("/")[KEY_HEADER] == key  # the same session keeps one key
    assert "Clear-Site-Data" not in first

    other = Client()
    other.force_login(world.teacher2)
    assert other.get("/")[KEY_HEADER] not in {key, NOBODY}
    again = Client()
    again.force_login(world.teacher)  # the same person in a new session: a new cache
    assert again.get("/")[KEY_HEADER] not in {key, NOBODY}


def test_nobody_signed_in_gets_none(client):
    response = client.get("/accounts/login/")
    assert response[KEY_HEADER] == NOBODY
    assert "Clear-Site-Data" not in response


def test_signing_out_clears_the_site_data(client, world):
    client.force_login(world.teacher)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == CLEAR_SITE_DATA == '"cache", "storage"'
    assert response[KEY_HEADER] == NOBODY
    assert client.get("/accounts/login/")[KEY_HEADER] == NOBODY


def test_reporting_a_lost_device_on_the_profile_clears_the_site_data(client, world):
    client.force_login(world.teacher)
    response = client.post("/profile/lost-device", {"note": "Left on the bus"})
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == CLEAR_SITE_DATA


def test_reporting_a_lost_device_through_the_api_clears_the_site_data(client, world):
    client.force_login(world.teacher)
    response = client.post("/api/v1/me/lost-device", {"note": "Phone stolen"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response["Clear-Site-Data"] == CLEAR_SITE_DATA
    assert response[KEY_HEADER] == NOBODY
    assert client.get("/")[KEY_HEADER] == NOBODY  # that session has ended too


def test_an_ordinary_post_does_not_clear_anything(client, world):
    conversation = world.group(world.teacher2)
    client.force_login(world.teacher)
    response = client.post(f"/c/{conversation.pk}/send", {"body": "Hello", "client_id": "x1"})
    assert response.status_code == 302
    assert "Clear-Site-Data" not in response


def test_signed_in_pages_carry_the_offline_words_and_the_worker_forgets_at_sign_out(client, world):
    conversation = world.group(world.teacher2)
    client.force_login(world.teacher)
    page = client.get(f"/c/{conversation.pk}/").content.decode()
    assert 'id="offline-banner"' in page
    assert "You're offline. Messages will send when you reconnect." in page
    assert "Files can be sent when you are back online." in page
    assert 'id="outbox"' in page and "staffroom/offline.js" in page
    worker = client.get("/sw.js").content.decode()
    assert "offline-sw" in worker and '"/accounts/logout/"' in worker and '"/profile/lost-device"' in worker


def test_the_offline_page_has_a_place_for_kept_conversations_and_nothing_about_anyone(client, world):
    client.force_login(world.teacher)
    page = client.get("/offline").content.decode()
    assert 'id="offline-conversations"' in page and "staffroom/offline.js" in page
    assert world.teacher.name not in page
