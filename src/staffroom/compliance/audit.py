"""Every action writes here: `record(acting, AuditAction.X, target=..., ...)` inside the action's transaction,
last (its chain head is the last lock an action takes; see docs/architecture.md).

"From where" comes from a context variable the HTTP middleware, the WebSocket consumer and the CLI set, so
actions need not pass requests around.

The chain survives erasure. Each entry's hash covers its structural fields (organisation, actor and target
ids, action, conversation, ids-only `data`, time, previous hash) and a salted digest of its personal fields
(the actor's and target's names, the reason, readable `details`, IP address, user agent). Erasing a person
blanks those readable values and the salt (`redact`) but keeps the digest, so `audit verify` still passes;
without the salt, the digest cannot be used to test a guessed name. Every redaction is itself an entry that
names what it redacted, and verify insists on it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import secrets
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from staffroom.accounts.actors import Actor, ServiceActor
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


class AuditAction(StrEnum):
    """The vocabulary of the audit log: every entry's action is one of these (docs/audit.md lists them)."""

    ORGANISATION_SEEDED = "organisation.seeded"
    SESSION_SIGNED_IN = "session.signed_in"
    SESSION_SIGNED_OUT = "session.signed_out"
    SESSION_OTHERS_ENDED = "session.others_ended"
    SESSION_ACCESS_ENDED = "session.access_ended"
    SESSION_DEVICES_ENDED = "session.devices_ended"
    TOKEN_CREATED = "token.created"
    TOKEN_REVOKED = "token.revoked"
    SESSION_ALL_ENDED = "session.all_ended"
    SIGN_IN_ACCOUNT_LINKED = "sign_in.account_linked"
    SIGN_IN_PROVIDER_ADDED = "sign_in.provider_added"
    SIGN_IN_PROVIDER_CHANGED = "sign_in.provider_changed"
    SIGN_IN_SECOND_FACTOR_RULE_CHANGED = "sign_in.second_factor_rule_changed"
    SIGN_IN_SECOND_FACTOR_RESET = "sign_in.second_factor_reset"
    PERSON_ADDED = "person.added"
    PERSON_UPDATED = "person.updated"
    PERSON_DEACTIVATED = "person.deactivated"
    PERSON_REACTIVATED = "person.reactivated"
    SCHOOL_ADDED = "school.added"
    SCHOOL_UPDATED = "school.updated"
    CLASS_ADDED = "class.added"
    CLASS_UPDATED = "class.updated"
    CLASS_PUPILS_ENROLLED = "class.pupils_enrolled"
    CLASS_PUPILS_UNENROLLED = "class.pupils_unenrolled"
    CLASS_TEACHERS_ASSIGNED = "class.teachers_assigned"
    CLASS_TEACHERS_UNASSIGNED = "class.teachers_unassigned"
    ROSTER_IMPORTED = "roster.imported"
    PERSON_SIGN_IN_LINK_SENT = "person.sign_in_link_sent"
    SCIM_TOKEN_CREATED = "scim_token.created"
    SCIM_TOKEN_REVOKED = "scim_token.revoked"
    SCIM_USER_REMOVED = "scim.user_removed"
    EXTERNAL_REQUESTED = "external.requested"
    EXTERNAL_APPROVED = "external.approved"
    EXTERNAL_REFUSED = "external.refused"
    CONVERSATION_CREATED = "conversation.created"
    CONVERSATION_UPDATED = "conversation.updated"
    CONVERSATION_ARCHIVED = "conversation.archived"
    STAFF_AUDIENCE_SET = "conversation.staff_audience_set"
    MEMBERSHIP_ADDED = "membership.added"
    MEMBERSHIP_JOINED = "membership.joined"
    MEMBERSHIP_LEFT = "membership.left"
    MEMBERSHIP_REMOVED = "membership.removed"
    MEMBERS_REVIEWED = "membership.reviewed"
    CONVERSATION_READ = "conversation.read"
    MESSAGE_SENT = "message.sent"
    MESSAGE_EDITED = "message.edited"
    MESSAGE_DELETED = "message.deleted"
    MESSAGE_HIDDEN = "message.hidden"
    MESSAGE_PINNED = "message.pinned"
    MESSAGE_UNPINNED = "message.unpinned"
    MESSAGE_HISTORY_VIEWED = "message.history_viewed"
    POSTING_RULES_CHANGED = "conversation.posting_rules_changed"
    PUPIL_POSTING_POLICY_CHANGED = "pupil_posting_policy.changed"
    REACTION_ADDED = "reaction.added"
    REACTION_REMOVED = "reaction.removed"
    ANNOUNCEMENT_ACKNOWLEDGED = "announcement.acknowledged"
    ANNOUNCEMENT_REMINDED = "announcement.reminded"
    UPLOAD_STORED = "upload.stored"
    UPLOAD_DISCARDED = "upload.discarded"
    UPLOADS_PURGED = "uploads.purged"
    AUDIT_REDACTED = "audit.redacted"
    ACCESS_REFUSED = "access.refused"
    BREACH_LOST_DEVICE = "breach.lost_device"
    BREACH_RECORDED = "breach.recorded"
    BREACH_DECIDED = "breach.decided"
    BREACH_CLOSED = "breach.closed"
    BACKUP_TAKEN = "backup.taken"
    BACKUP_RESTORED = "backup.restored"
    PUSH_DEVICE_ADDED = "push.device_added"
    PUSH_DEVICE_REMOVED = "push.device_removed"
    PUSH_DEVICE_GONE = "push.device_gone"
    PREFERENCES_CHANGED = "preferences.changed"
    MEMBERSHIP_NOTIFY_CHANGED = "membership.notify_changed"
    NOTIFICATION_POLICY_CHANGED = "notification_policy.changed"
    SCHOOL_CLOSURE_ADDED = "school_closure.added"
    SCHOOL_CLOSURE_REMOVED = "school_closure.removed"
    RETENTION_RULE_CHANGED = "retention.rule_changed"
    RETENTION_RULE_REMOVED = "retention.rule_removed"
    RETENTION_RUN = "retention.run"
    HOLD_PLACED = "hold.placed"
    HOLD_RELEASED = "hold.released"
    ERASURE_REQUESTED = "erasure.requested"
    ERASURE_DECIDED = "erasure.decided"
    POLICY_PUBLISHED = "policy.published"
    POLICY_ACKNOWLEDGED = "policy.acknowledged"
    SAR_LOGGED = "sar.logged"
    SAR_IDENTITY_CHECKED = "sar.identity_checked"
    SAR_PAUSED = "sar.paused"
    SAR_RESUMED = "sar.resumed"
    SAR_EXTENDED = "sar.extended"
    SAR_REVIEWED = "sar.reviewed"
    SAR_CONTENT_VIEWED = "sar.content_viewed"
    SAR_EXPORTED = "sar.exported"
    SAR_ANSWERED = "sar.answered"
    SAR_WITHDRAWN = "sar.withdrawn"
    SAR_REMINDED = "sar.reminded"
    INVESTIGATION_REQUESTED = "investigation.requested"
    INVESTIGATION_APPROVED = "investigation.approved"
    INVESTIGATION_REFUSED = "investigation.refused"
    INVESTIGATION_DOWNLOADED = "investigation.downloaded"
    ME_EXPORTED = "me.exported"
    CONCERNS_LISTED = "concern.listed"
    CONCERN_VIEWED = "concern.viewed"
    CONCERN_ASSIGNED = "concern.assigned"
    CONCERN_STATUS_CHANGED = "concern.status_changed"
    CONCERN_NOTED = "concern.noted"
    CONCERN_ALERTED = "concern.alerted"
    CONCERN_RAISED = "concern.raised"
    CONCERN_REPORTED = "concern.reported"
    SAFEGUARDING_DPO_WARNED = "safeguarding.dpo_warned"
    SAFEGUARDING_POLICY_CHANGED = "safeguarding_policy.changed"
    PHOTO_RELEASED = "photo.released"
    PHOTO_REMOVED = "photo.removed"


