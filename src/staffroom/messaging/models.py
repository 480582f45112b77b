"""Conversations, memberships, messages and what hangs off them (events live in staffroom.realtime).

Deleting a message hides it (`deleted_at`); the row, and every earlier version of an edited message, stays
for the records (DESIGN.md invariant 4).
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from staffroom.accounts.models import Organisation, Person, School, SchoolClass


class Conversation(models.Model):
    class Kind(models.TextChoices):
        CHANNEL = "channel", _("Channel")
        GROUP = "group", _("Private group")
        DIRECT = "direct", _("Direct message")
        ANNOUNCEMENT = "announcement", _("Announcements")
        CLASS = "class", _("Class channel")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="conversations")
    # Empty for trust-wide conversations.
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    school_class = models.ForeignKey(
        SchoolClass, null=True, blank=True, on_delete=models.PROTECT, related_name="conversations"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=120, blank=True)
    description = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # When its members were last confirmed (the termly membership review); the group register shows it.
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    # The service that keeps this conversation and its members (e.g. "scim": a group in the school's identity
    # provider); empty for conversations people started. Nobody owns a provisioned conversation.
    provisioned_by = models.CharField(max_length=30, blank=True)
    # Class channels: when pupils may post (school days, Monday to Friday, between these times, school's local
    # time; empty means any time) and whether only staff post at all. Staff always may.
    pupil_hours_start = models.TimeField(null=True, blank=True)
    pupil_hours_end = models.TimeField(null=True, blank=True)
    staff_only = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["organisation", "kind"])]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} {self.pk}"


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")

    MANAGING = frozenset({Role.OWNER, Role.ADMIN})

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)
    # Everything up to and including this message id has been read.
    last_read_message_id = models.BigIntegerField(default=0)
    # Which new messages here reach the member's devices: empty follows their own setting (Preferences.notify);
    # "mentions" (mentions only) or "none" (muted) narrow it for this conversation.
    notify = models.CharField(max_length=10, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "person"], name="membership_unique"),
        ]
        indexes = [models.Index(fields=["person", "conversation"])]

    def __str__(self) -> str:
        return f"{self.person} in {self.conversation}"


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="messages")
    body = models.TextField()
    html = models.TextField()
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    # Supplied by the client so that a retried send creates one message, not two.
    client_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Its author's data was erased (UK GDPR Art. 17): the text is gone for everyone, the row keeps its place in
    # the thread so replies to it still make sense. Erased messages are deleted too.
    erased_at = models.DateTimeField(null=True, blank=True)
    mentions = models.ManyToManyField(Person, blank=True, related_name="mentioned_in")
    # An announcement a leader marked urgent: its notification comes even outside the members' working hours.
    urgent = models.BooleanField(default=False)
    # Hidden by the safeguarding lead (a harmful message in a class channel they oversee): everyone else sees
    # "Hidden by the safeguarding lead"; the text stays for the DSL and the records.
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"], condition=~Q(client_id=""), name="message_client_id_unique"
            ),
        ]
        indexes = [models.Index(fields=["conversation", "id"])]

    def __str__(self) -> str:
        return f"message {self.pk} by {self.author_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class MessageRevision(models.Model):
    """An earlier version of an edited message, kept for the records."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    html = models.TextField()
    written_at = models.DateTimeField(help_text=_("When this version was written."))
    replaced_at = models.DateTimeField(default=timezone.now)
    replaced_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"revision of message {self.message_id}"


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "person", "emoji"], name="reaction_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.emoji} on {self.message_id}"


