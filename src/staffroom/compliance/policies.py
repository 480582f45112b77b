"""The rules of policy acknowledgement, as plain functions: whom a policy asks, when an acceptance runs out, what
state a person is in, and how a policy's text is shown.

DOMAIN.md: staff must acknowledge the data protection and social media policies, and re-acknowledge yearly; the
school must be able to show who has and who has not. So a person is asked before they use Staffroom, again for
each new version, and again a year (365 days) after their last acceptance of that policy.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from django.utils.html import linebreaks

from staffroom.accounts.models import Person, Role
from staffroom.compliance.models import Policy, PolicyVersion
from staffroom.messaging import formatting

# An acceptance counts for a year; then the person is asked again.
VALID_FOR = timedelta(days=365)

# Pupils may be asked only to accept acceptable use (how to use the school's systems); the other policies are for
# the adults who work with the school's data.
PUPILS_MAY_BE_ASKED = frozenset({Policy.Kind.ACCEPTABLE_USE})

LABEL_MAX = 40
TEXT_MAX = 100_000
SUMMARY_MAX = 2_000


class Standing(StrEnum):
    """Where a person stands with a policy's current version."""

    ACKNOWLEDGED = "acknowledged"  # accepted the current version within the last year
    NOT_YET = "not_yet"  # never accepted any version
    OUT_OF_DATE = "out_of_date"  # accepted an older version, or the current one more than a year ago


STANDING_LABELS = {
    Standing.ACKNOWLEDGED: "Acknowledged",
    Standing.NOT_YET: "Not yet",
    Standing.OUT_OF_DATE: "Out of date",
}


def asked_as_pupil(person: Person) -> bool:
    """A pupil (and nothing else) is asked only by versions that include pupils. Anyone holding another role
    beside a pupil one is asked as staff."""
    roles = set(person.role_codes)
    return bool(roles) and roles <= {Role.PUPIL}


def applies_to(version: PolicyVersion, person: Person) -> bool:
    """Does this version ask `person`? Every staff role, governors and externals: yes. A pupil: only when the DPO
    included pupils."""
    return version.includes_pupils or not asked_as_pupil(person)


def still_valid_since(now: datetime) -> datetime:
    """Acceptances made after this moment still count at `now`."""
    return now - VALID_FOR


def renew_by(acknowledged_at: datetime) -> datetime:
    """When an acceptance made at `acknowledged_at` runs out and the person is asked again."""
    return acknowledged_at + VALID_FOR


def standing(last_of_current: datetime | None, accepted_any: bool, now: datetime) -> Standing:
    """A person's standing with a policy, from their latest acceptance of its current version (if any) and
    whether they ever accepted any version."""
    if last_of_current is not None and last_of_current > still_valid_since(now):
        return Standing.ACKNOWLEDGED
    return Standing.OUT_OF_DATE if accepted_any else Standing.NOT_YET


def render_text(text: str, text_format: str) -> str:
    """A policy's text as safe HTML: Markdown through the house's sanitised rendering, plain text as paragraphs."""
    if text_format == PolicyVersion.Format.MARKDOWN:
        return formatting.render(text).html
    return linebreaks(text, autoescape=True)
