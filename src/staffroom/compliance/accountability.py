"""The accountability report: one page, mapped to the ICO Accountability Framework's ten categories, filled with
live evidence from the records Staffroom keeps (DOMAIN.md "Data protection").

Each category holds evidence lines: a figure in words and whether it shows the school doing what the framework
expects ("met"), something to act on ("attention"), or a fact with no judgement ("info"). Where Staffroom holds
no evidence for an expectation (a DPIA, a contract) the line says so rather than implying it is met: the DPO
keeps those records elsewhere. Figures are counts over the organisation (the controller), never content.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from staffroom.accounts import permissions
from staffroom.accounts.models import (
    ExternalAccessRequest,
    Organisation,
    Person,
    Role,
    RoleAssignment,
    SecondFactorRule,
    SignInProvider,
)
from staffroom.accounts.second_factor import rule_for
from staffroom.compliance import audit
from staffroom.compliance.holds import holds_in_force
from staffroom.compliance.models import (
    AuditEntry,
    Breach,
    ErasureRequest,
    Policy,
    RetentionRun,
    SubjectAccessRequest,
)
from staffroom.compliance.queries import ico_deadline, policy_evidence
from staffroom.errors import PermissionDenied
from staffroom.messaging import reviews
from staffroom.messaging.models import Conversation

MET, ATTENTION, INFO = "met", "attention", "info"
YEAR = timedelta(days=365)


@dataclass(frozen=True)
class Evidence:
    label: str
    value: str
    state: str = INFO
    link: str = ""  # the console page where it is kept


@dataclass(frozen=True)
class Category:
    key: str
    title: str
    expects: str  # what the ICO expects, in one line
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    viewer: Person
    organisation: Organisation
    today: date


Gatherer = Callable[[Context], list[Evidence]]


def may_view(viewer: Person) -> bool:
    """The DPO, and the headteacher of a school (read only), see the organisation's records overview."""
    if permissions.allows(viewer, "records.view", viewer.organisation):
        return True
    return viewer.school_id is not None and permissions.allows(viewer, "records.view", viewer.school)


def _holders(context: Context, *roles: Role) -> int:
    return (
        Person.objects.filter(organisation=context.organisation, is_active=True, role_assignments__role__in=roles)
        .distinct()
        .count()
    )


def _leadership(context: Context) -> list[Evidence]:
    dpos = _holders(context, Role.DPO)
    schools = context.organisation.schools.count()
    with_dsl = (
        RoleAssignment.objects.filter(person__organisation=context.organisation, person__is_active=True, role=Role.DSL)
        .values("school")
        .distinct()
        .count()
    )
    return [
        Evidence(
            _("Data protection officer"),
            ngettext("%(n)d person holds the role", "%(n)d people hold the role", dpos) % {"n": dpos},
            MET if dpos else ATTENTION,
        ),
        Evidence(
            _("Designated safeguarding lead"),
            _("%(with)d of %(schools)d schools have one") % {"with": min(with_dsl, schools), "schools": schools},
            MET if with_dsl >= schools else ATTENTION,
        ),
    ]


def _policies(context: Context) -> list[Evidence]:
    published = {
        p.kind: p
        for p in Policy.objects.filter(organisation=context.organisation, current__isnull=False).select_related(
            "current"
        )
    }
    found = []
    for kind in Policy.Kind:
        policy = published.get(kind.value)
        if policy and policy.current:
            day = date_format(timezone.localtime(policy.current.published_at), "j F Y")
            value = _("Version %(label)s, published %(day)s") % {"label": policy.current.label, "day": day}
            found.append(Evidence(str(kind.label), value, MET, reverse("web:compliance_policies")))
        else:
            found.append(Evidence(str(kind.label), _("Not published in Staffroom"), ATTENTION,
                                  reverse("web:compliance_policies")))  # fmt: skip
    return found


ACCEPTED_ENOUGH = 0.95  # below this share of the people asked, the acceptances need chasing


def _training(context: Context) -> list[Evidence]:
    now = timezone.make_aware(datetime.combine(context.today, time(12)))
    found = []
    for evidence in policy_evidence(context.viewer, now=now):
        tally = evidence.tally
        value = _("%(done)d of %(total)d accepted the current version (%(rate)s); %(late)d out of date, "
                  "%(none)d not yet") % {
            "done": tally.acknowledged, "total": tally.total,
            "rate": f"{tally.rate:.0%}" if tally.rate is not None else "-", "late": tally.out_of_date,
            "none": tally.not_yet,
        }  # fmt: skip
        enough = tally.rate is None or tally.rate >= ACCEPTED_ENOUGH
        found.append(Evidence(str(evidence.policy.get_kind_display()), value, MET if enough else ATTENTION,
                              reverse("web:compliance_policies")))  # fmt: skip
    if not found:
        found.append(Evidence(_("Policy acceptance"), _("No policy published yet, so nobody has been asked."),
                              ATTENTION, reverse("web:compliance_policies")))  # fmt: skip
    return found


