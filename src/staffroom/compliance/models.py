"""The audit log: who did what, to what, when and from where, as a per-organisation hash chain.

Each entry's hash covers its own fields (personal ones through a salted digest) and the previous entry's hash,
so altering or deleting any entry breaks every later hash and `staffroom audit verify` finds it, while an
erasure can still blank the personal fields (see compliance/audit.py).
"""

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
        LOST_DEVICE = "lost_device", _("Lost or stolen device")
        OTHER = "other", _("Other")

    class Risk(models.TextChoices):
        UNASSESSED = "unassessed", _("Not yet assessed")
        UNLIKELY = "unlikely", _("Unlikely to result in a risk to people")
        RISK = "risk", _("A risk to people")
        HIGH = "high", _("A high risk to people")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

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


# --- retention and legal hold -------------------------------------------------------------------------------


class RetentionRule(models.Model):
    """How long one kind of conversation is kept, and from when, for the trust (no school) or one school (which
    overrides the trust's). Without a row the built-in default applies (compliance/retention.py DEFAULTS), so
    every kind always has a rule; the DPO changes it here, with the source the school relies on."""

    class Kind(models.TextChoices):
        CHANNEL = "channel", _("Channels")
        GROUP = "group", _("Private groups")
        DIRECT = "direct", _("Direct messages")
        ANNOUNCEMENT = "announcement", _("Announcements")
        CLASS = "class", _("Class channels (pupils)")
        EXTERNAL = "external", _("Conversations with outsiders")

    class Basis(models.TextChoices):
        LAST_ACTIVITY = "last_activity", _("after the conversation's last message")
        MESSAGE_DATE = "message_date", _("after each message was sent")
        ACCESS_ENDED = "access_ended", _("after the outsiders' access ends")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("accounts.School", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    keep_months = models.PositiveIntegerField()
    basis = models.CharField(max_length=20, choices=Basis.choices)
    source = models.CharField(max_length=500)
    changed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind"], condition=models.Q(school__isnull=True), name="retention_trust_rule"
            ),
            models.UniqueConstraint(
                fields=["organisation", "school", "kind"],
                condition=models.Q(school__isnull=False),
                name="retention_school_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.keep_months} months {self.get_basis_display()}"


class LegalHold(models.Model):
    """While a hold is in force nothing in its scope is purged: messages written by, or in a conversation of, the
    people it names, and messages of the conversations it names, sent between its dates (either may be open)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    people = models.ManyToManyField(Person, blank=True, related_name="+")
    conversations = models.ManyToManyField("messaging.Conversation", blank=True, related_name="+")
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    placed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "released_at"])]

    def __str__(self) -> str:
        return f"legal hold {self.pk}"


class RetentionRun(models.Model):
    """One run of the retention schedule for an organisation: when, for which day, and how much it removed
    (counts only: never what)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    today = models.DateField()
    dry_run = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "-started_at"])]

    def __str__(self) -> str:
        return f"retention run of {self.today}"


class ErasureRequest(models.Model):
    """A request to erase a person's data (UK GDPR Art. 17), and the DPO's decision. Refused where the data is
    needed for a legal obligation, legal claims or safeguarding (DOMAIN.md); the decision and its reason are kept
    either way. `erased` holds counts of what was removed, never content."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ERASED = "erased", _("Erased")
        REFUSED = "refused", _("Refused")

    class Decision(models.TextChoices):
        ERASE = "erase", _("Erase")
        REFUSE = "refuse", _("Refuse")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # People are never deleted: after an erasure this is the anonymised row ("Erased person").
    subject = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField()
    reason = models.TextField(help_text="Why the request was made, as the person gave it.")
    logged_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    logged_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    erased = models.JSONField(default=dict, blank=True, help_text="Counts of what was erased; never content.")

    class Meta:
        indexes = [models.Index(fields=["organisation", "status", "-received_on"])]

    def __str__(self) -> str:
        # Never the subject's name: this label is copied into audit entries.
        return f"Erasure request {self.pk}"


class Policy(models.Model):
    """One of the staff policies an organisation asks its people to read and accept (UK GDPR accountability: the
    school must show who has and has not). One per kind per organisation; its versions are its history."""

    class Kind(models.TextChoices):
        DATA_PROTECTION = "data_protection", _("Data protection policy")
        SOCIAL_MEDIA = "social_media", _("Social media policy")
        ACCEPTABLE_USE = "acceptable_use", _("Acceptable use policy")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # The version people are asked to accept now: the latest published.
    current = models.ForeignKey(
        "PolicyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "policies"
        constraints = [models.UniqueConstraint(fields=["organisation", "kind"], name="policy_kind_unique")]

    def __str__(self) -> str:
        return self.get_kind_display()


class PolicyVersion(models.Model):
    """A published version of a policy: its text as people read it (kept for the record, never changed) and who
    it asks. Publishing a new one asks everyone again."""

    class Format(models.TextChoices):
        PLAIN = "plain", _("Plain text")
        MARKDOWN = "markdown", _("Markdown")

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    label = models.CharField(max_length=40, help_text="How the school names this version, e.g. 2026 or v2.")
    text = models.TextField()
    text_format = models.CharField(max_length=10, choices=Format.choices, default=Format.PLAIN)
    # The text rendered once, at publishing, through the sanitised rendering (messaging/formatting.py).
    html = models.TextField()
    summary = models.TextField(blank=True, help_text="What changed since the previous version.")
    # Staff (every staff role, governors and externals) are always asked; pupils only when this is set.
    includes_pupils = models.BooleanField(default=False)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["policy", "label"], name="policy_version_label_unique")]

    def __str__(self) -> str:
        return f"{self.policy} {self.label}"


class PolicyAcknowledgement(models.Model):
    """A person's "I have read and accept" of one version. Kept, never changed: a yearly renewal of the same
    version is a new row, so the evidence shows every acceptance."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="acknowledgements")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["person", "version", "-acknowledged_at"])]

    def __str__(self) -> str:
        return f"{self.person} accepted {self.version}"


