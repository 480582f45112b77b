"""A person's devices and preferences, and the school's notification defaults: each action leaves exactly its
audit entry, and bad input or a refusal leaves nothing (tests/verify.py)."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from staffroom.accounts import actions
from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import NotificationPolicy, Preferences, PushSubscription
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound, PermissionDenied
from tests.verify import verify_action, verify_refused, verify_unchanged

pytestmark = pytest.mark.django_db

A = AuditAction
FCM = "https://fcm.googleapis.com/fcm/send/"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def keys() -> tuple[str, str]:
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64(point), b64(os.urandom(16))


def subscribe(person, endpoint=None):
    p256dh, auth = keys()
    return actions.subscribe_device(
        acting=person, endpoint=endpoint or FCM + os.urandom(8).hex(), p256dh=p256dh, auth=auth,
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148 Safari/604.1",
    )[0]  # fmt: skip


# --- devices ----------------------------------------------------------------------------------------------


def test_turning_on_notifications_stores_the_device_and_records_it_without_its_address(world):
    p256dh, auth = keys()
    with verify_action(audit=[A.PUSH_DEVICE_ADDED], events=[]) as captured:
        subscription, created = actions.subscribe_device(
            acting=world.teacher, endpoint=FCM + "abc", p256dh=p256dh, auth=auth,
            user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1",
        )  # fmt: skip
    assert created and subscription.label == "Safari on iPhone"
    assert "fcm" not in str(captured.audit[0].data) + str(captured.audit[0].details)


def test_the_same_endpoint_again_replaces_the_device_even_someone_elses(world):
    first = subscribe(world.teacher, FCM + "shared")
    again = subscribe(world.teacher, FCM + "shared")
    assert again.pk == first.pk and PushSubscription.objects.count() == 1
    taken = subscribe(world.teacher2, FCM + "shared")
    assert list(PushSubscription.objects.values_list("pk", "person_id")) == [(taken.pk, world.teacher2.pk)]


@pytest.mark.parametrize(
    ("endpoint", "p256dh", "auth", "field"),
    [
        ("http://fcm.googleapis.com/fcm/send/x", None, None, "endpoint"),
        ("https://internal.school.example/admin", None, None, "endpoint"),
        ("https://user:pw@fcm.googleapis.com/x", None, None, "endpoint"),
        ("http://127.0.0.1:9/push", None, None, "endpoint"),  # loopback only when allowed (development, tests)
        ("not a url", None, None, "endpoint"),
        (FCM + "x", "AAAA", None, "keys.p256dh"),
        (FCM + "x", b64(b"\x05" + bytes(range(64))), None, "keys.p256dh"),  # fixed: xdist workers must agree
        (FCM + "x", None, b64(bytes(range(15))), "keys.auth"),
        (FCM + "x", None, "not base64!", "keys.auth"),
    ],
)
def test_an_endpoint_or_keys_that_are_not_a_push_subscription_are_refused(world, endpoint, p256dh, auth, field):
    good_p256dh, good_auth = keys()
    with verify_refused(Invalid, field=field):
        actions.subscribe_device(
            acting=world.teacher, endpoint=endpoint, p256dh=p256dh or good_p256dh, auth=auth or good_auth
        )


def test_a_person_has_a_limited_number_of_devices(world, settings):
    settings.STAFFROOM_PUSH_DEVICES_PER_PERSON = 2
    subscribe(world.teacher)
    subscribe(world.teacher)
    p256dh, auth = keys()
    with verify_refused(Invalid, field="endpoint"):
        actions.subscribe_device(acting=world.teacher, endpoint=FCM + "third", p256dh=p256dh, auth=auth)


def test_removing_a_device(world):
    subscription = subscribe(world.teacher)
    with verify_action(audit=[A.PUSH_DEVICE_REMOVED], events=[]):
        actions.remove_device(subscription.pk, acting=world.teacher)
    assert not PushSubscription.objects.exists()


def test_nobody_removes_someone_elses_device(world):
    subscription = subscribe(world.teacher)
    for someone in (world.teacher2, world.admin, world.outsider):
        with verify_refused(NotFound):
            actions.remove_device(subscription.pk, acting=someone)


def test_a_device_its_push_service_has_ended_is_forgotten_by_the_sender(world):
    subscription = subscribe(world.teacher)
    with verify_action(audit=[A.PUSH_DEVICE_GONE], events=[]) as captured:
        actions.forget_push_device(subscription.pk, acting=ServiceActor(Service.WORKER, world.org.pk), status=410)
    assert captured.audit[0].data == {"subscription_id": subscription.pk, "status": 410}


def test_the_sender_of_another_organisation_cannot_forget_a_device(world):
    subscription = subscribe(world.teacher)
    with verify_refused(NotFound):
        actions.forget_push_device(
            subscription.pk, acting=ServiceActor(Service.WORKER, world.outsider.organisation_id), status=410
        )


# --- preferences ------------------------------------------------------------------------------------------


def test_changing_ones_preferences(world):
    with verify_action(audit=[A.PREFERENCES_CHANGED], events=[]) as captured:
        actions.change_preferences(
            acting=world.teacher, language="cy", notify="mentions", sound=True,
            quiet_hours={"start": "08:00", "end": "17:30", "days": [4, 0, 1, 0]},
        )  # fmt: skip
    assert captured.audit[0].data == {"changed": ["language", "notify", "quiet_hours", "sound"]}
    preferences = Preferences.objects.get(person=world.teacher)
    assert (preferences.work_days, preferences.work_starts.isoformat()) == ([0, 1, 4], "08:00:00")


def test_the_same_preferences_again_change_nothing(world):
    actions.change_preferences(acting=world.teacher, notify="mentions")
    with verify_unchanged():
        actions.change_preferences(acting=world.teacher, notify="mentions")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"language": "fr"}, "language"),
        ({"notify": "sometimes"}, "notify"),
        ({"quiet_hours": {"start": "7:30", "end": "18:00", "days": [0]}}, "quiet_hours.start"),
        ({"quiet_hours": {"start": "07:30", "end": "24:00", "days": [0]}}, "quiet_hours.end"),
        ({"quiet_hours": {"start": "07:30", "end": "18:00", "days": [7]}}, "quiet_hours.days"),
        ({"quiet_hours": {"start": "07:30", "end": "18:00", "days": "weekdays"}}, "quiet_hours.days"),
        ({"quiet_hours": {"start": "07:30", "end": "18:00"}}, "quiet_hours.days"),
        ({"quiet_hours": {"start": "09:00", "end": "09:00", "days": [1]}}, "quiet_hours.end"),
        ({"quiet_hours": {"start": "09:00", "end": "10:00", "days": [1], "tz": "UTC"}}, "quiet_hours.tz"),
    ],
)
def test_bad_preferences_are_refused_by_field(world, changes, field):
    with verify_refused(Invalid, field=field):
        actions.change_preferences(acting=world.teacher, **changes)


# --- the school's defaults --------------------------------------------------------------------------------


def test_an_it_admin_sets_the_organisations_defaults_and_a_headteacher_their_schools(world):
    with verify_action(audit=[A.NOTIFICATION_POLICY_CHANGED], events=[]):
        actions.set_notification_policy(
            acting=world.admin, show_titles=True, quiet_hours={"start": "07:00", "end": "17:00", "days": [0, 1, 2, 3]}
        )
    with verify_action(audit=[A.NOTIFICATION_POLICY_CHANGED], events=[]):
        actions.set_notification_policy(
            acting=world.head, school_id=world.school.pk, quiet_hours={"start": "08:00", "end": "16:00", "days": [0]}
        )
    assert NotificationPolicy.objects.count() == 2


@pytest.mark.parametrize("who", ["teacher", "dpo", "dsl", "office", "pupil"])
def test_other_roles_may_not_set_the_schools_defaults(world, who):
    with verify_refused(PermissionDenied):
        actions.set_notification_policy(
            acting=getattr(world, who), school_id=world.school.pk,
            quiet_hours={"start": "08:00", "end": "16:00", "days": [0]},
        )  # fmt: skip


def test_a_headteacher_may_not_set_the_whole_organisations_defaults_nor_another_schools(world):
    with verify_refused(PermissionDenied):
        actions.set_notification_policy(acting=world.head, show_titles=True)
    with verify_refused(PermissionDenied):
        actions.set_notification_policy(
            acting=world.head,
            school_id=world.other_school.pk,
            quiet_hours={"start": "08:00", "end": "16:00", "days": [0]},
        )
    with verify_refused(NotFound):
        actions.set_notification_policy(acting=world.admin, school_id=world.outsider.school_id, quiet_hours=None)


def test_titles_are_an_organisation_setting(world):
    with verify_refused(Invalid, field="show_titles"):
        actions.set_notification_policy(acting=world.admin, school_id=world.school.pk, show_titles=True)


def test_the_reason_for_changing_the_defaults_is_kept(world):
    with verify_action(audit=[A.NOTIFICATION_POLICY_CHANGED], events=[]) as captured:
        actions.set_notification_policy(
            acting=world.head, school_id=world.school.pk, reason="  Staff consultation, autumn term ",
            quiet_hours={"start": "08:00", "end": "16:00", "days": [0, 1, 2, 3, 4]},
        )  # fmt: skip
    assert captured.audit[0].reason == "Staff consultation, autumn term"