def _rights(context: Context) -> list[Evidence]:
    year_ago = context.today - YEAR
    sars = SubjectAccessRequest.objects.filter(organisation=context.organisation)
    answered = sars.filter(status=SubjectAccessRequest.Status.ANSWERED, answered_on__gte=year_ago)
    late = answered.filter(answered_on__gt=F("due_on")).count()
    still_open = sars.filter(status__in=SubjectAccessRequest.OPEN_STATUSES)
    overdue = still_open.filter(due_on__lt=context.today).count()
    erasures = ErasureRequest.objects.filter(organisation=context.organisation)
    decided = erasures.filter(decided_at__gte=timezone.now() - YEAR)
    erased = decided.filter(status=ErasureRequest.Status.ERASED).count()
    waiting = erasures.filter(status=ErasureRequest.Status.OPEN).count()
    counts = {"n": decided.count(), "erased": erased, "refused": decided.count() - erased, "open": waiting}
    return [
        Evidence(
            _("Subject access requests answered on time (last year)"),
            _("%(ok)d of %(n)d") % {"ok": answered.count() - late, "n": answered.count()},
            ATTENTION if late else MET,
            reverse("web:compliance_sars"),
        ),
        Evidence(
            _("Subject access requests open now"),
            _("%(n)d open, %(overdue)d overdue") % {"n": still_open.count(), "overdue": overdue},
            ATTENTION if overdue else MET,
            reverse("web:compliance_sars"),
        ),
        Evidence(
            _("Erasure requests decided (last year)"),
            _("%(n)d (%(erased)d erased, %(refused)d refused with a recorded reason); %(open)d waiting") % counts,
            INFO,
            reverse("web:compliance_erasures"),
        ),
    ]


def _transparency(context: Context) -> list[Evidence]:
    since = timezone.now() - YEAR
    downloads = AuditEntry.objects.filter(
        organisation=context.organisation, action=audit.AuditAction.ME_EXPORTED, created_at__gte=since
    ).count()
    return [
        Evidence(
            _("Download my data"),
            _("Everyone can download their own messages and files from their profile; %(n)d downloads in the last year")
            % {"n": downloads},
            MET,
        ),
        Evidence(
            _("Privacy notice"),
            _("Not recorded in Staffroom: publish the school's privacy notice where staff and families see it."),
            INFO,
        ),
    ]


