"""The organisation's event stream: one row per event, holding ids and numbers, never content.

Every event of an organisation takes the next `position` of its stream (`StreamHead`), under a row lock held
to commit, so positions have no holes and follow commit order. A person's stream is the part of their
organisation's stream addressed to them: the audience of a conversation (decided when the event is delivered,
from who may see the conversation then) and/or people named in `EventRecipient`. A client's `seq` is the
position, so it increases for each person, though not by one.

Content (message bodies, names, titles) is loaded when an event is delivered, so what was deleted, edited or
erased since is never replayed, and retention, erasure and legal holds have nothing to clean here.
"""

from django.db import models
from django.utils import timezone

from staffroom.accounts.models import Organisation, Person


class StreamHead(models.Model):
    """Where an organisation's stream stands, and up to where it was pruned (older positions need a resync)."""

    organisation = models.OneToOneField(Organisation, primary_key=True, on_delete=models.CASCADE, related_name="+")
    position = models.BigIntegerField(default=0)
    pruned_through = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"stream of organisation {self.organisation_id} at {self.position}"


class Event(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    position = models.BigIntegerField()
    type = models.CharField(max_length=40)
    # The conversation whose audience receives the event (messaging's id; realtime sits below messaging).
    conversation_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "position"], name="realtime_event_position_unique"),
        ]
        indexes = [models.Index(fields=["organisation", "conversation_id", "position"])]

    def __str__(self) -> str:
        return f"{self.type} #{self.position} of organisation {self.organisation_id}"


class EventRecipient(models.Model):
    """A person an event is addressed to by name (besides, or instead of, a conversation's audience)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="recipients")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "person"], name="realtime_recipient_unique")]
        indexes = [models.Index(fields=["person", "event"])]

    def __str__(self) -> str:
        return f"event {self.event_id} for {self.person_id}"


class Revocation(models.Model):
    """A person's credentials were revoked (signed out, deactivated, a token revoked). The push that closes their
    sockets reaches every node at once; this row is how a server process hears of a revocation made in another
    process that shares no channel layer with it (a command, the worker, in the embedded mode): each hub looks
    for new rows every couple of seconds and has those people's sockets check their credentials again."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "id"])]

    def __str__(self) -> str:
        return f"revocation for {self.person_id}"