MEANINGS: dict[AuditAction, str] = {
    AuditAction.ORGANISATION_SEEDED: "The demo organisation was created",
    AuditAction.SESSION_SIGNED_IN: "A person signed in",
    AuditAction.SESSION_SIGNED_OUT: "A person signed out",
    AuditAction.SESSION_OTHERS_ENDED: "A person's other sessions and tokens were ended (e.g. a password change)",
    AuditAction.SESSION_ACCESS_ENDED: "Sessions of someone whose access had ended were closed at their next use",
    AuditAction.SESSION_DEVICES_ENDED: "A person signed out some of their devices from the sessions page",
    AuditAction.TOKEN_CREATED: "An API token was issued",
    AuditAction.TOKEN_REVOKED: "An API token was revoked",
    AuditAction.SESSION_ALL_ENDED: "An admin signed a person out everywhere (e.g. a lost phone)",
    AuditAction.SIGN_IN_ACCOUNT_LINKED: (
        "A person's account at the school's identity provider was linked to them, at their first single sign-on"
    ),
    AuditAction.SIGN_IN_PROVIDER_ADDED: "An IT admin set up single sign-on with Google Workspace or Entra ID",
    AuditAction.SIGN_IN_PROVIDER_CHANGED: (
        "An IT admin changed or turned off single sign-on (which settings changed; never the secret)"
    ),
    AuditAction.SIGN_IN_SECOND_FACTOR_RULE_CHANGED: "An IT admin changed who must use a second sign-in step",
    AuditAction.SIGN_IN_SECOND_FACTOR_RESET: (
        "An IT admin removed a person's authenticator apps, passkeys and recovery codes (a lost phone), with why"
    ),
    AuditAction.PERSON_ADDED: "A person was added (a starter)",
    AuditAction.PERSON_UPDATED: "A person's name, sign-in address, school, roles or leave date changed",
    AuditAction.PERSON_DEACTIVATED: "A person lost access (a leaver); their sessions ended",
    AuditAction.PERSON_REACTIVATED: "A person's access was restored after a deactivation",
    AuditAction.SCHOOL_ADDED: "A school was added to the trust",
    AuditAction.SCHOOL_UPDATED: "A school's name or roster identifier changed",
    AuditAction.CLASS_ADDED: "A class was added to a school",
    AuditAction.CLASS_UPDATED: "A class's name, year group or roster identifier changed",
    AuditAction.CLASS_PUPILS_ENROLLED: "Pupils joined a class, and its class channels (`person_ids`)",
    AuditAction.CLASS_PUPILS_UNENROLLED: "Pupils left a class, and its class channels (`person_ids`)",
    AuditAction.CLASS_TEACHERS_ASSIGNED: "Teachers or assistants were given a class, and joined its channels",
    AuditAction.CLASS_TEACHERS_UNASSIGNED: "Teachers or assistants stopped teaching a class, and left its channels",
    AuditAction.ROSTER_IMPORTED: "A roster was imported: the roster sync entries before this one are its changes",
    AuditAction.PERSON_SIGN_IN_LINK_SENT: "An admin emailed a person a link to set their password and sign in",
    AuditAction.SCIM_TOKEN_CREATED: "A token for the identity provider's SCIM provisioning was issued",
    AuditAction.SCIM_TOKEN_REVOKED: "A SCIM provisioning token was revoked",
    AuditAction.SCIM_USER_REMOVED: "The identity provider deleted a person: they no longer appear to it (records kept)",
    AuditAction.EXTERNAL_REQUESTED: "A member of staff asked for an outsider to be let into conversations",
    AuditAction.EXTERNAL_APPROVED: "An outsider was let in, until an end date (their account was made)",
    AuditAction.EXTERNAL_REFUSED: "A request to let an outsider in was refused",
    AuditAction.CONVERSATION_CREATED: "A conversation was started",
    AuditAction.CONVERSATION_UPDATED: "A conversation's title or description changed",
    AuditAction.CONVERSATION_ARCHIVED: "A conversation was closed: kept for the records, nobody can post in it",
    AuditAction.STAFF_AUDIENCE_SET: "An announcement channel was made for all staff of a school (later staff join it)",
    AuditAction.MEMBERSHIP_ADDED: "Someone was added to a conversation",
    AuditAction.MEMBERSHIP_JOINED: "Someone joined an open channel",
    AuditAction.MEMBERSHIP_LEFT: "Someone left a conversation",
    AuditAction.MEMBERSHIP_REMOVED: "Someone was removed from a conversation",
    AuditAction.MEMBERS_REVIEWED: "Whoever runs a conversation confirmed its members (the termly review)",
    AuditAction.CONVERSATION_READ: "A person read a conversation up to a message (what read receipts show)",
    AuditAction.MESSAGE_SENT: "A message was posted",
    AuditAction.MESSAGE_EDITED: "A message was edited (the earlier text is kept)",
    AuditAction.MESSAGE_DELETED: "A message was hidden (it is kept for the records)",
    AuditAction.MESSAGE_HIDDEN: "The safeguarding lead hid a harmful message in a class channel from everyone else",
    AuditAction.MESSAGE_PINNED: "A message was pinned to the top of its conversation",
    AuditAction.MESSAGE_UNPINNED: "A pinned message was unpinned",
    AuditAction.MESSAGE_HISTORY_VIEWED: "The safeguarding lead read a deleted, edited or hidden message's text",
    AuditAction.POSTING_RULES_CHANGED: "A class channel's pupil posting hours or teacher-only mode were changed",
    AuditAction.PUPIL_POSTING_POLICY_CHANGED: "A school's rules for links and files from pupils were changed",
    AuditAction.REACTION_ADDED: "A reaction was added",
    AuditAction.REACTION_REMOVED: "A reaction was taken back",
    AuditAction.ANNOUNCEMENT_ACKNOWLEDGED: "An announcement was acknowledged",
    AuditAction.ANNOUNCEMENT_REMINDED: "Those who had not acknowledged an announcement were reminded",
    AuditAction.UPLOAD_STORED: "A file was uploaded",
    AuditAction.UPLOAD_DISCARDED: "An uploaded file was removed by its uploader before it was sent",
    AuditAction.UPLOADS_PURGED: "Uploaded files never sent were removed",
    AuditAction.AUDIT_REDACTED: "Personal details in audit entries were blanked (e.g. for an erasure)",
    AuditAction.ACCESS_REFUSED: "Someone was refused an admin or compliance request (403 or 404); nothing changed",
    AuditAction.BREACH_LOST_DEVICE: "A person reported a lost or stolen device; all their sessions ended",
    AuditAction.BREACH_RECORDED: "A personal data breach was logged in the breach register",
    AuditAction.BREACH_DECIDED: "The risk of a breach and the decision to tell the ICO were recorded",
    AuditAction.BREACH_CLOSED: "A breach was closed, with what was done",
    AuditAction.BACKUP_TAKEN: (
        "The whole system was backed up (`staffroom backup`): counts and the manifest's SHA-256, never content"
    ),
    AuditAction.BACKUP_RESTORED: (
        "The whole system was restored from a backup (`staffroom restore`), named by its manifest's SHA-256"
    ),
    AuditAction.PUSH_DEVICE_ADDED: "A person turned on notifications on a device (its push address was stored)",
    AuditAction.PUSH_DEVICE_REMOVED: "A person turned off notifications on a device, or removed it from their list",
    AuditAction.PUSH_DEVICE_GONE: "A device's push address was forgotten because its push service said it had ended",
    AuditAction.PREFERENCES_CHANGED: "A person changed their language, notifications or working hours",
    AuditAction.MEMBERSHIP_NOTIFY_CHANGED: "A member muted a conversation, or chose which of its messages notify them",
    AuditAction.NOTIFICATION_POLICY_CHANGED: (
        "The school's default working hours, or whether notifications name conversations, were changed"
    ),
    AuditAction.SCHOOL_CLOSURE_ADDED: "A school closure (term holiday or INSET day) was added: pupils cannot post then",
    AuditAction.SCHOOL_CLOSURE_REMOVED: "A school closure (term holiday or INSET day) was removed",
    AuditAction.RETENTION_RULE_CHANGED: (
        "The DPO set how long a kind of conversation is kept (for the trust or one school), and why"
    ),
    AuditAction.RETENTION_RULE_REMOVED: (
        "The DPO removed a retention rule: the school's falls back to the trust's, the trust's to the default"
    ),
    AuditAction.RETENTION_RUN: "The retention schedule ran: how many messages, files and the like it removed (counts)",
    AuditAction.HOLD_PLACED: "The DPO placed a legal hold: nothing in its scope is purged until it is released",
    AuditAction.HOLD_RELEASED: "The DPO released a legal hold, with why",
    AuditAction.ERASURE_REQUESTED: "A request to erase a person's data (UK GDPR Art. 17) was logged",
    AuditAction.ERASURE_DECIDED: (
        "The DPO decided an erasure request: refused with why, or erased (counts of what was removed, never content)"
    ),
    AuditAction.POLICY_PUBLISHED: "A staff policy version was published: everyone it applies to is asked again",
    AuditAction.POLICY_ACKNOWLEDGED: "A person read and accepted a version of a staff policy",
    AuditAction.SAR_LOGGED: "A subject access request was logged: whose, when received, when due",
    AuditAction.SAR_IDENTITY_CHECKED: "The requester's identity was checked; the request's clock restarted",
    AuditAction.SAR_PAUSED: "A subject access request's clock was stopped, waiting for the requester to clarify",
    AuditAction.SAR_RESUMED: "A subject access request's clock restarted; its due date moved on by the days paused",
    AuditAction.SAR_EXTENDED: "A subject access request was extended by two months (complex), with why",
    AuditAction.SAR_REVIEWED: (
        "The DPO changed what a subject access request's export leaves out or blanks (counts only, never the words)"
    ),
    AuditAction.SAR_CONTENT_VIEWED: "The DPO opened the messages found for a subject access request, to review them",
    AuditAction.SAR_EXPORTED: (
        "A subject access request's export was made: counts and the digest of its messages.json, never content"
    ),
    AuditAction.SAR_ANSWERED: "A subject access request was answered, with the digest of the export sent",
    AuditAction.SAR_WITHDRAWN: "A subject access request was withdrawn by the requester, or closed, with why",
    AuditAction.SAR_REMINDED: "The DPO was reminded of a subject access request due within 7 days, or overdue",
    AuditAction.INVESTIGATION_REQUESTED: (
        "A compliance person asked, with a reason, to export a scope of messages (people, conversations, dates, "
        "words); nothing of the content is shown until a second person approves"
    ),
    AuditAction.INVESTIGATION_APPROVED: "A second compliance person approved an investigation export (four eyes)",
    AuditAction.INVESTIGATION_REFUSED: "An investigation export was refused by the second person, with why",
    AuditAction.INVESTIGATION_DOWNLOADED: (
        "An approved investigation export was downloaded (counts and the SHA-256 of its messages.json)"
    ),
    AuditAction.ME_EXPORTED: "A person downloaded their own messages and files (counts only)",
    AuditAction.CONCERNS_LISTED: "A safeguarding lead looked at the queue of safeguarding concerns (ids only)",
    AuditAction.CONCERN_VIEWED: (
        "A safeguarding lead opened a safeguarding concern and read its message in context (ids only)"
    ),
    AuditAction.CONCERN_ASSIGNED: "A safeguarding concern was given to a safeguarding lead, or taken off them",
    AuditAction.CONCERN_STATUS_CHANGED: (
        "A safeguarding concern was marked reviewed, escalated (the referral recorded), closed or reopened (a photo "
        "concern is also closed by whoever checks its held photo)"
    ),
    AuditAction.CONCERN_NOTED: (
        "A note was added to a safeguarding concern: by a safeguarding lead, or by whoever checked the held photo "
        "of a concern someone is working on"
    ),
    AuditAction.CONCERN_ALERTED: "The safeguarding leads were alerted at once to a high-severity concern (counts only)",
    AuditAction.CONCERN_RAISED: (
        "The safeguarding checks raised a concern on a message as it was posted (kinds and severity, never the text)"
    ),
    AuditAction.CONCERN_REPORTED: "A member reported a concern about a message they can see, for the DSL",
    AuditAction.SAFEGUARDING_DPO_WARNED: (
        "A message was posted with findings the school's policy tells the DPO about (kinds only, never the text)"
    ),
    AuditAction.SAFEGUARDING_POLICY_CHANGED: (
        "The DSL or DPO changed what the safeguarding checks do in a school (the cells changed, before and after)"
    ),
    AuditAction.PHOTO_RELEASED: (
        "A photo with faces held for review was released to the conversation by a member of staff who runs it or a DSL"
    ),
    AuditAction.PHOTO_REMOVED: (
        "A photo with faces held for review was removed from view (kept for the records) by a member of staff who "
        "runs the conversation or a DSL"
    ),
}


