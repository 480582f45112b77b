"""Screening a message on its way in: the school's roster and policy (cached briefly), the scan, the decision.

The roster and the policy of a school are read once and kept in this process for
`STAFFROOM_SAFEGUARDING_CACHE_SECONDS` (a pupil joining, or a policy change, is seen within that time; a
policy change clears this process's copy at once), so a send costs one scan and no extra query.

A scan that raises never loses a message nor lets a blocked one through (docs/safeguarding.md):
- where the policy could block something in this kind of conversation for this sender, nothing is sent and
  the sender is asked to try again (503 `checks_unavailable`; the composer keeps the text);
- everywhere else the message is posted and a concern ("something else", medium) is raised, so the DSL looks
  at what the detectors could not.
Only the exception's type is logged, never the text.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from staffroom.accounts.models import Person
from staffroom.messaging.models import Conversation
from staffroom.safeguarding import detectors, roster
from staffroom.safeguarding.detectors import EMPTY_ROSTER, Finding, Roster
from staffroom.safeguarding.policy import Decision, Policy, decide

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_cache: dict[tuple[str, int], tuple[float, Roster, Policy]] = {}


def clear(school_id: int | None = None) -> None:
    """Forget the cached roster and policy of one school (or of every school)."""
    with _lock:
        if school_id is None:
            _cache.clear()
        else:
            _cache.pop(("school", school_id), None)


def _load_policy(school_id: int | None) -> Policy:
    from staffroom.safeguarding.models import PolicyRule

    if school_id is None:
        return Policy()
    rows = PolicyRule.objects.filter(school_id=school_id).values_list(
        "detector", "conversation_kind", "sender", "outcome"
    )
    return Policy({(d, k, s): o for d, k, s, o in rows})


def school_policy(school_id: int | None) -> Policy:
    return _context(school_id, None)[1]


def _context(school_id: int | None, organisation_id: int | None) -> tuple[Roster, Policy]:
    key = ("school", school_id) if school_id is not None else ("organisation", organisation_id or 0)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] > now:
        return cached[1], cached[2]
    from staffroom.accounts.models import Organisation, School

    if school_id is not None:
        school = School.objects.filter(pk=school_id).first()
        names = roster.school_roster(school) if school is not None else EMPTY_ROSTER
    else:
        organisation = Organisation.objects.filter(pk=organisation_id or 0).first()
        names = roster.organisation_roster(organisation.slug) if organisation is not None else EMPTY_ROSTER
    policy = _load_policy(school_id)
    with _lock:
        _cache[key] = (now + settings.STAFFROOM_SAFEGUARDING_CACHE_SECONDS, names, policy)
    return names, policy


def school_policy_for(conversation: Conversation, sender: Person) -> Policy:
    """The policy that applies to what `sender` posts in `conversation` (as `screen` finds it)."""
    return _context(conversation.school_id or sender.school_id, conversation.organisation_id)[1]


def sender_kind(person: Person) -> str:
    """Pupils follow the pupil rules; every adult (staff, governors, external guests) the staff rules."""
    return "pupil" if person.is_pupil else "staff"


@dataclass(frozen=True)
class Screening:
    findings: tuple[Finding, ...]
    decision: Decision
    policy: Policy
    failed: bool = False


def screen(text: str, *, conversation: Conversation, sender: Person) -> Screening:
    """Scan `text` as `sender` would post it in `conversation` and decide under the school's policy."""
    school_id = conversation.school_id or sender.school_id
    names, policy = _context(school_id, conversation.organisation_id)
    kind, who = str(conversation.kind), sender_kind(sender)
    try:
        findings = detectors.scan(text, names).findings
    except Exception as error:  # a detector bug must not decide what happens to a message
        logger.error(
            "safeguarding scan failed (%s) on a message in conversation %s", type(error).__name__, conversation.pk
        )
        return Screening((), Decision(), policy, failed=True)
    return Screening(findings, decide(findings, policy, conversation_kind=kind, sender=who), policy)
