"""The notification endpoints of DESIGN.md's "Everyday" section: the push key, devices, preferences."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from staffroom.accounts.models import PushSubscription
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def subscription(endpoint: str = "") -> dict:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {
        "endpoint": endpoint or "https://fcm.googleapis.com/fcm/send/" + os.urandom(8).hex(),
        "keys": {"p256dh": b64(point), "auth": b64(os.urandom(16))},
    }


def test_the_push_key_is_the_servers_vapid_public_key(world, as_person):
    key = as_person(world.teacher).get("/push/key").json()["public_key"]
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65 and raw[0] == 4
    assert as_person(None).get("/push/key").status_code == 401


def test_a_device_is_added_listed_replaced_and_removed(world, as_person):
    api = as_person(world.teacher)
    sent = subscription()
    created = api.post("/push/subscriptions", sent)
    assert created.status_code == 201
    device = created.json()
    assert set(device) == {"id", "label", "created_at", "last_success_at"}  # never the address or keys
    assert api.post("/push/subscriptions", sent).status_code == 200
    assert [d["id"] for d in api.get("/push/subscriptions").json()["items"]] == [device["id"]]
    assert as_person(world.teacher2).get("/push/subscriptions").json()["items"] == []
    assert error_of(as_person(world.teacher2).delete(f"/push/subscriptions/{device['id']}"))["code"] == "not_found"
    assert api.delete(f"/push/subscriptions/{device['id']}").status_code == 204
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "http://fcm.googleapis.com/fcm/send/x"}, "endpoint"),
        ({"endpoint": "https://10.0.0.5/internal"}, "endpoint"),
        ({"keys": {"p256dh": "AAAA", "auth": b64(os.urandom(16))}}, "keys.p256dh"),
        ({"keys": {"p256dh": None, "auth": b64(os.urandom(8))}}, "keys.auth"),
    ],
)
def test_a_subscription_that_is_not_one_is_refused_with_its_field(world, as_person, change, field):
    body = subscription()
    if "keys" in change and change["keys"]["p256dh"] is None:
        change["keys"]["p256dh"] = body["keys"]["p256dh"]
    body.update(change)
    response = as_person(world.teacher).post("/push/subscriptions", body)
    assert response.status_code == 422
    assert error_of(response)["field"] == field
    assert not PushSubscription.objects.exists()


def test_preferences_default_to_the_schools_hours(world, as_person):
    assert as_person(world.teacher).get("/me/preferences").json() == {
        "language": "en",
        "notify": "all",
        "quiet_hours": {"start": "07:30", "end": "18:00", "days": [0, 1, 2, 3, 4]},
        "quiet_hours_from": "school",
        "sound": False,
    }


def test_preferences_are_changed_and_reset_to_the_schools(world, as_person):
    api = as_person(world.teacher)
    changed = api.patch(
        "/me/preferences",
        {"language": "cy", "notify": "mentions", "quiet_hours": {"start": "08:15", "end": "16:45", "days": [0, 2]}},
    ).json()
    assert changed["quiet_hours"] == {"start": "08:15", "end": "16:45", "days": [0, 2]}
    assert (changed["language"], changed["notify"], changed["quiet_hours_from"]) == ("cy", "mentions", "own")
    reset = api.patch("/me/preferences", {"quiet_hours": None}).json()
    assert reset["quiet_hours_from"] == "school" and reset["language"] == "cy"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"language": "de"}, "language"),
        ({"notify": "loud"}, "notify"),
        ({"quiet_hours": {"start": "8am", "end": "16:00", "days": [0]}}, "quiet_hours.start"),
        ({"quiet_hours": {"start": "08:00", "end": "16:00", "days": [0, 9]}}, "quiet_hours.days"),
    ],
)
def test_bad_preferences_answer_422_with_the_field(world, as_person, body, field):
    response = as_person(world.teacher).patch("/me/preferences", body)
    assert response.status_code == 422
    assert error_of(response)["field"] == field


def test_a_conversation_is_muted_by_a_member_only(world, as_person):
    group = world.group(world.teacher2)
    api = as_person(world.teacher2)
    assert api.patch(f"/conversations/{group.pk}/notify", {"notify": "none"}).json() == {
        "conversation_id": group.pk,
        "notify": "none",
    }
    assert api.get(f"/conversations/{group.pk}/notify").json()["notify"] == "none"
    assert as_person(world.ta).patch(f"/conversations/{group.pk}/notify", {"notify": "none"}).status_code == 404


def test_urgent_is_refused_to_anyone_but_a_headteacher(world, as_person):
    notices = world.announcement(world.teacher)
    sent = as_person(world.head).post(f"/conversations/{notices.pk}/messages", {"body": "Snow", "urgent": True})
    assert sent.status_code == 201
    group = world.group(world.teacher2)
    refused = as_person(world.teacher).post(f"/conversations/{group.pk}/messages", {"body": "Snow", "urgent": True})
    assert error_of(refused)["field"] == "urgent"


def test_school_defaults_by_an_it_admin_and_not_a_teacher(world, as_person):
    hours = {"start": "08:00", "end": "17:00", "days": [0, 1, 2, 3, 4]}
    answer = as_person(world.admin).patch("/admin/notifications", {"show_titles": True, "quiet_hours": hours})
    assert answer.json() == {"school_id": None, "show_titles": True, "quiet_hours": hours}
    assert as_person(world.teacher).patch("/admin/notifications", {"show_titles": False}).status_code == 403
    assert as_person(world.teacher).get("/me/preferences").json()["quiet_hours"] == hours