def vocabulary_markdown() -> str:
    """docs/audit.md: every action the audit log can record. A test keeps the two equal."""
    lines = [
        "# Audit log vocabulary",
        "",
        "Generated from `src/staffroom/compliance/audit.py` (`AuditAction`); a test fails when the two differ.",
        "Regenerate with `staffroom audit vocabulary > docs/audit.md`.",
        "",
        "Every entry records who (a person, or a service such as the worker), the action below, its target, the",
        "conversation, a reason where one is asked for, when, and from where (web, API, socket, command line).",
        "",
        "| Action | Meaning |",
        "|---|---|",
    ]
    lines += [f"| `{action.value}` | {MEANINGS[action]} |" for action in AuditAction]
    return "\n".join(lines) + "\n"


PERSONAL_FIELDS = ("actor_label", "target_label", "reason", "details", "ip_address", "user_agent")


def _personal(entry: AuditEntry) -> bytes:
    values = {name: getattr(entry, name) for name in PERSONAL_FIELDS}
    return json.dumps(values, sort_keys=True, separators=(",", ":"), default=str).encode()


def personal_digest(entry: AuditEntry) -> str:
    return hashlib.sha256(bytes.fromhex(entry.personal_salt) + _personal(entry)).hexdigest()


def _canonical(entry: AuditEntry) -> bytes:
    fields = {
        "organisation": entry.organisation_id,
        "actor": entry.actor_id,
        "actor_service": entry.actor_service,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "conversation_id": entry.conversation_id,
        "data": entry.data,
        "channel": entry.channel,
        "created_at": entry.created_at.isoformat(),
        "previous_hash": entry.previous_hash,
        "personal_digest": entry.personal_digest,
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


def _actor_label(acting: Actor | None) -> str:
    if acting is None:
        return "system"
    if isinstance(acting, ServiceActor):
        return f"service: {acting.name}"
    return f"{acting.name} <{acting.email}>"


def record(
    acting: Actor | None,
    action: AuditAction | str,
    *,
    target: Any = None,
    organisation: Organisation | int | None = None,
    conversation: Any = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the organisation's chain. Must run inside the action's transaction, last.

    `data` holds ids and numbers (kept whole for ever); anything readable about a person (names, titles,
    free text) goes in `details`, which an erasure can blank."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the action's transaction")
    action = AuditAction(action)  # ValueError for an action outside the vocabulary
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
        actor=acting if isinstance(acting, Person) else None,
        actor_service=acting.service.value if isinstance(acting, ServiceActor) else "",
        actor_label=_actor_label(acting),
        action=action.value,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        conversation_id=getattr(conversation, "pk", conversation),
        reason=reason,
        data=data or {},
        details=details or {},
        ip_address=where.ip_address,
        user_agent=where.user_agent,
        channel=where.channel,
        created_at=timezone.now(),
        previous_hash=head.last_hash,
        personal_salt=secrets.token_hex(16),
    )
    entry.personal_digest = personal_digest(entry)
    entry.entry_hash = compute_hash(entry)
    entry.save()
    head.last_hash = entry.entry_hash
    head.entries += 1
    head.save(update_fields=["last_hash", "entries"])
    return entry


