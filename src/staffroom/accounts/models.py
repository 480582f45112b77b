"""Organisations, schools, people and their roles.

Identity is name, role and school (DESIGN.md invariant 3): there is deliberately no field for a phone number,
a personal email address or a contact book.
"""

import hashlib
import secrets
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles a person may hold in a school (several at once). Order is rank, for display."""

    IT_ADMIN = "it_admin", _("IT admin")
    HEADTEACHER = "headteacher", _("Headteacher / senior leader")
    DPO = "dpo", _("Data protection officer")
    DSL = "dsl", _("Designated safeguarding lead")
    DEPUTY_DSL = "deputy_dsl", _("Deputy safeguarding lead")
    TEACHER = "teacher", _("Teacher")
    TEACHING_ASSISTANT = "teaching_assistant", _("Teaching assistant")
    SUPPORT_STAFF = "support_staff", _("Support / office staff")
    GOVERNOR = "governor", _("Governor / trustee")
    PUPIL = "pupil", _("Pupil")
    EXTERNAL = "external", _("External")


# Adults who may be in a class channel with pupils: the school's teaching and safeguarding staff.
CLASS_STAFF_ROLES = frozenset({Role.HEADTEACHER, Role.DSL, Role.DEPUTY_DSL, Role.TEACHER, Role.TEACHING_ASSISTANT})


class Organisation(models.Model):
    """A multi-academy trust or a single school: the tenant. Nothing crosses organisations."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


# A roster's `sourcedId` (OneRoster): how a school, class or person is matched again on the next import. Empty for
# what was made by hand, which a roster import never removes or deactivates.
ROSTER_ID_MAX = 255
ROSTER_ID_HELP = _("Identifier in the school's roster (OneRoster).")


class School(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="schools")
    name = models.CharField(max_length=200)
    roster_id = models.CharField(max_length=ROSTER_ID_MAX, blank=True, default="", help_text=ROSTER_ID_HELP)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="school_name_unique"),
            models.UniqueConstraint(
                fields=["organisation", "roster_id"], condition=~Q(roster_id=""), name="school_roster_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SchoolClass(models.Model):
    """A teaching group (e.g. "9X Science"): its class channel holds its teachers and pupils."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="classes")
    name = models.CharField(max_length=100)
    year_group = models.CharField(max_length=20, blank=True)
    roster_id = models.CharField(max_length=ROSTER_ID_MAX, blank=True, default="", help_text=ROSTER_ID_HELP)
    # Who teaches the class (teachers and teaching assistants): they are in its class channels. Its pupils are
    # `pupils` (Person.classes).
    teachers: "models.ManyToManyField[Person, Any]" = models.ManyToManyField(
        "Person", blank=True, related_name="classes_taught"
    )

    class Meta:
        verbose_name_plural = "school classes"
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="class_name_unique"),
            models.UniqueConstraint(
                fields=["school", "roster_id"], condition=~Q(roster_id=""), name="class_roster_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PersonManager(BaseUserManager["Person"]):
    def create_user(self, email: str, password: str | None = None, **fields: object) -> "Person":
        person = self.model(email=self.normalize_email(email).lower(), **fields)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "Person":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        if "organisation" not in fields and "organisation_id" not in fields:
            fields["organisation"] = Organisation.objects.order_by("id").first()
            if fields["organisation"] is None:
                raise ValueError("There is no organisation yet. Run `staffroom seed_demo`, or create one first.")
        fields.setdefault("name", email.split("@")[0])
        return self.create_user(email, password, **fields)


class Person(AbstractBaseUser, PermissionsMixin):
    """A member of an organisation: staff, pupil or sponsored external. Signs in with a school email."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="people")
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="people")
    email = models.EmailField(unique=True, help_text=_("School-issued address used to sign in."))
    name = models.CharField(max_length=150)
    # The name others type after "@" to mention someone; unique within the organisation.
    handle = models.SlugField(max_length=60)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text=_("May use the Django admin site."))
    external = models.BooleanField(default=False)
    access_ends_on = models.DateField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    year_group = models.CharField(max_length=20, blank=True)
    classes = models.ManyToManyField(SchoolClass, blank=True, related_name="pupils")
    roster_id = models.CharField(max_length=ROSTER_ID_MAX, blank=True, default="", help_text=ROSTER_ID_HELP)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "handle"], name="person_handle_unique"),
            models.UniqueConstraint(Lower("email"), name="person_email_ci_unique"),
            models.UniqueConstraint(
                fields=["organisation", "roster_id"], condition=~Q(roster_id=""), name="person_roster_id_unique"
            ),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.handle:
            self.handle = self._free_handle()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def _free_handle(self) -> str:
        """A mention handle made from the name, never from the email address (that would reveal it)."""
        base = slugify(self.name)[:50].strip("-") or "person"
        taken = set(
            Person.objects.filter(organisation_id=self.organisation_id, handle__startswith=base).values_list(
                "handle", flat=True
            )
        )
        handle, n = base, 1
        while handle in taken:
            n += 1
            handle = f"{base}-{n}"
        return handle

    @property
    def role_codes(self) -> list[str]:
        """The person's roles, rank order, de-duplicated across schools. Cached for the request."""
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            held = {a.role for a in self.assignments()}
            cached = [r.value for r in Role if r.value in held]
            self._role_codes = cached
        return cached

    def assignments(self) -> list["RoleAssignment"]:
        """The person's role assignments, read once per request (or taken from a prefetch); the permission
        checks and the roles shown in payloads share them."""
        cached: list[RoleAssignment] | None = getattr(self, "_assignment_cache", None)
        if cached is None:
            cached = list(self.role_assignments.all())
            self._assignment_cache = cached
        return cached

    @property
    def is_pupil(self) -> bool:
        return Role.PUPIL in self.role_codes

    @property
    def may_teach_a_class(self) -> bool:
        return not self.external and any(r in CLASS_STAFF_ROLES for r in self.role_codes)

    def access_has_ended(self, today: date | None = None) -> bool:
        """True once the day after `access_ends_on` has begun: the end date itself is the last day of access."""
        return self.access_ends_on is not None and self.access_ends_on < (today or timezone.localdate())

    def may_use_staffroom(self, today: date | None = None) -> bool:
        """May this person use Staffroom now, on any channel? Sign-in, sessions, tokens and sockets all ask this."""
        return self.is_active and not self.access_has_ended(today)


