"""The admin console's sections, and who has each: people (IT admins, headteachers), groups (the group
register: IT admins, headteachers, the DPO), outsiders (deciding requests: the DPO and IT admins), roster import
(IT admins across the trust), the audit log (the DPO and IT admins), the records (the DPO: breaches, retention,
legal holds, subject access, erasure, policies; headteachers read the accountability report, retention, subject
access and policy evidence for their school), investigation exports (the DPO, and headteachers for their school)
the safeguarding policy (the DSL for their school, the DPO), notification defaults and school closures (IT
admins, headteachers for their school) and sign-in settings (single sign-on and the second
step: IT admins).

Someone with none has no console: the header does not offer it and every /admin/ address is the 404 page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from staffroom.accounts import permissions
from staffroom.accounts import queries as people_queries
from staffroom.accounts.models import Person
from staffroom.compliance import accountability, investigations, retention
from staffroom.compliance import queries as compliance_queries
from staffroom.compliance.queries import may_view_policy_evidence
from staffroom.messaging import queries as messaging_queries
from staffroom.safeguarding.queries import policy_schools as safeguarding_policy_schools


@dataclass(frozen=True)
class Section:
    key: str  # what a page names as its `console_section`
    label: str
    url: str


def sections(viewer: Person) -> list[Section]:
    """The console's sections the viewer may use, in the order the console shows them."""
    found = []
    if people_queries.manages_people(viewer):
        found.append(Section("people", str(_("People")), reverse("web:admin")))
    if messaging_queries.may_view_register(viewer):
        found.append(Section("groups", str(_("Groups")), reverse("web:admin_groups")))
    if permissions.allows(viewer, "external.decide", viewer.organisation):
        found.append(Section("externals", str(_("Outsiders")), reverse("web:admin_externals")))
    if people_queries.class_schools(viewer):
        found.append(Section("schools", str(_("Schools and classes")), reverse("web:admin_schools")))
    if permissions.allows(viewer, "roster.import", viewer.organisation):
        found.append(Section("roster", str(_("Roster import")), reverse("web:admin_roster")))
    if permissions.allows(viewer, "audit.view", viewer.organisation):
        found.append(Section("audit", str(_("Audit log")), reverse("web:compliance_audit")))
    if permissions.allows(viewer, "breach.manage", viewer.organisation):
        found.append(Section("breaches", str(_("Breaches")), reverse("web:compliance_breaches")))
    if accountability.may_view(viewer):
        found.append(Section("accountability", str(_("Accountability")), reverse("web:compliance_report")))
    if retention.may_read_records(viewer):
        found.append(Section("retention", str(_("Retention")), reverse("web:compliance_retention")))
    if permissions.allows(viewer, "hold.manage", viewer.organisation):
        found.append(Section("holds", str(_("Legal holds")), reverse("web:compliance_holds")))
    if permissions.allows(viewer, "erasure.decide", viewer.organisation):
        found.append(Section("erasures", str(_("Erasure requests")), reverse("web:compliance_erasures")))
    if may_view_policy_evidence(viewer):
        found.append(Section("policies", str(_("Policies")), reverse("web:compliance_policies")))
    if compliance_queries.may_view_sars(viewer):
        # The count of requests due within 7 days or overdue: the reminder every console page carries.
        due = len(compliance_queries.sars_needing_attention(viewer))
        label = str(_("Subject access")) + (" " + str(_("(%(n)d due soon or overdue)") % {"n": due}) if due else "")
        found.append(Section("sars", label, reverse("web:compliance_sars")))
    if investigations.may_investigate(viewer):
        found.append(Section("investigations", str(_("Investigations")), reverse("web:compliance_investigations")))
    if safeguarding_policy_schools(viewer) or messaging_queries.pupil_posting_schools(viewer):
        found.append(Section("safeguarding_policy", str(_("Safeguarding policy")), reverse("web:safeguarding_policy")))
    if people_queries.calendar_schools(viewer):
        found.append(Section("closures", str(_("School closures")), reverse("web:admin_closures")))
    if people_queries.notification_scopes(viewer):
        found.append(Section("notifications", str(_("Notification defaults")), reverse("web:admin_notifications")))
    if permissions.allows(viewer, "signin.manage", viewer.organisation):
        found.append(Section("sign_in", str(_("Sign-in")), reverse("web:admin_sign_in")))
    if permissions.allows(viewer, "scim.manage_tokens", viewer.organisation):
        found.append(Section("scim", str(_("Provisioning (SCIM)")), reverse("web:admin_scim")))
    return found
