"""Every action writes here: `record(acting, action, target=..., ...)` inside the action's transaction.

"From where" comes from a context variable the HTTP middleware, the WebSocket consumer and the CLI set, so
actions need not pass requests around.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from staffroom.accounts.models import Organisation, Person
from staffroom.compliance.models import AuditChainHead, AuditEntry


@dataclass(frozen=True)
class Origin:
    channel: str = "system"
    ip_address: str | None = None
    user_agent: str = ""


_origin: ContextVar[Origin] = ContextVar("audit_origin", default=Origin())  # noqa: B039 (frozen, immutable)


@contextlib.contextmanager
def origin(channel: str, ip_address: str | None = None, user_agent: str = "") -> Iterator[None]:
    """Attribute every audit entry written inside the block to this channel and client."""
    token = _origin.set(Origin(channel, ip_address, user_agent[:300]))
    try:
        yield
    finally:
        _origin.reset(token)


def current_origin() -> Origin:
    return _origin.get()


def _canonical(entry: AuditEntry) -> bytes:
    fields = {
        "organisation": entry.organisation_id,
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target_label": entry.target_label,
        "conversation_id": entry.conversation_id,
        "reason": entry.reason,
        "data": entry.data,
        "ip_address": entry.ip_address,
        "user_agent": entry.user_agent,
        "channel": entry.channel,
        "created_at": entry.created_at.isoformat(),
        "previous_hash": entry.previous_hash,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _label(target: Any) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    if isinstance(target, models.Model):
        label = getattr(target, "name", None) or getattr(target, "title", None) or str(target)
        return target._meta.label_lower, str(target.pk), str(label)[:200]
    return type(target).__name__.lower(), "", str(target)[:200]


def record(
    acting: Person | None,
    action: str,
    *,
    target: Any = None,
    organisation: Organisation | int | None = None,
    conversation: Any = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the organisation's chain. Must run inside the action's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the action's transaction")
    org_id = organisation.pk if isinstance(organisation, Organisation) else organisation
    if org_id is None:
        if acting is not None:
            org_id = acting.organisation_id
        elif target is not None and hasattr(target, "organisation_id"):
            org_id = target.organisation_id
    if org_id is None:
        raise ValueError("an audit entry needs an organisation")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(organisation_id=org_id)
    where = current_origin()
    target_type, target_id, target_label = _label(target)
    entry = AuditEntry(
        organisation_id=org_id,
        actor=acting,
        actor_label=f"{acting.name} <{acting.email}>" if acting else "system",
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        conversation_id=getattr(conversation, "pk", conversation),
        reason=reason,
        data=data or {},
        ip_address=where.ip_address,
        user_agent=where.user_agent,
        channel=where.channel,
        created_at=timezone.now(),
        previous_hash=head.last_hash,
    )
    entry.entry_hash = compute_hash(entry)
    entry.save()
    head.last_hash = entry.entry_hash
    head.entries += 1
    head.save(update_fields=["last_hash", "entries"])
    return entry


@dataclass
class VerifyResult:
    organisation_id: int
    entries: int
    ok: bool
    first_bad_id: int | None = None
    problem: str = ""


def verify(organisation: Organisation) -> VerifyResult:
    """Recompute the chain from the first entry; report the first entry whose hash or link is wrong."""
    previous = "0" * 64
    count = 0
    for entry in AuditEntry.objects.filter(organisation=organisation).order_by("id").iterator():
        count += 1
        if entry.previous_hash != previous:
            return VerifyResult(organisation.pk, count, False, entry.pk, "link to the previous entry is broken")
        if compute_hash(entry) != entry.entry_hash:
            return VerifyResult(organisation.pk, count, False, entry.pk, "entry was altered after it was written")
        previous = entry.entry_hash
    head = AuditChainHead.objects.filter(organisation=organisation).first()
    if head is not None and (head.last_hash != previous or head.entries != count):
        return VerifyResult(organisation.pk, count, False, None, "entries were removed from the end of the chain")
    return VerifyResult(organisation.pk, count, True)
