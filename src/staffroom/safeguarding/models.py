"""Safeguarding concerns: the DSL's queue (KCSIE; DOMAIN.md "Safeguarding").

A concern is raised by the detectors on a message (the school's policy says which findings raise one), by any
member reporting a message ("report a concern"), or by the photo check. It carries the message in its
conversation, the person it is about, a category and a severity, and moves open -> reviewed -> escalated (the
referral recorded) -> closed (with the outcome). Every step, and every look at it, is audited; the notes are
the concern's own chronology.

A concern keeps its message: the retention purge skips messages a concern refers to (safeguarding records
follow their own, longer schedule), and an erasure is refused while a concern involves the person.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from staffroom.accounts.models import Organisation, Person, School
from staffroom.messaging.models import Conversation, Message
from staffroom.safeguarding.concerns import CATEGORY_LABELS


class Concern(models.Model):
    class Category(models.TextChoices):
        BULLYING = "bullying", CATEGORY_LABELS["bullying"]
        GROOMING = "grooming", CATEGORY_LABELS["grooming"]
        EXTREMISM = "extremism", CATEGORY_LABELS["extremism"]
        SELF_HARM = "self_harm", CATEGORY_LABELS["self_harm"]
        VIOLENCE = "violence", CATEGORY_LABELS["violence"]
        DRUGS = "drugs", CATEGORY_LABELS["drugs"]
        SEXUAL_CONTENT = "sexual_content", CATEGORY_LABELS["sexual_content"]
        DISCRIMINATION = "discrimination", CATEGORY_LABELS["discrimination"]
        PUPIL_DATA = "pupil_data", _("Pupil personal data shared")
        PHOTO = "photo", _("Photo of a child")
        OTHER = "other", _("Something else")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        REVIEWED = "reviewed", _("Reviewed")
        ESCALATED = "escalated", _("Escalated (referred)")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        DETECTOR = "detector", _("Found by the detectors")
        REPORT = "report", _("Reported by a member")
        PHOTO = "photo", _("Photo check")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.PROTECT, related_name="concerns")
    # Who it is about: the message's author, unless the DSL changes it.
    about = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=20, choices=Category.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(max_length=10, choices=Source.choices)
    # The detectors' reasons (kinds and why; never the matched text), for the DSL reading it.
    findings = models.JSONField(default=list, blank=True)
    raised_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True, help_text="What the person reporting it said.")
    assigned_to = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    referral = models.TextField(
        blank=True, help_text="To whom it was referred (MASH, police, Prevent) and the reference."
    )
    referred_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    closed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "status", "-created_at"]),
            models.Index(fields=["organisation", "school", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} concern {self.pk}"

    @property
    def how_raised(self) -> str:
        """How it came to the DSL, in a few words: found by the phrase rules, by the text model alone (so the
        reason is for the DSL to read in the message), reported by someone, or the photo check."""
        findings = self.findings or []
        if (
            self.source == self.Source.DETECTOR
            and findings
            and all(isinstance(f, dict) and f.get("source") == "model" for f in findings)
        ):
            return str(_("Found by the text model"))
        if self.source == self.Source.REPORT and self.raised_by is not None:
            return str(_("Reported by %(name)s") % {"name": self.raised_by.name})
        return str(self.get_source_display())


class ConcernNote(models.Model):
    """The concern's chronology: notes the DSL writes, and each change of status or assignment."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        ASSIGNED = "assigned", _("Assigned")
        STATUS = "status", _("Status changed")

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NOTE)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on concern {self.concern_id}"


class PolicyRule(models.Model):
    """One cell of a school's safeguarding policy that differs from the defaults (safeguarding/policy.py):
    what a detector's finding does in one kind of conversation for one kind of sender."""

    class Outcome(models.TextChoices):
        ALLOW = "allow", _("Allow")
        NUDGE = "nudge", _("Ask the sender to confirm")
        WARN_DPO = "warn_dpo", _("Post and tell the DPO")
        BLOCK = "block", _("Block")
        RAISE = "raise", _("Post and raise a concern")
        HOLD = "hold", _("Hold the photo for a teacher to check")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    detector = models.CharField(max_length=32)
    conversation_kind = models.CharField(max_length=20)
    sender = models.CharField(max_length=10)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    changed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "detector", "conversation_kind", "sender"], name="one_policy_rule_per_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.detector} in {self.conversation_kind} by {self.sender}: {self.outcome}"
