"""A message posted reaches its members' devices as a real Web Push: encrypted for each device (aes128gcm), signed
with the server's VAPID key, and saying only that there is a new message, never what it says."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from staffroom.accounts import actions as account_actions
from staffroom.accounts.models import NotificationPolicy, Preferences, PushSubscription
from staffroom.compliance.actions import report_lost_device
from staffroom.messaging import actions
from staffroom.notifications import outbox, vapid

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TUESDAY_MORNING = datetime(2025, 3, 4, 10, 0, tzinfo=LONDON)
TUESDAY_NIGHT = datetime(2025, 3, 4, 22, 30, tzinfo=LONDON)
SATURDAY_MORNING = datetime(2025, 3, 8, 10, 0, tzinfo=LONDON)
SECRET = "The Year 9 trip money is in the blue folder"


@pytest.fixture
def at(monkeypatch):
    """at(moment): what the sender takes the time to be."""

    def set_time(moment: datetime) -> None:
        monkeypatch.setattr(outbox, "clock", lambda: moment)

    set_time(TUESDAY_MORNING)
    return set_time


def send(conversation, author, body=SECRET, capture=None, **kwargs):
    with capture(execute=True):
        message, _ = actions.send_message(conversation, acting=author, body=body, **kwargs)
    return message


def test_a_new_message_sends_each_other_member_an_encrypted_push_without_its_text(
    world, push_service, at, django_capture_on_commit_callbacks
):
    group = world.group(world.teacher2, world.ta)
    device, subscription = push_service.subscribe(world.teacher2)
    ta_device, _ = push_service.subscribe(world.ta)
    own_device, _ = push_service.subscribe(world.teacher)

    send(group, world.teacher, capture=django_capture_on_commit_callbacks)

    (received,) = push_service.to(device)
    assert received.headers["content-encoding"] == "aes128gcm"
    assert SECRET.encode() not in received.body
    assert device.decrypt(received.body) == {
        "title": "Staffroom",
        "body": "New message in a conversation",
        "url": f"/c/{group.pk}/",
        "tag": f"c{group.pk}",
    }
    # Signed with the server's VAPID key, which the device subscribed with.
    assert f"k={vapid.public_key()}" in received.headers["authorization"]
    assert received.headers["authorization"].startswith("vapid t=")
    assert int(received.headers["ttl"]) > 0
    assert len(push_service.to(ta_device)) == 1
    assert push_service.to(own_device) == []  # never to the author
    subscription.refresh_from_db()
    assert subscription.last_success_at == TUESDAY_MORNING


def test_the_conversation_title_is_shown_only_where_the_organisation_allows_it(
    world, push_service, at, django_capture_on_commit_callbacks
):
    group = world.group(world.teacher2, title="Year 9 team")
    device, _ = push_service.subscribe(world.teacher2)
    NotificationPolicy.objects.create(organisation=world.org, show_titles=True)

    send(group, world.teacher, capture=django_capture_on_commit_callbacks)

    (received,) = push_service.to(device)
    payload = device.decrypt(received.body)
    assert payload["body"] == "New message in Year 9 team"
    assert SECRET not in str(payload)


@pytest.mark.parametrize("moment", [TUESDAY_NIGHT, SATURDAY_MORNING])
def test_nothing_is_pushed_outside_working_hours(world, push_service, at, moment, django_capture_on_commit_callbacks):
    group = world.group(world.teacher2)
    device, _ = push_service.subscribe(world.teacher2)
    at(moment)

    send(group, world.teacher, capture=django_capture_on_commit_callbacks)

    assert push_service.to(device) == []


def test_a_persons_own_working_hours_replace_the_schools(world, push_service, at, django_capture_on_commit_callbacks):
    group = world.group(world.teacher2)
    device, _ = push_service.subscribe(world.teacher2)
    account_actions.change_preferences(
        acting=world.teacher2, quiet_hours={"start": "20:00", "end": "23:00", "days": [1]}
    )
    at(TUESDAY_MORNING)
    send(group, world.teacher, capture=django_capture_on_commit_callbacks)
    assert push_service.to(device) == []
    at(TUESDAY_NIGHT)
    send(group, world.teacher, body="later", capture=django_capture_on_commit_callbacks)
    assert len(push_service.to(device)) == 1


def test_school_default_hours_apply_to_its_staff(world, push_service, at, django_capture_on_commit_callbacks):
    group = world.group(world.teacher2)
    device, _ = push_service.subscribe(world.teacher2)
    account_actions.set_notification_policy(
        acting=world.head, school_id=world.school.pk, quiet_hours={"start": "08:00", "end": "16:00", "days": [5]}
    )
    at(SATURDAY_MORNING)
    send(group, world.teacher, capture=django_capture_on_commit_callbacks)
    assert len(push_service.to(device)) == 1


def test_mentions_only_and_muted_conversations(world, push_service, at, django_capture_on_commit_callbacks):
    group = world.group(world.teacher2, world.ta)
    mentions_device, _ = push_service.subscribe(world.teacher2)
    muted_device, _ = push_service.subscribe(world.ta)
    actions.set_notify(group, acting=world.teacher2, notify="mentions")
    actions.set_notify(group, acting=world.ta, notify="none")

    send(group, world.teacher, body="Morning all", capture=django_capture_on_commit_callbacks)
    assert push_service.to(mentions_device) == []
    send(
        group,
        world.teacher,
        body=f"@{world.teacher2.handle} can you cover P3?",
        capture=django_capture_on_commit_callbacks,
    )
    assert len(push_service.to(mentions_device)) == 1
    send(group, world.teacher, body=f"@{world.ta.handle} and you?", capture=django_capture_on_commit_callbacks)
    assert push_service.to(muted_device) == []


def test_a_person_who_wants_no_notifications_gets_none(world, push_service, at, django_capture_on_commit_callbacks):
    group = world.group(world.teacher2)
    device, _ = push_service.subscribe(world.teacher2)
    account_actions.change_preferences(acting=world.teacher2, notify="none")
    send(group, world.teacher, body=f"@{world.teacher2.handle} hello", capture=django_capture_on_commit_callbacks)
    assert push_service.to(device) == []


def test_an_urgent_announcement_by_the_headteacher_is_pushed_outside_working_hours(
    world, push_service, at, django_capture_on_commit_callbacks
):
    notices = world.announcement(world.teacher2, world.ta)
    device, _ = push_service.subscribe(world.teacher2)
    muted, _ = push_service.subscribe(world.ta)
    actions.set_notify(notices, acting=world.ta, notify="none")
    at(TUESDAY_NIGHT)

    send(notices, world.head, body="School closed tomorrow: snow", capture=django_capture_on_commit_callbacks)
    assert push_service.to(device) == []  # not urgent: waits for the morning

    send(
        notices,
        world.head,
        body="School closed tomorrow: snow.",
        urgent=True,
        capture=django_capture_on_commit_callbacks,
    )
    (received,) = push_service.to(device)
    assert device.decrypt(received.body)["body"] == "Urgent announcement"
    assert received.headers["urgency"] == "high"
    assert len(push_service.to(muted)) == 1  # urgent passes a conversation's mute


def test_a_device_the_push_service_says_is_gone_is_forgotten(
    world, push_service, at, django_capture_on_commit_callbacks
):
    group = world.group(world.teacher2)
    device, subscription = push_service.subscribe(world.teacher2)
    push_service.statuses[device.endpoint.removeprefix(push_service.base_url)] = 410

    send(group, world.teacher, capture=django_capture_on_commit_callbacks)

    assert len(push_service.to(device)) == 1
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_a_deleted_message_is_not_pushed_and_a_failed_push_service_does_not_fail_the_send(
    world, push_service, at, django_capture_on_commit_callbacks
):
    group = world.group(world.teacher2)
    device, subscription = push_service.subscribe(world.teacher2)
    push_service.statuses[device.endpoint.removeprefix(push_service.base_url)] = 500
    message = send(group, world.teacher, capture=django_capture_on_commit_callbacks)
    assert message.pk
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()  # a 500 is not "gone"
    actions.delete_message(message, acting=world.teacher)
    assert outbox.deliver(message.pk) == {}


@pytest.mark.parametrize("how", ["sign_out_everywhere", "deactivate", "lost_device"])
def test_signing_out_everywhere_leaving_and_a_lost_device_end_every_subscription(world, push_service, how):
    push_service.subscribe(world.teacher2)
    push_service.subscribe(world.teacher2)
    push_service.subscribe(world.ta)
    if how == "sign_out_everywhere":
        account_actions.end_sessions(world.teacher2.pk, acting=world.admin, reason="Phone stolen")
    elif how == "deactivate":
        account_actions.deactivate_person(world.teacher2, acting=world.admin, reason="Left the school")
    else:
        report_lost_device(acting=world.teacher2)
    assert not PushSubscription.objects.filter(person=world.teacher2).exists()
    assert PushSubscription.objects.filter(person=world.ta).count() == 1


def test_signing_out_of_one_session_ends_only_the_subscription_made_in_it(world, client, push_service):
    from allauth.usersessions.models import UserSession

    client.force_login(world.teacher2)
    session_key = client.session.session_key
    UserSession.objects.create(user=world.teacher2, session_key=session_key, ip="127.0.0.1", user_agent="test")
    device = push_service.device()
    response = client.post(
        "/api/v1/push/subscriptions",
        {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": b64(device.auth)}},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    other, _ = push_service.subscribe(world.teacher2)  # made with a token: no session
    assert PushSubscription.objects.get(endpoint=device.endpoint).session_key == session_key

    UserSession.objects.filter(session_key=session_key).delete()

    assert list(PushSubscription.objects.filter(person=world.teacher2).values_list("endpoint", flat=True)) == [
        other.endpoint
    ]


def b64(raw: bytes) -> str:
    from tests.notifications.conftest import b64 as encode

    return encode(raw)


def test_each_device_is_told_in_its_owner_s_language_not_the_author_s(
    world, push_service, at, django_capture_on_commit_callbacks
):
    Preferences.objects.update_or_create(person=world.teacher2, defaults={"language": "cy"})
    Preferences.objects.update_or_create(person=world.ta, defaults={"language": "en"})
    group = world.group(world.teacher2, world.ta)
    welsh_device, _ = push_service.subscribe(world.teacher2)
    english_device, _ = push_service.subscribe(world.ta)

    with translation.override("cy"):  # the author's page is Welsh: that decides nothing for the others
        send(group, world.teacher, capture=django_capture_on_commit_callbacks)
    with translation.override("en-gb"):
        send(group, world.teacher, capture=django_capture_on_commit_callbacks)

    assert [welsh_device.decrypt(p.body)["body"] for p in push_service.to(welsh_device)] == [
        "Neges newydd mewn sgwrs"
    ] * 2
    assert [english_device.decrypt(p.body)["body"] for p in push_service.to(english_device)] == [
        "New message in a conversation"
    ] * 2