class RoleAssignment(models.Model):
    """A role held in one school, or across the whole organisation when `school` is empty."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="role_assignments")
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE)
    role = models.CharField(max_length=30, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "school", "role"], name="role_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} - {self.get_role_display()}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for API and WebSocket clients. Only its SHA-256 is stored; the raw token is shown once."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.pk} for {self.person}"

    @staticmethod
    def new_raw() -> str:
        return "sr_" + secrets.token_urlsafe(32)


class ExternalAccessRequest(models.Model):
    """A sponsor asks for an outsider to be let in; the DPO or an admin approves, for a limited time."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="external_requests")
    sponsor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="sponsored_requests")
    name = models.CharField(max_length=150)
    email = models.EmailField()
    organisation_name = models.CharField(max_length=200, help_text=_("Who the external works for."))
    reason = models.TextField()
    access_ends_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # Ids of the conversations the sponsor asked for (they are messaging's, a layer above accounts).
    conversation_ids = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    # The external's own account, made when the request is approved.
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"


class ScimToken(models.Model):
    """The bearer token a school's identity provider (Entra ID, Google) uses at /scim/v2/ to provision staff.

    It belongs to the organisation, not to a person: requests made with it act as the SCIM service
    (accounts/actors.py) within that organisation only. Only its SHA-256 is stored; the raw token is shown once.
    A person's API token is refused at /scim/v2/, and this token at /api/v1/."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="scim_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True)
    # Completes a userName sent without "@" (e.g. "jsmith") into the sign-in address "jsmith@<domain>".
    domain = models.CharField(max_length=200, blank=True)
    # Where people provisioned without a school go; empty: the organisation's only school, if it has one.
    default_school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"SCIM token {self.pk} of {self.organisation}"

    @staticmethod
    def new_raw() -> str:
        return "srscim_" + secrets.token_urlsafe(32)


class SecondFactorRule(models.TextChoices):
    """Who in an organisation must add a second sign-in step (an authenticator app or a passkey) before they use
    Staffroom. Pupils are never required: they are not given the phones such an app needs."""

    LEADERS = "leaders", _("Leaders: IT admins, headteachers and senior leaders, the DPO, DSLs and deputy DSLs")
    ADULTS = "adults", _("Every adult: all staff, governors and externals (everyone but pupils)")
    NOBODY = "nobody", _("Nobody is required (anyone may still add one)")


class SignInPolicy(models.Model):
    """An organisation's sign-in rules, set by its IT admins in the console. An organisation without a row
    follows the defaults (`SecondFactorRule.LEADERS`)."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="sign_in_policy")
    second_factor = models.CharField(max_length=20, choices=SecondFactorRule.choices, default=SecondFactorRule.LEADERS)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"sign-in policy of {self.organisation}"