def redact(entry_ids: list[int], *, acting: Actor, organisation: Organisation | int, reason: str) -> int:
    """Blank the personal fields of these entries (e.g. for an erasure), keeping the chain verifiable, and
    record that it was done. Call inside the erasure's transaction. Returns how many were redacted."""
    org_id = organisation.pk if isinstance(organisation, Organisation) else organisation
    entries = AuditEntry.objects.filter(pk__in=entry_ids, organisation_id=org_id, redacted_at__isnull=True)
    ids = sorted(entries.values_list("pk", flat=True))
    entries.update(
        actor_label="",
        target_label="",
        reason="",
        details={},
        ip_address=None,
        user_agent="",
        personal_salt="",
        redacted_at=timezone.now(),
    )
    record(acting, AuditAction.AUDIT_REDACTED, organisation=org_id, reason=reason, data={"entry_ids": ids})
    return len(ids)


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
    redacted: set[int] = set()
    for entry in AuditEntry.objects.filter(organisation=organisation).order_by("id").iterator():
        count += 1
        if entry.previous_hash != previous:
            return VerifyResult(organisation.pk, count, False, entry.pk, "link to the previous entry is broken")
        if entry.redacted_at is None:
            if not entry.personal_salt or personal_digest(entry) != entry.personal_digest:
                return VerifyResult(organisation.pk, count, False, entry.pk, "entry was altered after it was written")
        else:
            redacted.add(entry.pk)
        if compute_hash(entry) != entry.entry_hash:
            return VerifyResult(organisation.pk, count, False, entry.pk, "entry was altered after it was written")
        if entry.action == AuditAction.AUDIT_REDACTED:
            redacted -= set(entry.data.get("entry_ids", []))
        previous = entry.entry_hash
    if redacted:
        first = min(redacted)
        return VerifyResult(organisation.pk, count, False, first, "entry was blanked without a recorded redaction")
    head = AuditChainHead.objects.filter(organisation=organisation).first()
    if head is not None and (head.last_hash != previous or head.entries != count):
        return VerifyResult(organisation.pk, count, False, None, "entries were removed from the end of the chain")
    return VerifyResult(organisation.pk, count, True)


