"""Whether a person's data may be erased (UK GDPR Art. 17), and what an erasure would remove.

The right to erasure gives way where the school needs the data for a legal obligation, for legal claims or for
safeguarding (Art. 17(3); DOMAIN.md). `reasons_to_refuse` names each exception that applies now; the decide
action asks it again inside its transaction, with the subject's row locked, so a person cannot be reactivated or
put under a legal hold between the check and the erasure.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.db.models import Q
from django.utils.translation import gettext as _

from staffroom.accounts.models import ApiToken, Person, RoleAssignment, SchoolClass
from staffroom.compliance.holds import person_is_held
from staffroom.messaging.models import (
    Acknowledgement,
    Attachment,
    MembershipReview,
    Message,
    MessageRevision,
    Reaction,
)

ERASED_NAME = "Erased person"
# RFC 2606 reserves ".invalid": an address there can never be delivered to, so nothing is ever sent to it.
ERASED_DOMAIN = "erased.invalid"


def reasons_to_refuse(subject: Person) -> list[str]:
    """Why `subject`'s data may not be erased now, in plain words for the DPO; empty when it may be."""
    reasons = []
    if subject.is_active:
        # Staff records are needed while someone is employed (a legal obligation); a pupil's while on roll.
        reasons.append(
            _("%(name)s still has access. Deactivate them first: their records are needed while they are here.")
            % {"name": subject.name}
        )
    if _held(subject):
        reasons.append(_("A legal hold covers %(name)s: their data is kept for legal claims until it is released.")
                       % {"name": subject.name})  # fmt: skip
    if _safeguarding_concerns(subject):
        reasons.append(_("A safeguarding concern involves %(name)s: their data is kept for safeguarding.")
                       % {"name": subject.name})  # fmt: skip
    return reasons


def _held(subject: Person) -> bool:
    """Whether a legal hold covers the subject (their data is needed for legal claims)."""
    return person_is_held(subject)


def _safeguarding_concerns(subject: Person) -> bool:
    """Whether a safeguarding concern involves the subject: about them, raised by them, or on a message they
    wrote (their data is needed for safeguarding)."""
    from staffroom.safeguarding.models import Concern

    return Concern.objects.filter(
        Q(about=subject) | Q(raised_by=subject) | Q(message__author=subject), organisation_id=subject.organisation_id
    ).exists()


def what_would_be_erased(subject: Person) -> dict[str, int]:
    """Counts of what an erasure of `subject` would remove now, under the names the erasure records (the
    confirmation step shows them; the SCIM record and the audit entries are counted only when erased)."""
    messages = Message.objects.filter(author=subject)
    attachments = Attachment.objects.filter(uploaded_by=subject)
    return {
        "messages": messages.filter(erased_at__isnull=True).count(),
        "revisions": MessageRevision.objects.filter(message__author=subject).count(),
        "mentions": Message.mentions.through.objects.filter(Q(person=subject) | Q(message__author=subject)).count(),
        "attachments": attachments.count(),
        "files": attachments.exclude(file="").count(),
        "reactions": Reaction.objects.filter(person=subject).count(),
        "acknowledgements": Acknowledgement.objects.filter(person=subject).count(),
        "review_notes": MembershipReview.objects.filter(reviewed_by=subject).exclude(note="").count(),
        "tokens": ApiToken.objects.filter(person=subject).count(),
        "sign_in_accounts": SocialAccount.objects.filter(user=subject).count(),
        "authenticators": Authenticator.objects.filter(user=subject).count(),
        "email_addresses": EmailAddress.objects.filter(user=subject).count(),
        "roles": RoleAssignment.objects.filter(person=subject).count(),
        "classes": subject.classes.count() + SchoolClass.teachers.through.objects.filter(person=subject).count(),
    }