class SignInProvider(models.Model):
    """Single sign-on through the school's identity provider (OpenID Connect). allauth's `SocialApp` holds what
    allauth needs (client id, secret, issuer); this row says whose it is and the school's rules for it."""

    class Kind(models.TextChoices):
        GOOGLE = "google", _("Google Workspace")
        ENTRA = "entra", _("Microsoft Entra ID")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sign_in_providers")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    app = models.OneToOneField("socialaccount.SocialApp", on_delete=models.CASCADE, related_name="staffroom_provider")
    # Entra ID: the directory (tenant) id or its primary domain; never "common" or "organizations".
    tenant = models.CharField(max_length=100, blank=True)
    # When set, only addresses in this domain may sign in this way (and, for Google, only its Workspace).
    allowed_domain = models.CharField(max_length=253, blank=True)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="sign_in_provider_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.organisation}"


# --- notifications: a person's settings, their devices' push addresses, the school's defaults ---------------


class Notify(models.TextChoices):
    """Which new messages reach a person's devices (and, per conversation, a member's)."""

    ALL = "all", _("Every new message")
    MENTIONS = "mentions", _("Only when someone mentions me")
    NONE = "none", _("None")


class Language(models.TextChoices):
    EN = "en", _("English")
    CY = "cy", _("Welsh (Cymraeg)")


class Preferences(models.Model):
    """A person's own settings. Without a row, or with empty quiet hours, the school's defaults apply
    (`NotificationPolicy`). Quiet hours are the person's working hours: notifications come only inside them."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="preferences")
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.EN)
    notify = models.CharField(max_length=10, choices=Notify.choices, default=Notify.ALL)
    # All three empty: follow the school's working hours.
    work_starts = models.TimeField(null=True, blank=True)
    work_ends = models.TimeField(null=True, blank=True)
    work_days = models.JSONField(null=True, blank=True, help_text=_("Working days, Monday 0 to Sunday 6."))
    sound = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"preferences of {self.person_id}"


class NotificationPolicy(models.Model):
    """An organisation's notification rules (the row without a school) and a school's own working hours (a row
    with one). Without rows: 07:30-18:00, Monday to Friday, and no conversation titles in notifications."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="notification_policies")
    school = models.OneToOneField(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="notification_policy"
    )
    # Notifications may name the conversation (organisation row only); never the message.
    show_titles = models.BooleanField(default=False)
    work_starts = models.TimeField(null=True, blank=True)
    work_ends = models.TimeField(null=True, blank=True)
    work_days = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(school__isnull=True), name="notification_policy_one_per_org"
            ),
        ]

    def __str__(self) -> str:
        return f"notification policy of {self.school or self.organisation}"


class PushSubscription(models.Model):
    """Where a push service delivers Web Push for one device (browser) of a person. Kept beside sessions and
    tokens because it is ended with them: signing out everywhere, leaving and a lost device remove it, and so does
    signing out of the session it was made in. Its keys only let Staffroom encrypt to the device."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    # A label for the person's device list ("Chrome on Android"), derived from the browser's user agent.
    label = models.CharField(max_length=100, blank=True)
    # The browser session it was made in (empty when made with an API token): signing out of it removes it.
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"push subscription {self.pk} of {self.person_id}"

    def info(self) -> dict[str, Any]:
        """What pywebpush takes."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class SchoolClosure(models.Model):
    """Days a school is closed to pupils besides weekends and bank holidays: term holidays and INSET (training)
    days, from `starts_on` to `ends_on` inclusive. Pupils cannot post in class channels with posting hours then."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="closures")
    starts_on = models.DateField()
    ends_on = models.DateField()
    label = models.CharField(max_length=100)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="school_closure_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.starts_on} to {self.ends_on}) at {self.school_id}"
