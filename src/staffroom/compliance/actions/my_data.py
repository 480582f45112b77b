"""Download my data: any signed-in person (pupils and externals too) takes away a ZIP of the messages they
wrote, in every conversation, and the files they sent with them, in the records export's format
(compliance/bundle.py). docs/records.md, "Download my data"."""

from __future__ import annotations

from datetime import datetime
from typing import IO

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom import ratelimit
from staffroom.accounts.models import Person
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.bundle import About, Summary, write_bundle
from staffroom.errors import PermissionDenied
from staffroom.messaging.models import Message

# Each export reads every message the person wrote: a few an hour is plenty for a person, and stops a script.
EXPORT_LIMIT = (3, 3600)


def my_messages(person: Person) -> QuerySet[Message]:
    """What the download holds: every message the person wrote that they can still see (not deleted), in any
    conversation, left ones included. Deleted messages and earlier versions of edited ones stay in the school's
    records and come with a subject access request, not here: the download is what the person sees."""
    return Message.objects.filter(author=person, conversation__organisation_id=person.organisation_id,
                                  deleted_at__isnull=True)  # fmt: skip


def export_my_data(*, acting: Person, target: IO[bytes], now: datetime | None = None) -> Summary:
    """Write the person's own messages and files as a ZIP into `target`, and record that they did (counts only).
    Rate limited (EXPORT_LIMIT), with how long to wait."""
    if not acting.may_use_staffroom():
        raise PermissionDenied()
    count, window = EXPORT_LIMIT
    ratelimit.hit(
        f"me-export:{acting.pk}", limit=count, window_seconds=window,
        message=_("You have downloaded your data several times in the last hour. Please wait %(wait)s."),
    )  # fmt: skip
    now = now or timezone.now()
    about = About(
        title=_("Messages and files of %(name)s") % {"name": acting.name},
        reason=_("Download my data: the messages you wrote and the files you sent, as Staffroom holds them."),
        made_by=acting.name, made_at=now,
        scope={"Person": acting.name, "Organisation": acting.organisation.name},
    )  # fmt: skip
    # Written before the transaction, so a long export never holds the database's write lock.
    summary = write_bundle(target, my_messages(acting), about=about)
    with transaction.atomic():
        audit.record(
            acting, AuditAction.ME_EXPORTED, target=acting,
            data={"messages": summary.messages, "conversations": summary.conversations,
                  "attachments": summary.attachments},
        )  # fmt: skip
    return summary
