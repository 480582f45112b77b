"""The installable app: the manifest and the service worker are served from the root with the right types, the
content security policy lets them load, and every page links them."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def test_the_manifest_makes_staffroom_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/", "/", "standalone")
    assert manifest["name"] == manifest["short_name"] == "Staffroom"
    assert manifest["theme_color"]
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "maskable"), ("512x512", "maskable"), ("192x192", "any"), ("512x512", "any")} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_manifest_speaks_the_browser_s_language(client):
    english = json.loads(client.get("/manifest.webmanifest").content)
    response = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="cy")
    welsh = json.loads(response.content)
    assert (english["lang"], welsh["lang"]) == ("en-GB", "cy")
    assert welsh["description"] != english["description"] and welsh["name"] == "Staffroom"
    assert "Accept-Language" in response["Vary"]


def test_the_service_worker_is_served_from_the_root_and_never_cached_stale(client, world):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    assert 'var CACHE = "staffroom-shell-' in script
    assert "/offline" in script and "/static/staffroom/app.css" in script
    assert "showNotification" in script and "notificationclick" in script
    client.force_login(world.teacher)
    assert client.get("/sw.js")["Cache-Control"] == "private, no-store"  # signed in: stricter still


def test_the_offline_page_names_nobody(client, world):
    client.force_login(world.teacher)
    html = client.get("/offline").content.decode()
    assert "You are offline" in html
    assert world.teacher.name not in html and world.teacher.email not in html


def test_the_content_security_policy_allows_the_worker_and_manifest_from_this_site_only(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["worker-src"] == "'self'"
    assert directives["manifest-src"] == "'self'"
    assert directives["script-src"] == "'self'"


def test_every_page_links_the_manifest_and_the_icons_ios_needs(client, world):
    client.force_login(world.teacher)
    html = client.get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'rel="apple-touch-icon"' in html and 'name="apple-mobile-web-app-capable"' in html
    assert 'name="theme-color"' in html
    assert "/static/staffroom/device.js" in html and 'data-service-worker="/sw.js"' in html
    assert 'data-unread-total="' in html


def test_someone_who_must_set_up_a_second_step_still_gets_the_worker_and_manifest(client, world):
    client.force_login(world.head)  # the factories gave leaders an app; take it away
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=world.head).delete()
    assert client.get("/").status_code == 302
    for path in ("/sw.js", "/manifest.webmanifest", "/offline"):
        assert client.get(path).status_code == 200, path


def test_the_profile_has_preferences_and_this_devices_notifications(client, world):
    client.force_login(world.teacher)
    html = client.get("/profile").content.decode()
    assert "Notifications and working hours" in html
    assert "07:30 to 18:00, Monday to Friday" in html
    assert 'id="this-device"' in html


def test_preferences_are_saved_from_the_profile_and_bad_times_are_shown_at_the_field(client, world):
    from staffroom.accounts.models import Preferences

    client.force_login(world.teacher)
    bad = client.post(
        "/profile/preferences",
        {"language": "en", "notify": "all", "own_hours": "on", "start": "25:00", "end": "17:00", "days": ["0"]},
    )
    assert bad.status_code == 422
    assert "HH:MM" in bad.content.decode()
    assert not Preferences.objects.exists()
    good = client.post(
        "/profile/preferences",
        {"language": "en", "notify": "mentions", "own_hours": "on", "start": "08:00", "end": "17:00",
         "days": ["0", "2"], "sound": "on"},
    )  # fmt: skip
    assert good.status_code == 302
    saved = Preferences.objects.get(person=world.teacher)
    assert (saved.notify, saved.work_days, saved.sound) == ("mentions", [0, 2], True)
    assert "data-sound=" in client.get("/").content.decode()


def test_a_member_mutes_a_conversation_from_its_page(client, world):
    from staffroom.messaging.models import Membership

    group = world.group(world.teacher2)
    client.force_login(world.teacher2)
    assert 'name="notify"' in client.get(f"/c/{group.pk}/").content.decode()
    assert client.post(f"/c/{group.pk}/notify", {"notify": "none"}).status_code == 302
    assert Membership.objects.get(conversation=group, person=world.teacher2).notify == "none"


def test_only_a_headteacher_is_offered_urgent_in_an_announcement(client, world):
    notices = world.announcement(world.teacher)
    client.force_login(world.head)
    assert 'name="urgent"' in client.get(f"/c/{notices.pk}/").content.decode()
    client.force_login(world.teacher)
    assert 'name="urgent"' not in client.get(f"/c/{notices.pk}/").content.decode()