class SubjectAccessRequest(models.Model):
    """A person's request for a copy of their personal data (UK GDPR Art. 15), from receipt to answer: whose data,
    when it was received, whether their identity is checked, when it is due (compliance/sar_dates.py, kept here
    and recomputed by each action that moves it), and the DPO's choices for the export (what to leave out and
    what to blank: other people's personal data)."""

    class Status(models.TextChoices):
        WAITING_FOR_ID = "waiting_for_id", _("Waiting for proof of identity")
        OPEN = "open", _("Open")
        EXTENDED = "extended", _("Open, extended (complex)")
        ANSWERED = "answered", _("Answered")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATUSES = (Status.WAITING_FOR_ID, Status.OPEN, Status.EXTENDED)

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField()
    reason = models.TextField(help_text="What was asked for, and how it came in.")
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    identity_checked = models.BooleanField(default=False)
    identity_checked_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    identity_checked_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField()
    extended_reason = models.TextField(blank=True)
    extended_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    extended_at = models.DateTimeField(null=True, blank=True)
    answered_on = models.DateField(null=True, blank=True)
    answered_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The SHA-256 of the messages.json that was sent (from the export's manifest), so the answer can be shown later.
    answer_digest = models.CharField(max_length=64, blank=True)
    withdrawn_reason = models.TextField(blank=True)
    logged_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    logged_at = models.DateTimeField(default=timezone.now)
    # The review: dates the search is narrowed to ("reasonable and proportionate"), words blanked in the whole
    # export, and per message {"<id>": {"exclude": bool, "words": [...]}}.
    search_from = models.DateField(null=True, blank=True)
    search_to = models.DateField(null=True, blank=True)
    redact_words = models.JSONField(default=list, blank=True)
    message_choices = models.JSONField(default=dict, blank=True)
    # The last export: when, its messages.json digest, how many messages.
    exported_at = models.DateTimeField(null=True, blank=True)
    export_digest = models.CharField(max_length=64, blank=True)
    export_messages = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["organisation", "status", "due_on"])]

    def __str__(self) -> str:
        return f"subject access request {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class SubjectAccessPause(models.Model):
    """The clock of a request stood still from `started_on` to `ended_on` (empty: it still does), waiting for proof
    of identity or for the requester to say what they want. Each day paused pushes the due date on."""

    class Kind(models.TextChoices):
        IDENTITY = "identity", _("Waiting for proof of identity")
        CLARIFICATION = "clarification", _("Waiting for the requester to clarify")

    request = models.ForeignKey(SubjectAccessRequest, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["started_on", "id"]

    def __str__(self) -> str:
        return f"{self.kind} pause of request {self.request_id}"


class SubjectAccessReminder(models.Model):
    """A reminder the worker sent about a request: once per request, stage and due date (a moved due date is a
    new one to be reminded of)."""

    class Stage(models.TextChoices):
        DUE_SOON = "due_soon", _("Due within 7 days")
        OVERDUE = "overdue", _("Overdue")

    request = models.ForeignKey(SubjectAccessRequest, on_delete=models.CASCADE, related_name="reminders")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    due_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list, help_text="Ids of the people reminded.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "stage", "due_on"], name="sar_reminder_once_per_stage")
        ]

    def __str__(self) -> str:
        return f"{self.stage} reminder for request {self.request_id}"


class InvestigationExport(models.Model):
    """An investigation export (four eyes): a compliance person asks, with a reason, for the messages of a scope
    (people, conversations, dates, words); a second one approves or refuses; after approval the requester or the
    approver may download the ZIP, edit and delete history included, until it expires. Nothing of the content
    is shown before approval. docs/records.md, "Investigations"."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for a second person")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        # Never stored: an approved export past `expires_at` is shown as expired (see `status_at`).
        EXPIRED = "expired", _("Expired")

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
