"""The admin console's sections, and who has each: people (IT admins, headteachers), groups (the group
register: IT admins, headteachers, the DPO), outsiders (deciding requests: the DPO and IT admins), roster import
(IT admins across the trust), the audit log (the DPO and IT admins), investigation exports (the DPO, headteachers
for their school) and sign-in settings (single sign-on and the
second step: IT admins).

Someone with none has no console: the header does not offer it and every /admin/ address is the 404 page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from staffroom.accounts import permissions
from staffroom.accounts import queries as people_queries
from staffroom.accounts.models import Person
from staffroom.compliance import investigations
from staffroom.messaging import queries as messaging_queries


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
    if investigations.may_investigate(viewer):
        found.append(Section("investigations", str(_("Investigations")), reverse("web:compliance_investigations")))
    if permissions.allows(viewer, "signin.manage", viewer.organisation):
        found.append(Section("sign_in", str(_("Sign-in")), reverse("web:admin_sign_in")))
    if permissions.allows(viewer, "scim.manage_tokens", viewer.organisation):
        found.append(Section("scim", str(_("Provisioning (SCIM)")), reverse("web:admin_scim")))
    return found
