"""Notifications: the server's push key, one's devices (Web Push subscriptions), one's preferences and working
hours, a conversation's mute, and the school's defaults (docs/notifications.md)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from pydantic import Field

from staffroom.accounts import actions as account_actions
from staffroom.accounts import queries as account_queries
from staffroom.accounts.actions import UNCHANGED
from staffroom.accounts.payloads import device_payload, preferences_payload
from staffroom.api.auth import caller
from staffroom.api.schemas import ObjectId, Out, RowId, Schema, answers
from staffroom.messaging import actions, queries
from staffroom.notifications import vapid

router = Router(tags=["notifications"])


class PushKeyOut(Out):
    public_key: str = Field(
        description="The VAPID public key, base64url: the `applicationServerKey` to subscribe with."
    )


class PushKeysIn(Schema):
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=200)


class SubscriptionIn(Schema):
    endpoint: str = Field(max_length=2000)
    keys: PushKeysIn


class DeviceOut(Out):
    id: int
    label: str = Field(description='Which browser on which system, e.g. "Chrome on Android".')
    created_at: str
    last_success_at: str | None = Field(description="When a notification last reached it.")


class DevicePage(Out):
    items: list[DeviceOut]
    next: str | None


class QuietHours(Schema):
    start: str = Field(description="HH:MM, 24-hour, local time.", examples=["07:30"])
    end: str = Field(description="HH:MM; before `start` for hours that run overnight.", examples=["18:00"])
    days: list[int] = Field(description="Working days, Monday 0 to Sunday 6.", examples=[[0, 1, 2, 3, 4]])


class PreferencesOut(Out):
    language: str
    notify: str
    quiet_hours: QuietHours
    quiet_hours_from: str = Field(description='"own", or "school" when the school\'s working hours apply.')
    sound: bool


class PreferencesPatch(Schema):
    language: str | None = Field(None, description='"en" or "cy".')
    notify: str | None = Field(None, description='"all", "mentions" or "none".')
    quiet_hours: dict[str, Any] | None = Field(
        None, description="{start, end, days} (QuietHours); null to follow the school's working hours."
    )
    sound: bool | None = None


class NotifyIn(Schema):
    notify: Literal["", "all", "mentions", "none"] = Field(
        description='"mentions" (only mentions), "none" (muted), "all", or "" to follow your own setting.'
    )


class NotifyOut(Out):
    conversation_id: int
    notify: str


class PolicyPatch(Schema):
    school_id: RowId | None = Field(None, description="A school's own working hours; none: the organisation's.")
    show_titles: bool | None = Field(None, description="Notifications may name the conversation (organisation).")
    quiet_hours: dict[str, Any] | None = Field(None, description="{start, end, days}; null: back to the default.")
    reason: str = Field("", max_length=500, description="Why the defaults change; kept in the audit log.")


class PolicyOut(Out):
    school_id: int | None
    show_titles: bool
    quiet_hours: QuietHours | None


class PolicyViewOut(PolicyOut):
    in_force: QuietHours = Field(description="The hours that apply there now (its own, else inherited).")
    inherited: bool = Field(description="True when no hours of its own are set and the ones in force are inherited.")


@router.get("/push/key", response=answers({200: PushKeyOut}), summary="The push key")
def push_key(request: HttpRequest) -> dict[str, Any]:
    """The server's VAPID public key: pass it as `applicationServerKey` to `pushManager.subscribe`."""
    caller(request)
    return {"public_key": vapid.public_key()}


@router.get("/push/subscriptions", response=answers({200: DevicePage}), summary="Your devices with notifications")
def devices(request: HttpRequest) -> dict[str, Any]:
    return {"items": [device_payload(s) for s in account_queries.own_devices(caller(request))], "next": None}


@router.post("/push/subscriptions", response=answers({200: DeviceOut, 201: DeviceOut}), summary="Turn on notifications")
def subscribe(request: HttpRequest, data: SubscriptionIn) -> Status[dict[str, Any]]:
    """Store this device's push subscription (from `pushManager.subscribe`): 201, or 200 when the same endpoint
    was already stored (it is replaced: one subscription per device)."""
    session = getattr(request, "session", None)
    subscription, created = account_actions.subscribe_device(
        acting=caller(request),
        endpoint=data.endpoint,
        p256dh=data.keys.p256dh,
        auth=data.keys.auth,
        user_agent=request.headers.get("User-Agent", ""),
        session_key=(session.session_key or "")
        if session is not None and "Authorization" not in request.headers
        else "",
    )
    return Status(201 if created else 200, device_payload(subscription))


