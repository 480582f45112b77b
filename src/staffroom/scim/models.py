"""What the identity provider last told Staffroom about a person or a group, as it sent it.

SCIM shows a directory its own record back: a person's `displayName` and `name` as the directory set them, the
roles and school it manages (or none, when Staffroom's admins keep those), its `externalId`. Staffroom's own
rows (Person, Conversation) hold what Staffroom acts on, derived from these through the people and messaging
actions. Nothing here is contact data: phone numbers, addresses, photos and personal email addresses a directory
sends are never stored (DESIGN.md invariant 3).
"""

import uuid

from django.db import models
from django.utils import timezone

from staffroom.accounts.models import Organisation, Person, School
from staffroom.messaging.models import Conversation


class ScimUser(models.Model):
    """A person as the directory knows them. People never touched by SCIM have none; SCIM shows them from
    their Person row until the directory first changes them."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="scim")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # Lower-cased. The sign-in address is this, or this at the token's domain when it has no "@".
    user_name = models.CharField(max_length=254)
    external_id = models.CharField(max_length=200, blank=True)
    display_name = models.CharField(max_length=150, blank=True)
    # Only formatted, givenName and familyName: the parts of a name Staffroom can show.
    name = models.JSONField(default=dict, blank=True)
    # Role codes the directory sets; None when Staffroom's admins keep the person's roles.
    roles = models.JSONField(null=True, blank=True)
    # The school the directory sets; None when Staffroom's admins keep it.
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The directory deleted them: they are deactivated and no longer shown to it (their records are kept).
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user_name"], name="scim_user_name_unique"),
        ]

    def __str__(self) -> str:
        return self.user_name


class ScimGroup(models.Model):
    """A group of the directory, kept as a conversation (`provisioned_by="scim"`). Its SCIM id is a UUID, so
    that no group shares an id with a user (a search across both tells them apart by id)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="scim")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(max_length=200, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"SCIM group {self.conversation_id}"
