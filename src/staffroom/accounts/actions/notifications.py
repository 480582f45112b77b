"""A person's notification settings and devices, and the school's defaults.

A device turns notifications on by giving us its push service's address and keys (a Web Push subscription); one
per device, so the same address again replaces it. Signing out everywhere, leaving and a lost device remove them
all (accounts/signout.py), signing out of the session a device was turned on in removes that one
(accounts/signals.py), and the sender forgets an address its push service says has ended (`forget_push_device`).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions, working_hours
from staffroom.accounts.actions.people import UNCHANGED, _Unchanged
from staffroom.accounts.actors import ServiceActor
from staffroom.accounts.models import Language, NotificationPolicy, Notify, Person, Preferences, PushSubscription
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound
from staffroom.text import clean as clean_text

MAX_ENDPOINT_LENGTH = 1000
_LOOPBACK_NAMES = {"localhost"}


def _decode(value: Any, field: str, length: int, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise Invalid(field, _("%(what)s is missing.") % {"what": what})
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != length or (length == 65 and raw[0] != 4):
        raise Invalid(
            field,
            _("%(what)s must be %(n)d bytes in base64url, as the browser gives it.") % {"what": what, "n": length},
        )
    return value.rstrip("=")


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_endpoint(endpoint: Any) -> str:
    """The push service address, if it is one Staffroom will post to: HTTPS at a known push service (or, when
    allowed for development and tests, plain HTTP on this machine). Anything else could make the server post to an
    address of someone's choosing."""
    field = "endpoint"
    if not isinstance(endpoint, str) or not endpoint.strip():
        raise Invalid(field, _("Send the push subscription's endpoint."))
    endpoint = endpoint.strip()
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise Invalid(field, _("The endpoint is longer than %(n)d characters.") % {"n": MAX_ENDPOINT_LENGTH})
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        raise Invalid(field, _("The endpoint is not a web address.")) from None
    if parts.username or parts.password or not host:
        raise Invalid(field, _("The endpoint is not a push service's address."))
    if settings.STAFFROOM_PUSH_ALLOW_LOOPBACK and parts.scheme in {"http", "https"} and _is_loopback(host):
        return endpoint
    if parts.scheme != "https":
        raise Invalid(field, _("The endpoint must be an https:// address."))
    if not any(host == s or host.endswith("." + s) for s in settings.STAFFROOM_PUSH_SERVICES):
        raise Invalid(
            field, _("The endpoint is not at a push service this server sends to (%(host)s).") % {"host": host}
        )
    return endpoint


def device_label(user_agent: str) -> str:
    """ "Chrome on Android", "Safari on iPhone": enough to tell one's devices apart, nothing more of the agent."""
    ua = user_agent or ""
    browser = next(
        (name for key, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("SamsungBrowser", "Samsung Internet"),
                                ("OPR/", "Opera"), ("Chrome/", "Chrome"), ("Safari/", "Safari")) if key in ua),
        _("A browser"),
    )  # fmt: skip
    system = next(
        (name for key, name in (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
                                ("Mac OS X", "Mac"), ("CrOS", "Chromebook"), ("Linux", "Linux")) if key in ua),
        "",
    )  # fmt: skip
    return (_("%(browser)s on %(system)s") % {"browser": browser, "system": system}) if system else browser


def subscribe_device(
    *,
    acting: Person,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str = "",
    session_key: str = "",
) -> tuple[PushSubscription, bool]:
    """Turn on notifications for one device of `acting`; returns (subscription, created). The same endpoint
    again replaces the earlier one (whoever's it was: a shared computer now notifies whoever turned it on last)."""
    endpoint = check_endpoint(endpoint)
    p256dh = _decode(p256dh, "keys.p256dh", 65, _("The p256dh key"))
    auth = _decode(auth, "keys.auth", 16, _("The auth secret"))
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=acting.pk).exists()  # one device list change at a time
        existing = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
        if existing is not None and existing.person_id == acting.pk:
            existing.p256dh, existing.auth = p256dh, auth
            existing.label = device_label(user_agent)
            existing.session_key = session_key or ""
            existing.save(update_fields=["p256dh", "auth", "label", "session_key"])
            audit.record(
                acting, AuditAction.PUSH_DEVICE_ADDED, target=acting,
                data={"subscription_id": existing.pk, "replaced": existing.pk},
            )  # fmt: skip
            return existing, False
        devices = PushSubscription.objects.filter(person=acting).count()
        if devices >= settings.STAFFROOM_PUSH_DEVICES_PER_PERSON:
            raise Invalid(
                "endpoint",
                _("Notifications are on for %(n)d devices already. Remove one on your profile page first.")
                % {"n": devices},
            )
        replaced = None
        if existing is not None:
            replaced = existing.pk
            existing.delete()
        subscription = PushSubscription.objects.create(
            person=acting, endpoint=endpoint, p256dh=p256dh, auth=auth, label=device_label(user_agent),
            session_key=session_key or "",
        )  # fmt: skip
        audit.record(
            acting, AuditAction.PUSH_DEVICE_ADDED, target=acting,
            data={"subscription_id": subscription.pk, "replaced": replaced},
        )  # fmt: skip
    return subscription, True


def remove_device(subscription_id: int, *, acting: Person) -> None:
    """Turn off notifications for one of one's own devices."""
    with transaction.atomic():
        subscription = PushSubscription.objects.select_for_update().filter(pk=subscription_id, person=acting).first()
        if subscription is None:
            raise NotFound()
        subscription.delete()
        audit.record(acting, AuditAction.PUSH_DEVICE_REMOVED, target=acting, data={"subscription_id": subscription_id})