@router.delete("/push/subscriptions/{subscription_id}", response=answers({204: None}), summary="Turn off a device")
def unsubscribe(request: HttpRequest, subscription_id: ObjectId) -> HttpResponse:
    account_actions.remove_device(subscription_id, acting=caller(request))
    return HttpResponse(status=204)


@router.get("/me/preferences", response=answers({200: PreferencesOut}), summary="Your preferences")
def get_preferences(request: HttpRequest) -> dict[str, Any]:
    """Your language, which messages notify you, your working hours (notifications come only inside them) and
    whether new messages make a sound."""
    return preferences_payload(caller(request))


@router.patch("/me/preferences", response=answers({200: PreferencesOut}), summary="Change your preferences")
def patch_preferences(request: HttpRequest, data: PreferencesPatch) -> dict[str, Any]:
    """Send only what changes. `quiet_hours: null` follows the school's working hours again."""
    person = caller(request)
    sent = data.model_fields_set
    account_actions.change_preferences(
        acting=person,
        language=data.language if "language" in sent else UNCHANGED,  # type: ignore[arg-type]
        notify=data.notify if "notify" in sent else UNCHANGED,  # type: ignore[arg-type]
        quiet_hours=data.quiet_hours if "quiet_hours" in sent else UNCHANGED,
        sound=data.sound if "sound" in sent else UNCHANGED,  # type: ignore[arg-type]
    )
    return preferences_payload(person)


@router.get("/conversations/{conversation_id}/notify", response=answers({200: NotifyOut}), summary="Notifications here")
def get_notify(request: HttpRequest, conversation_id: ObjectId) -> dict[str, Any]:
    viewer = caller(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    membership = queries.membership(viewer, conversation)
    return {"conversation_id": conversation.pk, "notify": membership.notify if membership else ""}


@router.patch(
    "/conversations/{conversation_id}/notify", response=answers({200: NotifyOut}), summary="Mute or mentions only"
)
def set_notify(request: HttpRequest, conversation_id: ObjectId, data: NotifyIn) -> dict[str, Any]:
    """Which new messages of this conversation notify you: all, mentions only, none (muted), or "" to follow
    your own setting."""
    viewer = caller(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    membership = actions.set_notify(conversation, acting=viewer, notify=data.notify)
    return {"conversation_id": conversation.pk, "notify": membership.notify}


@router.get("/admin/notifications", response=answers({200: PolicyViewOut}), summary="Notification defaults")
def get_policy(request: HttpRequest, school_id: RowId | None = None) -> dict[str, Any]:
    """The default working hours of the organisation, or of one school (`?school_id=`), and the hours in force
    there. IT admins; headteachers for their school; 404 for anyone else."""
    defaults = account_queries.notification_defaults(caller(request), school_id)
    return {**defaults, "in_force": defaults["in_force"].as_dict()}


@router.patch("/admin/notifications", response=answers({200: PolicyOut}), summary="School notification defaults")
def set_policy(request: HttpRequest, data: PolicyPatch) -> dict[str, Any]:
    """The default working hours of the organisation, or of one school (`school_id`), and whether notifications
    may name the conversation (organisation only). IT admins; headteachers for their school."""
    sent = data.model_fields_set
    policy = account_actions.set_notification_policy(
        acting=caller(request),
        school_id=data.school_id,
        show_titles=data.show_titles if "show_titles" in sent else UNCHANGED,  # type: ignore[arg-type]
        quiet_hours=data.quiet_hours if "quiet_hours" in sent else UNCHANGED,
        reason=data.reason,
    )
    hours = (
        {
            "start": policy.work_starts.strftime("%H:%M"),
            "end": policy.work_ends.strftime("%H:%M"),
            "days": policy.work_days,
        }
        if policy.work_starts and policy.work_ends and policy.work_days is not None
        else None
    )
    return {"school_id": policy.school_id, "show_titles": policy.show_titles, "quiet_hours": hours}