class Acknowledgement(models.Model):
    """A member confirmed they have read an announcement."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="acknowledgements")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="acknowledgements")
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "person"], name="acknowledgement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} acknowledged {self.message_id}"


class AcknowledgementReminder(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reminders")
    sent_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"reminder for {self.message_id}"


def _attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.organisation_id}/{instance.id.hex[:2]}/{instance.id.hex}"


class Attachment(models.Model):
    """An uploaded file. Its stored bytes are exactly what was checked: images are re-encoded without
    metadata before they are written."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="uploads")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    # Faces OpenCV found in a picture when it was uploaded (safeguarding/photos.py); None when not a picture
    # or not checked.
    faces = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # A photo with faces that a pupil's conversation holds for review (the school's policy, "hold"): kept, but
    # shown only to its sender and to those who may review it until one of them releases or removes it.
    held_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    review = models.CharField(
        max_length=10, blank=True, choices=[("released", _("Released")), ("removed", _("Removed"))]
    )

    def __str__(self) -> str:
        return self.filename

    @property
    def held(self) -> bool:
        """Waiting for a member of staff who supervises the conversation, or a DSL, to check it."""
        return self.held_at is not None and self.reviewed_at is None

    @property
    def removed(self) -> bool:
        """Checked and not to be shown: kept for the records, served only to those who may review it."""
        return self.review == "removed"

    @property
    def withheld(self) -> bool:
        """Not served to an ordinary member of the conversation."""
        return self.held or self.removed

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def is_audio(self) -> bool:
        """A voice note (its type was sniffed from the content when it was uploaded: messaging/uploads.py)."""
        return self.content_type.startswith("audio/")

    # A picture in a conversation is shown at most this many CSS pixels tall (app.css `.attachments img`).
    SHOWN_HEIGHT = 256

    @property
    def shown_width(self) -> int:
        """The width it is shown at, so the page reserves its space before it loads (with `shown_height`)."""
        if not self.width or not self.height or self.height <= self.SHOWN_HEIGHT:
            return self.width or 0
        return max(1, round(self.width * self.SHOWN_HEIGHT / self.height))

    @property
    def shown_height(self) -> int:
        return min(self.height or 0, self.SHOWN_HEIGHT)


class MembershipReview(models.Model):
    """Once a term, whoever runs a conversation confirms who should still be in it (the register shows reviews
    that are overdue, and this history). What it records: who reviewed, when, how many stayed, who was taken out."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reviews")
    reviewed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)
    kept = models.PositiveIntegerField()
    removed_ids = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["conversation", "-reviewed_at"])]

    def __str__(self) -> str:
        return f"review of {self.conversation_id} on {self.reviewed_at:%Y-%m-%d}"


class OversightRead(models.Model):
    """How far a safeguarding lead who oversees a class channel without being in it has read it: their unread
    count there (a member's position is on their Membership)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    last_read_message_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "conversation"], name="oversight_read_unique")]

    def __str__(self) -> str:
        return f"{self.person_id} oversees {self.conversation_id}"


class PupilPostingPolicy(models.Model):
    """What pupils of a school may put in their class channels besides text. Without a row, the defaults hold:
    links allowed, images only (no other files)."""

    class Files(models.TextChoices):
        ALL = "all", _("Any file")
        IMAGES = "images", _("Images only")
        NONE = "none", _("No files")

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="pupil_posting_policy")
    links_allowed = models.BooleanField(default=True)
    files = models.CharField(max_length=10, choices=Files.choices, default=Files.IMAGES)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"pupil posting policy of {self.school_id}"


class Pin(models.Model):
    """A message pinned to the top of its conversation, so a reader finds it without scrolling. A deleted or
    hidden message is no longer shown among the pins (messaging.pins.pinned)."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="pin")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="pins")
    pinned_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    pinned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["conversation", "-pinned_at"], name="pin_conversation_latest")]

    def __str__(self) -> str:
        return f"pin of {self.message_id}"


class StaffAudience(models.Model):
    """An announcement channel for all staff of a school: its members are every active member of staff there
    (governors too when `include_governors`), computed by the server, and staff who join the school later are
    added (messaging.audiences)."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="staff_audience")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    include_governors = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"all staff of {self.school_id} in {self.conversation_id}"