def forget_push_device(subscription_id: int, *, acting: ServiceActor, status: int) -> bool:
    """The push service answered 404 or 410 for a device: it unsubscribed, or was reset. Forget it. Returns False
    when it was already gone (removed meanwhile)."""
    with transaction.atomic():
        subscription = (
            PushSubscription.objects.select_for_update()
            .select_related("person")
            .filter(pk=subscription_id, person__organisation_id=acting.organisation_id)
            .first()
        )
        if subscription is None:
            raise NotFound()
        person = subscription.person
        subscription.delete()
        audit.record(
            acting,
            AuditAction.PUSH_DEVICE_GONE,
            target=person,
            data={"subscription_id": subscription_id, "status": status},
        )
    return True


def change_preferences(
    *,
    acting: Person,
    language: str | _Unchanged = UNCHANGED,
    notify: str | _Unchanged = UNCHANGED,
    quiet_hours: dict[str, Any] | _Unchanged | None = UNCHANGED,
    sound: bool | _Unchanged = UNCHANGED,
) -> Preferences:
    """Change one's own language, which messages notify, working hours (None: the school's) and sound."""
    changes: dict[str, Any] = {}
    if not isinstance(language, _Unchanged):
        if language not in Language.values:
            raise Invalid("language", _("Choose a language: en (English) or cy (Welsh)."))
        changes["language"] = language
    if not isinstance(notify, _Unchanged):
        if notify not in Notify.values:
            raise Invalid("notify", _("Choose which messages notify you: all, mentions or none."))
        changes["notify"] = notify
    if not isinstance(quiet_hours, _Unchanged):
        hours = None if quiet_hours is None else working_hours.parse(quiet_hours)
        changes["work_starts"] = hours.start if hours else None
        changes["work_ends"] = hours.end if hours else None
        changes["work_days"] = list(hours.days) if hours else None
    if not isinstance(sound, _Unchanged):
        if not isinstance(sound, bool):
            raise Invalid("sound", _("Sound is true or false."))
        changes["sound"] = sound
    with transaction.atomic():
        preferences, _created = Preferences.objects.select_for_update().get_or_create(person=acting)
        changed = sorted(
            {"work_starts": "quiet_hours", "work_ends": "quiet_hours", "work_days": "quiet_hours"}.get(k, k)
            for k, v in changes.items()
            if getattr(preferences, k) != v
        )
        if not changed:
            return preferences
        for key, value in changes.items():
            setattr(preferences, key, value)
        preferences.updated_at = timezone.now()
        preferences.save()
        audit.record(acting, AuditAction.PREFERENCES_CHANGED, target=acting, data={"changed": sorted(set(changed))})
    return preferences


def set_notification_policy(
    *,
    acting: Person,
    school_id: int | None = None,
    show_titles: bool | _Unchanged = UNCHANGED,
    quiet_hours: dict[str, Any] | _Unchanged | None = UNCHANGED,
    reason: str = "",
) -> NotificationPolicy:
    """The organisation's (no school) or one school's default working hours (None: back to the default or the
    organisation's), and for the organisation, whether notifications may name the conversation. The reason, when
    given (the console asks for one), is kept in the audit log."""
    from staffroom.accounts.models import School

    target: Any = acting.organisation
    if school_id is not None:
        target = School.objects.filter(pk=school_id, organisation_id=acting.organisation_id).first()
        if target is None:
            raise NotFound()
    permissions.require(acting, "notifications.manage", target)
    if not isinstance(show_titles, _Unchanged) and school_id is not None:
        raise Invalid("show_titles", _("Whether notifications name conversations is set for the whole organisation."))
    if not isinstance(show_titles, _Unchanged) and not isinstance(show_titles, bool):
        raise Invalid("show_titles", _("show_titles is true or false."))
    hours: working_hours.WorkingHours | _Unchanged | None = UNCHANGED
    if not isinstance(quiet_hours, _Unchanged):
        hours = None if quiet_hours is None else working_hours.parse(quiet_hours)
    with transaction.atomic():
        policy = (
            NotificationPolicy.objects.select_for_update()
            .filter(organisation_id=acting.organisation_id)
            .filter(Q(school__isnull=True) if school_id is None else Q(school_id=school_id))
            .first()
        ) or NotificationPolicy(organisation_id=acting.organisation_id, school_id=school_id)
        changed = []
        if not isinstance(show_titles, _Unchanged) and policy.show_titles != show_titles:
            policy.show_titles = show_titles
            changed.append("show_titles")
        if not isinstance(hours, _Unchanged):
            new = (hours.start, hours.end, list(hours.days)) if hours else (None, None, None)
            if (policy.work_starts, policy.work_ends, policy.work_days) != new:
                policy.work_starts, policy.work_ends, policy.work_days = new
                changed.append("quiet_hours")
        if not changed:
            return policy
        policy.updated_at = timezone.now()
        policy.save()
        data: dict[str, Any] = {"school_id": school_id, "changed": changed}
        if isinstance(hours, working_hours.WorkingHours):
            data["quiet_hours"] = hours.as_dict()
        audit.record(
            acting, AuditAction.NOTIFICATION_POLICY_CHANGED, target=target, data=data, reason=clean_text(reason)[:500]
        )
    return policy