def _records_of_processing(context: Context) -> list[Evidence]:
    conversations = Conversation.objects.filter(organisation=context.organisation, archived_at__isnull=True)
    kinds = dict(conversations.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    listed = ", ".join(f"{n} {Conversation.Kind(kind).label.lower()}" for kind, n in sorted(kinds.items()))
    due = conversations.filter(reviews.due_filter(context.today)).count()
    overdue = due if reviews.is_overdue(context.today) else 0
    return [
        Evidence(
            _("Register of every group"),
            _("%(n)d conversations in use (%(kinds)s)") % {"n": sum(kinds.values()), "kinds": listed or "none"},
            MET,
            reverse("web:admin_groups"),
        ),
        Evidence(
            _("Termly membership reviews"),
            _("%(due)d due this term, %(overdue)d overdue") % {"due": due, "overdue": overdue},
            ATTENTION if overdue else MET,
            reverse("web:admin_groups"),
        ),
    ]


def _sharing(context: Context) -> list[Evidence]:
    since = timezone.now() - YEAR
    requests = ExternalAccessRequest.objects.filter(organisation=context.organisation)
    pending = requests.filter(status=ExternalAccessRequest.Status.PENDING).count()
    decided = requests.filter(decided_at__gte=since).exclude(status=ExternalAccessRequest.Status.PENDING)
    active = Person.objects.filter(organisation=context.organisation, external=True, is_active=True).count()
    return [
        Evidence(
            _("Outsiders with access"),
            _("%(n)d active, each sponsored, approved and with an end date") % {"n": active},
            INFO,
            reverse("web:admin_externals"),
        ),
        Evidence(
            _("Requests for outsiders"),
            _("%(decided)d decided in the last year, %(pending)d waiting")
            % {"decided": decided.count(), "pending": pending},
            ATTENTION if pending else MET,
            reverse("web:admin_externals"),
        ),
        Evidence(
            _("Processors"),
            _("None: the school hosts Staffroom; no content leaves its server. Hosting contracts are kept elsewhere."),
            INFO,
        ),
    ]


def _risks(context: Context) -> list[Evidence]:
    return [
        Evidence(
            _("Data protection impact assessments"),
            _("Not recorded in Staffroom: keep the DPIA for this platform with the school's other DPIAs."),
            INFO,
        ),
    ]


def _security(context: Context) -> list[Evidence]:
    check = audit.verify(context.organisation)
    rule = rule_for(context.organisation.pk)
    providers = SignInProvider.objects.filter(organisation=context.organisation).count()
    last_backup = (
        AuditEntry.objects.filter(organisation=context.organisation, action=audit.AuditAction.BACKUP_TAKEN)
        .order_by("-id")
        .values_list("created_at", flat=True)
        .first()
    )
    backup_age = (context.today - timezone.localtime(last_backup).date()).days if last_backup else None
    last_run = (
        RetentionRun.objects.filter(organisation=context.organisation, dry_run=False, finished_at__isnull=False)
        .order_by("-started_at")
        .first()
    )
    run_age = (context.today - last_run.today).days if last_run else None
    holds = holds_in_force(context.organisation).count()
    return [
        Evidence(
            _("Retention schedule"),
            _("Last run %(day)s: %(n)d messages past their rule removed")
            % {"day": date_format(last_run.today, "j F Y"), "n": last_run.counts.get("messages", 0)}
            if last_run
            else _("Not run yet: the worker runs it daily (`staffroom worker`)."),
            MET if run_age is not None and run_age <= 2 else ATTENTION,
            reverse("web:compliance_retention"),
        ),
        Evidence(
            _("Legal holds in force"),
            str(holds),
            INFO,
        ),
        Evidence(
            _("Backups"),
            _("Last taken %(day)s (%(n)d days ago)") % {"day": date_format(last_backup, "j F Y"), "n": backup_age}
            if last_backup and backup_age is not None
            else _("No backup recorded: schedule `staffroom backup` (docs/deploy.md)."),
            MET if backup_age is not None and backup_age <= 7 else ATTENTION,
        ),
        Evidence(
            _("Audit log"),
            _("%(n)d entries; hash chain intact") % {"n": check.entries}
            if check.ok
            else _("Hash chain broken at entry %(id)s") % {"id": check.first_bad_id},
            MET if check.ok else ATTENTION,
            reverse("web:compliance_audit"),
        ),
        Evidence(
            _("Second sign-in step"),
            str(SecondFactorRule(rule).label),
            ATTENTION if rule == SecondFactorRule.NOBODY else MET,
            reverse("web:admin_sign_in"),
        ),
        Evidence(
            _("Single sign-on"),
            ngettext("%(n)d identity provider", "%(n)d identity providers", providers) % {"n": providers},
            INFO,
            reverse("web:admin_sign_in"),
        ),
    ]


def _breaches(context: Context) -> list[Evidence]:
    since = timezone.now() - YEAR
    year = Breach.objects.filter(organisation=context.organisation, aware_at__gte=since)
    told = list(year.filter(notify_ico=True))
    late = sum(1 for b in told if not b.ico_notified_at or b.ico_notified_at > ico_deadline(b))
    undecided = year.filter(risk=Breach.Risk.UNASSESSED).count()
    open_now = Breach.objects.filter(organisation=context.organisation, status=Breach.Status.OPEN).count()
    return [
        Evidence(
            _("Breaches logged in the last year"),
            _("%(n)d, of which %(open)d still open") % {"n": year.count(), "open": open_now},
            INFO,
            reverse("web:compliance_breaches"),
        ),
        Evidence(
            _("Reported to the ICO within 72 hours"),
            _("%(ok)d of %(n)d that needed reporting") % {"ok": len(told) - late, "n": len(told)},
            ATTENTION if late else MET,
            reverse("web:compliance_breaches"),
        ),
        Evidence(
            _("Breaches waiting for a risk assessment"),
            str(undecided),
            ATTENTION if undecided else MET,
            reverse("web:compliance_breaches"),
        ),
    ]


L = gettext_lazy

# The framework's ten categories, in its order: what each expects, and where the evidence comes from.
CATEGORIES: list[tuple[str, Any, Any, Gatherer]] = [
    ("leadership", L("Leadership and oversight"), L("A DPO and named leads with clear duties."), _leadership),
    ("policies", L("Policies and procedures"), L("Policies published and kept up to date."), _policies),
    ("training", L("Training and awareness"), L("Staff accept the policies, again every year."), _training),
    ("rights", L("Individuals' rights"), L("Requests answered completely and on time."), _rights),
    ("transparency", L("Transparency"), L("People can see what is held about them."), _transparency),
    ("processing", L("Records of processing and lawful basis"), L("A record of what is held and why."),
     _records_of_processing),
    ("sharing", L("Contracts and data sharing"), L("Sharing is approved and time-limited."), _sharing),
    ("risks", L("Risks and data protection impact assessments"), L("Risks assessed before processing."), _risks),
    ("records", L("Records management and security"), L("Kept securely, and no longer than needed."), _security),
    ("breaches", L("Breach response and monitoring"), L("Every breach logged; the ICO told within 72 hours."),
     _breaches),
]  # fmt: skip


def report(viewer: Person, today: date | None = None) -> list[Category]:
    """The organisation's accountability evidence, for the DPO and headteachers."""
    if not may_view(viewer):
        raise PermissionDenied(_("Only the data protection officer and headteachers see the accountability report."))
    context = Context(viewer, viewer.organisation, today or timezone.localdate())
    return [Category(key, str(title), str(expects), gather(context)) for key, title, expects, gather in CATEGORIES]


def report_payload(categories: list[Category]) -> list[dict[str, Any]]:
    return [
        {"key": c.key, "title": c.title, "expects": c.expects,
         "evidence": [{"label": e.label, "value": e.value, "state": e.state, "link": e.link} for e in c.evidence]}
        for c in categories
    ]  # fmt: skip
