"""The audit log: who did what, to what, when and from where, as a per-organisation hash chain.

Each entry's hash covers its own fields (personal ones through a salted digest) and the previous entry's hash,
so altering or deleting any entry breaks every later hash and `staffroom audit verify` finds it, while an
erasure can still blank the personal fields (see compliance/audit.py).
"""

from datetime import datetime

from django.db import models
from django.utils import timezone

from staffroom.accounts.models import Organisation, Person, School


class AuditEntry(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="audit_entries")
    # People are never deleted (erasure anonymises them), so the actor's id stays in the hashed record.
    actor = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # A service acting without a person (accounts/actors.py): worker, retention, scim, roster_sync.
    actor_service = models.CharField(max_length=30, blank=True)
    # Readable and erasable ("personal"): labels, reason, details, IP, user agent. The chain covers their
    # salted digest, so blanking them (compliance.audit.redact) leaves it verifiable.
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    conversation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True, help_text="Ids and numbers only; never erased.")
    details = models.JSONField(default=dict, blank=True, help_text="Readable values (names, titles); erasable.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    channel = models.CharField(max_length=20, blank=True, help_text="web, api, websocket, cli or system")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    previous_hash = models.CharField(max_length=64)
    personal_salt = models.CharField(max_length=32, blank=True)
    personal_digest = models.CharField(max_length=64, blank=True)
    redacted_at = models.DateTimeField(null=True, blank=True)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"


class AuditChainHead(models.Model):
    """The latest hash of an organisation's chain; its row lock orders concurrent writers."""

    organisation = models.OneToOneField(Organisation, primary_key=True, on_delete=models.CASCADE)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    entries = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit chain of {self.organisation}"


class Breach(models.Model):
    """The breach register (UK GDPR Art. 33): every personal data breach, reported to the ICO or not, with the
    risk, the decision to notify and why, and when. The ICO must hear within 72 hours of the school becoming
    aware, where there is a risk to people."""

    class Kind(models.TextChoices):
        LOST_DEVICE = "lost_device", "Lost or stolen device"
        OTHER = "other", "Other"

    class Risk(models.TextChoices):
        UNASSESSED = "unassessed", "Not yet assessed"
        UNLIKELY = "unlikely", "Unlikely to result in a risk to people"
        RISK = "risk", "A risk to people"
        HIGH = "high", "A high risk to people"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # When the school became aware: the 72 hours run from here.
    aware_at = models.DateTimeField(default=timezone.now)
    reported_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Whose device or account, for a lost device.
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    risk = models.CharField(max_length=20, choices=Risk.choices, default=Risk.UNASSESSED)
    notify_ico = models.BooleanField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    ico_notified_at = models.DateTimeField(null=True, blank=True)
    people_told_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organisation", "status", "-aware_at"])]

    def __str__(self) -> str:
        return self.title


class InvestigationExport(models.Model):
    """An investigation export (four eyes): a compliance person asks, with a reason, for the messages of a scope
    (people, conversations, dates, words); a second one approves or refuses; after approval the requester or the
    approver may download the ZIP, edit and delete history included, until it expires. Nothing of the content
    is shown before approval. docs/records.md, "Investigations"."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting for a second person"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        # Never stored: an approved export past `expires_at` is shown as expired (see `status_at`).
        EXPIRED = "expired", "Expired"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # The one school the whole scope lies in, when it does (a headteacher's export always does): a headteacher of
    # that school may approve it. Empty: the scope reaches the trust, and only a trust-wide person approves.
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    # The scope. Empty lists mean "any"; at least one part is always given.
    person_ids = models.JSONField(default=list, blank=True)
    conversation_ids = models.JSONField(default=list, blank=True)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    words = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    approved_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    refused_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    refused_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    downloads = models.PositiveIntegerField(default=0)
    last_downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "-requested_at"])]

    def __str__(self) -> str:
        return f"Investigation export {self.pk}"

    def status_at(self, now: datetime | None = None) -> str:
        """The status as it stands at `now`: an approved export past its expiry is "expired"."""
        moment = now or timezone.now()
        if self.status == self.Status.APPROVED and self.expires_at is not None and moment >= self.expires_at:
            return self.Status.EXPIRED
        return self.status