def entry_payload(entry: AuditEntry) -> dict[str, Any]:
    """An audit entry as the audit log viewer shows it (API and CSV)."""
    action = entry.action
    meaning = MEANINGS.get(AuditAction(action), "") if action in AuditAction.__members__.values() else ""
    return {
        "id": entry.pk,
        "created_at": entry.created_at.isoformat(),
        "actor": {"id": entry.actor_id, "label": entry.actor_label} if entry.actor_id else None,
        "actor_service": entry.actor_service or None,
        "actor_label": entry.actor_label,
        "action": action,
        "meaning": meaning,
        "target": {"type": entry.target_type, "id": entry.target_id, "label": entry.target_label},
        "conversation_id": entry.conversation_id,
        "reason": entry.reason,
        "data": entry.data,
        "details": entry.details,
        "channel": entry.channel,
        "ip_address": entry.ip_address,
        "user_agent": entry.user_agent,
        "redacted": entry.redacted_at is not None,
    }


# Where a refusal is worth keeping: the admin and compliance consoles and their API (what is probed there is
# the school's control of people and records).
REFUSALS_KEPT_UNDER = ("/admin/", "/compliance/", "/api/v1/admin/", "/api/v1/compliance/")


def record_refusal(acting: Actor, *, status: int, method: str, path: str) -> None:
    """Keep a refused request (403, 404, or a revoked token's 401) in the audit log, in a transaction of its own,
    so nothing else of the request is written. A log that cannot be written must not stop the answer."""
    try:
        with transaction.atomic():
            record(
                acting, AuditAction.ACCESS_REFUSED, target=acting if isinstance(acting, Person) else None,
                organisation=acting.organisation_id, data={"status": status, "method": method},
                details={"path": path[:300]},
            )  # fmt: skip
    except Exception:
        logging.getLogger(__name__).exception("could not record a refused request in the audit log")
