"""Staff policies' state changes: the data protection officer publishes a version (everyone it applies to is asked
again) and a person accepts one ("I have read and accept"). Each checks inside one transaction and writes its
audit entry last."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.compliance import audit
from staffroom.compliance import policies as rules
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import Policy, PolicyAcknowledgement, PolicyVersion
from staffroom.errors import Invalid, NotFound
from staffroom.text import clean as clean_text


def publish_policy(
    kind: str,
    *,
    acting: Person,
    label: str,
    text: str,
    summary: str = "",
    text_format: str = PolicyVersion.Format.PLAIN,
    includes_pupils: bool = False,
) -> PolicyVersion:
    """Publish a new version of one of the organisation's policies; from now on it is the one everyone it applies
    to must accept (again, if they accepted an earlier one). Only the data protection officer publishes."""
    permissions.require(acting, "policy.manage", acting.organisation)
    if kind not in Policy.Kind.values:
        raise Invalid("kind", _("Choose data protection, social media or acceptable use."))
    if text_format not in PolicyVersion.Format.values:
        raise Invalid("text_format", _("Choose plain text or Markdown."))
    label = clean_text(label)
    if not label:
        raise Invalid("label", _("Name this version, e.g. 2026 or v2, so people can tell versions apart."))
    if len(label) > rules.LABEL_MAX:
        raise Invalid("label", _("A version's name can be at most %(n)d characters.") % {"n": rules.LABEL_MAX})
    text = clean_text(text, multiline=True)
    if not text:
        raise Invalid("text", _("Paste the policy's text: people read it before they accept it."))
    if len(text) > rules.TEXT_MAX:
        raise Invalid("text", _("A policy can be at most %(n)s characters.") % {"n": f"{rules.TEXT_MAX:,}"})
    summary = clean_text(summary, multiline=True)
    if len(summary) > rules.SUMMARY_MAX:
        raise Invalid("summary", _("Say what changed in at most %(n)s characters.") % {"n": f"{rules.SUMMARY_MAX:,}"})
    if includes_pupils and kind not in rules.PUPILS_MAY_BE_ASKED:
        raise Invalid("includes_pupils", _("Only the acceptable use policy can ask pupils too."))
    with transaction.atomic():
        policy, _created = Policy.objects.get_or_create(organisation_id=acting.organisation_id, kind=kind)
        policy = Policy.objects.select_for_update().get(pk=policy.pk)  # one publisher at a time per policy
        if policy.current_id is not None and not summary:
            raise Invalid("summary", _("Say what changed since the last version, so people know what to look for."))
        if policy.versions.filter(label=label).exists():
            raise Invalid("label", _("This policy already has a version called %(label)s.") % {"label": label})
        version = PolicyVersion.objects.create(
            policy=policy, label=label, text=text, text_format=text_format, summary=summary,
            html=rules.render_text(text, text_format), includes_pupils=includes_pupils, published_by=acting,
        )  # fmt: skip
        previous = policy.current_id
        policy.current = version
        policy.save(update_fields=["current"])
        audit.record(
            acting, AuditAction.POLICY_PUBLISHED, target=version,
            data={"policy_id": policy.pk, "version_id": version.pk, "kind": kind, "previous_version_id": previous,
                  "includes_pupils": includes_pupils},
            details={"label": label, "summary": summary} if summary else {"label": label},
        )  # fmt: skip
    return version


def acknowledge_policy(version_id: int, *, acting: Person, now: datetime | None = None) -> PolicyAcknowledgement:
    """Record that the person has read and accepts this version. Only the current version of a policy that applies
    to them can be accepted; accepting it again within the year changes nothing. `now`: when (tests, the demo)."""
    now = now or timezone.now()
    with transaction.atomic():
        # The person's row orders their own acceptances: two clicks at once record one.
        Person.objects.select_for_update().filter(pk=acting.pk).first()
        version = (
            PolicyVersion.objects.select_related("policy")
            .filter(pk=version_id, policy__organisation_id=acting.organisation_id)
            .first()
        )
        if version is None or not acting.may_use_staffroom() or not rules.applies_to(version, acting):
            raise NotFound()
        if version.policy.current_id != version.pk:
            raise Invalid("version_id", _("A newer version of this policy has been published: read and accept that."))
        kept = (
            PolicyAcknowledgement.objects.filter(
                version=version, person=acting, acknowledged_at__gt=rules.still_valid_since(now)
            )
            .order_by("-acknowledged_at")
            .first()
        )
        if kept is not None:
            return kept
        acknowledgement = PolicyAcknowledgement.objects.create(version=version, person=acting, acknowledged_at=now)
        audit.record(
            acting, AuditAction.POLICY_ACKNOWLEDGED, target=version,
            data={"policy_id": version.policy_id, "version_id": version.pk, "kind": version.policy.kind},
        )  # fmt: skip
    return acknowledgement
