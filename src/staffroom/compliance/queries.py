"""Scoped reads of the school's records: the audit log (the DPO and IT admins, `audit.view`), the breach register
and erasure requests (the DPO), who has accepted the staff policies (what each person owes; the evidence for the
DPO and headteachers), and subject access requests (the DPO; headteachers read their school's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, Exists, Max, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from staffroom.accounts import permissions
from staffroom.accounts.models import Person, Role
from staffroom.accounts.permissions import Scope
from staffroom.compliance import policies as policy_rules
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import (
    AuditEntry,
    Breach,
    ErasureRequest,
    Policy,
    PolicyAcknowledgement,
    PolicyVersion,
    SubjectAccessPause,
    SubjectAccessRequest,
)
from staffroom.errors import Invalid, NotFound, PermissionDenied

PAGE = 100
MAX_PAGE = 500


@dataclass(frozen=True)
class AuditFilters:
    """What the log is narrowed to: who acted (a person, or a service), what, to which target or conversation,
    between which days (inclusive)."""

    actor_id: int | None = None
    service: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    conversation_id: int | None = None
    since: date | None = None
    until: date | None = None
    q: str = ""  # words in the readable labels and the reason


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_log(viewer: Person, filters: AuditFilters | None = None) -> QuerySet[AuditEntry]:
    """The viewer's organisation's audit entries that match, newest first. PermissionDenied for anyone
    without `audit.view`."""
    if not permissions.allows(viewer, "audit.view", viewer.organisation):
        raise PermissionDenied(_("Only the data protection officer and IT admins read the audit log."))
    filters = filters or AuditFilters()
    entries = AuditEntry.objects.filter(organisation_id=viewer.organisation_id).select_related("actor")
    if filters.actor_id is not None:
        entries = entries.filter(actor_id=filters.actor_id)
    if filters.service:
        entries = entries.filter(actor_service=filters.service)
    if filters.action:
        if filters.action not in AuditAction.__members__.values():
            raise Invalid("action", _("This is not one of the audit log's actions (see docs/audit.md)."))
        entries = entries.filter(action=filters.action)
    if filters.target_type:
        entries = entries.filter(target_type=filters.target_type)
    if filters.target_id:
        entries = entries.filter(target_id=filters.target_id)
    if filters.conversation_id is not None:
        entries = entries.filter(conversation_id=filters.conversation_id)
    if filters.since and filters.until and filters.until < filters.since:
        raise Invalid("until", _("The last day is before the first day."))
    if filters.since:
        entries = entries.filter(created_at__gte=_start(filters.since))
    if filters.until:
        entries = entries.filter(created_at__lt=_start(filters.until + timedelta(days=1)))
    words = filters.q.strip()
    if len(words) > 200:
        raise Invalid("q", _("Search for at most 200 characters."))
    if words:
        entries = entries.filter(
            Q(actor_label__icontains=words) | Q(target_label__icontains=words) | Q(reason__icontains=words)
        )
    return entries.order_by("-id")


def breach_register(viewer: Person) -> QuerySet[Breach]:
    """The organisation's breaches, open ones first, then newest first: for whoever keeps the register."""
    permissions.require(viewer, "breach.manage", viewer.organisation)
    return (
        Breach.objects.filter(organisation_id=viewer.organisation_id)
        .select_related("reported_by", "person", "decided_by")
        .order_by("-status", "-aware_at")  # "open" sorts after "closed": descending puts open first
    )


def breach_payload(breach: Breach) -> dict[str, Any]:
    def who(person: Person | None) -> dict[str, Any] | None:
        return {"id": person.pk, "name": person.name} if person else None

    def when(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "id": breach.pk, "kind": breach.kind, "title": breach.title, "description": breach.description,
        "aware_at": breach.aware_at.isoformat(), "ico_deadline": ico_deadline(breach).isoformat(),
        "reported_by": who(breach.reported_by), "person": who(breach.person), "risk": breach.risk,
        "notify_ico": breach.notify_ico, "decision_reason": breach.decision_reason,
        "decided_at": when(breach.decided_at), "ico_notified_at": when(breach.ico_notified_at),
        "people_told_at": when(breach.people_told_at), "status": breach.status, "outcome": breach.outcome,
        "closed_at": when(breach.closed_at),
    }  # fmt: skip


ICO_HOURS = 72


def ico_deadline(breach: Breach) -> datetime:
    """UK GDPR Art. 33: the ICO is told within 72 hours of the school becoming aware."""
    return breach.aware_at + timedelta(hours=ICO_HOURS)


# --- erasure requests -------------------------------------------------------------------------------------


def _decides_erasures(viewer: Person) -> None:
    if not permissions.allows(viewer, "erasure.decide", viewer.organisation):
        raise PermissionDenied(_("Only the data protection officer handles erasure requests."))


def erasure_subject(viewer: Person, person_id: int, *, lock: bool = False) -> Person:
    """A person of the viewer's organisation an erasure request may be about (locked for an action). NotFound for
    another organisation's person, exactly as for one that does not exist."""
    _decides_erasures(viewer)
    people = Person.objects.filter(organisation_id=viewer.organisation_id)
    if lock:
        people = people.select_for_update()
    person = people.filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    return person


def erasure_candidates(viewer: Person, words: str, *, limit: int = 20) -> list[Person]:
    """People of the viewer's organisation whose name contains `words`, active or not (leavers are who ask most),
    for choosing the subject of a request. Erased people are not offered again."""
    _decides_erasures(viewer)
    words = words.strip()
    if not words:
        return []
    if len(words) > 150:
        raise Invalid("q", _("Search for at most 150 characters."))
    erased = ErasureRequest.objects.filter(status=ErasureRequest.Status.ERASED).values("subject_id")
    people = Person.objects.filter(organisation_id=viewer.organisation_id, name__icontains=words).exclude(pk__in=erased)
    return list(people.select_related("school").order_by("name", "pk")[:limit])


def erasure_requests(viewer: Person) -> QuerySet[ErasureRequest]:
    """The organisation's erasure requests, open ones first, then the most recently received."""
    _decides_erasures(viewer)
    return (
        ErasureRequest.objects.filter(organisation_id=viewer.organisation_id)
        .select_related("subject", "logged_by", "decided_by")
        .order_by(Case(When(status=ErasureRequest.Status.OPEN, then=0), default=1), "-received_on", "-pk")
    )


def erasure_request(viewer: Person, request_id: int, *, lock: bool = False) -> ErasureRequest:
    """One erasure request of the viewer's organisation (locked for an action); NotFound for any other."""
    _decides_erasures(viewer)
    requests = ErasureRequest.objects.filter(organisation_id=viewer.organisation_id)
    if lock:
        requests = requests.select_for_update(of=("self",))  # not the joined people (nullable on PostgreSQL)
    request = requests.filter(pk=request_id).select_related("subject", "logged_by", "decided_by").first()
    if request is None:
        raise NotFound()
    return request


def erasure_payload(request: ErasureRequest) -> dict[str, Any]:
    """An erasure request as the API shows it; an open one says what stands in the way of erasing now."""
    from staffroom.compliance.erasure import reasons_to_refuse  # it reads legal holds through this module

    def who(person: Person | None) -> dict[str, Any] | None:
        return {"id": person.pk, "name": person.name} if person else None

    is_open = request.status == ErasureRequest.Status.OPEN
    return {
        "id": request.pk, "subject": who(request.subject), "received_on": request.received_on.isoformat(),
        "reason": request.reason, "logged_by": who(request.logged_by), "logged_at": request.logged_at.isoformat(),
        "status": request.status, "decision": request.decision or None, "decision_reason": request.decision_reason,
        "decided_by": who(request.decided_by),
        "decided_at": request.decided_at.isoformat() if request.decided_at else None,
        "erased": request.erased, "reasons_to_refuse": reasons_to_refuse(request.subject) if is_open else [],
    }  # fmt: skip


# --- staff policies ---------------------------------------------------------------------------------------


def _current_versions(organisation_id: int) -> QuerySet[PolicyVersion]:
    return PolicyVersion.objects.filter(
        pk__in=Policy.objects.filter(organisation_id=organisation_id, current__isnull=False).values("current_id")
    )


def _asking(person: Person) -> QuerySet[PolicyVersion]:
    """The current versions that ask this person."""
    versions = _current_versions(person.organisation_id)
    return versions.filter(includes_pupils=True) if policy_rules.asked_as_pupil(person) else versions


def _accepted_within_year(person: Person, now: datetime) -> Exists:
    return Exists(
        PolicyAcknowledgement.objects.filter(
            version=OuterRef("pk"), person=person, acknowledged_at__gt=policy_rules.still_valid_since(now)
        )
    )


def owes_acknowledgement(person: Person, now: datetime | None = None) -> bool:
    """Must this person accept a policy before using Staffroom (a current version they have not accepted in the
    last year)? One query: the web guard asks it on every page."""
    return _asking(person).filter(~_accepted_within_year(person, now or timezone.now())).exists()


@dataclass(frozen=True)
class Accepted:
    version: PolicyVersion
    acknowledged_at: datetime

    @property
    def renew_by(self) -> datetime:
        return policy_rules.renew_by(self.acknowledged_at)


@dataclass(frozen=True)
class MyPolicies:
    """What a person must still read and accept, and what they have accepted (the current versions)."""

    owed: list[PolicyVersion]
    accepted: list[Accepted]


def my_policies(person: Person, now: datetime | None = None) -> MyPolicies:
    """The current versions that ask `person`: those they owe, and those they accepted within the year (when)."""
    now = now or timezone.now()
    versions = list(_asking(person).select_related("policy").order_by("policy__kind"))
    last = dict(
        PolicyAcknowledgement.objects.filter(
            person=person, version__in=versions, acknowledged_at__gt=policy_rules.still_valid_since(now)
        )
        .values("version_id")
        .annotate(last=Max("acknowledged_at"))
        .values_list("version_id", "last")
    )
    owed = [v for v in versions if v.pk not in last]
    return MyPolicies(owed=owed, accepted=[Accepted(v, last[v.pk]) for v in versions if v.pk in last])


def policy_version_payload(version: PolicyVersion) -> dict[str, Any]:
    return {
        "id": version.pk, "policy_id": version.policy_id, "kind": version.policy.kind,
        "title": version.policy.get_kind_display(), "label": version.label, "summary": version.summary,
        "text": version.text, "text_format": version.text_format, "html": version.html,
        "includes_pupils": version.includes_pupils, "published_at": version.published_at.isoformat(),
    }  # fmt: skip


def my_policies_payload(mine: MyPolicies) -> dict[str, Any]:
    return {
        "owed": [policy_version_payload(v) for v in mine.owed],
        "acknowledged": [
            {"version": policy_version_payload(a.version), "acknowledged_at": a.acknowledged_at.isoformat(),
             "renew_by": a.renew_by.isoformat()}
            for a in mine.accepted
        ],
    }  # fmt: skip


def may_view_policy_evidence(viewer: Person) -> bool:
    """The DPO (publishing, trust-wide) and, read-only, a headteacher for their school."""
    if permissions.allows(viewer, "policy.manage", viewer.organisation):
        return True
    everywhere, schools = permissions.schools_with_scope(viewer, "records.view", Scope.SCHOOL)
    return everywhere or bool(schools) or permissions.allows(viewer, "records.view", viewer.organisation)


def _evidence_people(viewer: Person, today: date) -> QuerySet[Person]:
    """Whom the viewer's evidence covers: the organisation's people who may use Staffroom, or for a headteacher
    those of their own school(s). PermissionDenied for anyone else."""
    people = Person.objects.filter(organisation_id=viewer.organisation_id, is_active=True).exclude(
        access_ends_on__lt=today
    )
    if permissions.allows(viewer, "policy.manage", viewer.organisation) or permissions.allows(
        viewer, "records.view", viewer.organisation
    ):
        return people
    everywhere, schools = permissions.schools_with_scope(viewer, "records.view", Scope.SCHOOL)
    if everywhere:
        return people
    if not schools:
        raise PermissionDenied(_("Only the data protection officer and headteachers see who has accepted policies."))
    return people.filter(school_id__in=schools)


@dataclass
class PersonStanding:
    person: Person
    standing: policy_rules.Standing
    last_label: str = ""  # the version they last accepted, if any
    last_at: datetime | None = None


@dataclass
class Tally:
    acknowledged: int = 0
    not_yet: int = 0
    out_of_date: int = 0

    @property
    def total(self) -> int:
        return self.acknowledged + self.not_yet + self.out_of_date

    @property
    def rate(self) -> float | None:
        """The share of people asked who have accepted the current version (None when nobody is asked)."""
        return round(self.acknowledged / self.total, 3) if self.total else None

    def add(self, standing: policy_rules.Standing) -> None:
        setattr(self, standing.value, getattr(self, standing.value) + 1)

    def as_dict(self) -> dict[str, Any]:
        return {"acknowledged": self.acknowledged, "not_yet": self.not_yet, "out_of_date": self.out_of_date,
                "total": self.total, "rate": self.rate}  # fmt: skip


@dataclass
class PolicyEvidence:
    """One policy's evidence as the viewer may see it: counts overall and per school and role, and everyone."""

    policy: Policy
    tally: Tally
    by_school_and_role: list[tuple[str, str, Tally]]  # (school name, role, counts)
    people: list[PersonStanding]  # everyone asked, those who have not accepted first

    @property
    def outstanding(self) -> list[PersonStanding]:
        return [p for p in self.people if p.standing != policy_rules.Standing.ACKNOWLEDGED]


def _evidence_for(policies: list[Policy], people_query: QuerySet[Person], now: datetime) -> list[PolicyEvidence]:
    people = list(people_query.select_related("school").prefetch_related("role_assignments").order_by("name"))
    versions = {p.current_id: p for p in policies}
    label_of = dict(PolicyVersion.objects.filter(policy__in=policies).values_list("pk", "label"))
    latest: dict[tuple[int, int], tuple[int, datetime]] = {}  # (person, policy) -> (version, when), latest
    of_current: dict[tuple[int, int], datetime] = {}  # (person, policy) -> latest acceptance of current version
    rows = (
        PolicyAcknowledgement.objects.filter(version__policy__in=policies, person__in=people_query.values("pk"))
        .values("person_id", "version_id", "version__policy_id")
        .annotate(last=Max("acknowledged_at"))
    )
    for row in rows:
        key = (row["person_id"], row["version__policy_id"])
        if key not in latest or row["last"] > latest[key][1]:
            latest[key] = (row["version_id"], row["last"])
        if row["version_id"] in versions:
            of_current[key] = row["last"]
    found = []
    for policy in policies:
        assert policy.current is not None
        tally, standings = Tally(), []
        groups: dict[tuple[str, str], Tally] = {}
        for person in people:
            if not policy_rules.applies_to(policy.current, person):
                continue
            key = (person.pk, policy.pk)
            where = policy_rules.standing(of_current.get(key), key in latest, now)
            last_version, last_at = latest.get(key, (0, None))
            standings.append(PersonStanding(person, where, label_of.get(last_version, ""), last_at))
            tally.add(where)
            school = person.school.name if person.school else str(_("Whole trust"))
            for role in person.role_codes or [""]:
                groups.setdefault((school, role), Tally()).add(where)
        order = {policy_rules.Standing.NOT_YET: 0, policy_rules.Standing.OUT_OF_DATE: 1}
        standings.sort(key=lambda s: (order.get(s.standing, 2), s.person.name))
        by_group = [(school, role, t) for (school, role), t in sorted(groups.items(), key=_group_order)]
        found.append(PolicyEvidence(policy, tally, by_group, standings))
    return found


def _group_order(item: tuple[tuple[str, str], Tally]) -> tuple[str, int]:
    (school, role), _tally = item
    ranks = {r.value: n for n, r in enumerate(Role)}
    return school, ranks.get(role, len(ranks))


def policy_evidence(viewer: Person, policy_id: int | None = None, now: datetime | None = None) -> list[PolicyEvidence]:
    """Each published policy of the organisation (or the one asked for) with who has accepted its current version,
    who has not yet and whose acceptance is out of date, as the viewer may see it (a headteacher: their school).
    NotFound for a policy id that is not the organisation's or has no version yet."""
    now = now or timezone.now()
    people_query = _evidence_people(viewer, timezone.localdate(now))
    policies = Policy.objects.filter(organisation_id=viewer.organisation_id, current__isnull=False)
    if policy_id is not None:
        policies = policies.filter(pk=policy_id)
    found = list(policies.select_related("current", "current__published_by").order_by("kind"))
    if policy_id is not None and not found:
        raise NotFound()
    return _evidence_for(found, people_query, now)


def policies_and_versions(viewer: Person) -> list[tuple[str, str, list[PolicyVersion]]]:
    """Every kind of policy with its versions, newest first, for the DPO's publishing page."""
    permissions.require(viewer, "policy.manage", viewer.organisation)
    versions = (
        PolicyVersion.objects.filter(policy__organisation_id=viewer.organisation_id)
        .select_related("policy", "published_by")
        .order_by("-published_at", "-pk")
    )
    by_kind: dict[str, list[PolicyVersion]] = {kind: [] for kind in Policy.Kind.values}
    for version in versions:
        by_kind[version.policy.kind].append(version)
    return [(kind, str(label), by_kind[kind]) for kind, label in Policy.Kind.choices]


def evidence_payload(evidence: PolicyEvidence, *, people: bool) -> dict[str, Any]:
    version = evidence.policy.current
    assert version is not None
    shown: dict[str, Any] = {
        "id": evidence.policy.pk, "kind": evidence.policy.kind, "title": evidence.policy.get_kind_display(),
        "current_version": {
            "id": version.pk, "label": version.label, "summary": version.summary,
            "includes_pupils": version.includes_pupils, "published_at": version.published_at.isoformat(),
            "published_by": {"id": version.published_by.pk, "name": version.published_by.name},
        },
        **evidence.tally.as_dict(),
        "by_school_and_role": [
            {"school": school, "role": role, **tally.as_dict()} for school, role, tally in evidence.by_school_and_role
        ],
    }  # fmt: skip
    if people:
        shown["items"] = [
            {"person": {"id": s.person.pk, "name": s.person.name, "email": s.person.email,
                        "school": s.person.school.name if s.person.school else None, "roles": s.person.role_codes},
             "standing": s.standing.value, "last_acknowledged_version": s.last_label or None,
             "last_acknowledged_at": s.last_at.isoformat() if s.last_at else None}
            for s in evidence.outstanding
        ]  # fmt: skip
        shown["next"] = None
    return shown


# --- subject access requests ------------------------------------------------------------------------------


def may_view_sars(viewer: Person) -> bool:
    """The DPO, or a headteacher (`records.view` anywhere)."""
    everywhere = permissions.schools_with_scope(viewer, "records.view", Scope.ORGANISATION)[0]
    return everywhere or bool(permissions.schools_with_scope(viewer, "records.view", Scope.SCHOOL)[1])


def _sar_scope(viewer: Person) -> QuerySet[SubjectAccessRequest]:
    """Requests the viewer may see: all of the organisation's for the DPO, their own school's people's for a
    headteacher (`records.view`); PermissionDenied for anyone else."""
    everywhere, schools = permissions.schools_with_scope(viewer, "records.view", Scope.ORGANISATION)
    if not everywhere:
        schools = permissions.schools_with_scope(viewer, "records.view", Scope.SCHOOL)[1]
        if not schools and not permissions.allows(viewer, "records.view", viewer.organisation):
            raise PermissionDenied(
                _("Only the data protection officer, and headteachers, see subject access requests.")
            )
    requests = SubjectAccessRequest.objects.filter(organisation_id=viewer.organisation_id)
    if not everywhere:
        requests = requests.filter(subject__school_id__in=schools)
    return requests.select_related("subject__school", "logged_by", "identity_checked_by", "extended_by",
                                   "answered_by").prefetch_related("pauses")  # fmt: skip


def subject_access_requests(viewer: Person, *, open_only: bool = False) -> QuerySet[SubjectAccessRequest]:
    """The requests the viewer may see: open ones first, soonest due first; then closed ones, latest first."""
    requests = _sar_scope(viewer)
    if open_only:
        requests = requests.filter(status__in=SubjectAccessRequest.OPEN_STATUSES)
    still_open = Case(When(status__in=SubjectAccessRequest.OPEN_STATUSES, then=Value(0)), default=Value(1))
    return requests.annotate(closed=still_open).order_by("closed", "due_on", "pk")


def subject_access_request(viewer: Person, sar_id: int) -> SubjectAccessRequest:
    """One request the viewer may see; NotFound for any other."""
    found = _sar_scope(viewer).filter(pk=sar_id).first()
    if found is None:
        raise NotFound()
    return found


def sar_subject_candidates(viewer: Person, name: str, *, limit: int = 20) -> list[Person]:
    """People of the organisation (leavers too: they may ask) whose name contains `name`, for the DPO logging
    a request."""
    permissions.require(viewer, "sar.manage", viewer.organisation)
    name = " ".join(name.split())
    if not name:
        return []
    return list(
        Person.objects.filter(organisation_id=viewer.organisation_id, name__icontains=name)
        .select_related("school")
        .order_by("name", "pk")[:limit]
    )


def open_pause(request: SubjectAccessRequest) -> SubjectAccessPause | None:
    return next((p for p in request.pauses.all() if p.ended_on is None), None)


def sar_next_step(request: SubjectAccessRequest) -> str:
    """What the DPO does next, in words."""
    Status = SubjectAccessRequest.Status
    if request.status == Status.ANSWERED:
        return _("Nothing: answered.")
    if request.status == Status.WITHDRAWN:
        return _("Nothing: withdrawn.")
    if request.status == Status.WAITING_FOR_ID:
        return _("Check the requester's identity: the clock starts when it is done.")
    if open_pause(request) is not None:
        return _("Wait for the requester to clarify, then restart the clock.")
    if not request.export_digest:
        return _("Review the messages found, then download the export.")
    return _("Send the export to the requester, then mark the request answered.")


def sar_days_left(request: SubjectAccessRequest, today: date) -> int | None:
    """Days until the due date (negative: overdue); None when closed or while the clock is stopped."""
    if not request.is_open or open_pause(request) is not None:
        return None
    return (request.due_on - today).days


def sar_due_in_words(request: SubjectAccessRequest, today: date) -> str:
    left = sar_days_left(request, today)
    if left is None:
        if request.is_open:
            return _("Clock stopped: the due date moves on a day for each day it stays stopped.")
        return ""
    if left < 0:
        return ngettext("Overdue by %(n)d day", "Overdue by %(n)d days", -left) % {"n": -left}
    if left == 0:
        return _("Due today")
    return ngettext("%(n)d day left", "%(n)d days left", left) % {"n": left}


def sar_payload(request: SubjectAccessRequest, today: date | None = None) -> dict[str, Any]:
    """A request as the API and the dashboard show it: dates, status and steps, never message content."""
    today = today or timezone.localdate()

    def who(person: Person | None) -> dict[str, Any] | None:
        return {"id": person.pk, "name": person.name} if person else None

    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    pause = open_pause(request)
    subject = request.subject
    return {
        "id": request.pk,
        "subject": {"id": subject.pk, "name": subject.name, "school": subject.school.name if subject.school else None,
                    "active": subject.is_active},
        "received_on": request.received_on.isoformat(), "due_on": request.due_on.isoformat(),
        "status": request.status, "reason": request.reason, "notes": request.notes,
        "identity_checked": request.identity_checked, "identity_checked_by": who(request.identity_checked_by),
        "identity_checked_at": request.identity_checked_at.isoformat() if request.identity_checked_at else None,
        "paused": pause is not None, "paused_since": day(pause.started_on) if pause else None,
        "pause_kind": pause.kind if pause else None,
        "pauses": [{"kind": p.kind, "from": p.started_on.isoformat(), "to": day(p.ended_on), "note": p.note}
                   for p in request.pauses.all()],
        "extended": request.extended_at is not None, "extended_reason": request.extended_reason,
        "answered_on": day(request.answered_on), "answer_digest": request.answer_digest or None,
        "withdrawn_reason": request.withdrawn_reason,
        "days_left": sar_days_left(request, today), "due_in_words": sar_due_in_words(request, today),
        "next_step": sar_next_step(request),
        "search_from": day(request.search_from), "search_to": day(request.search_to),
        "exported_at": request.exported_at.isoformat() if request.exported_at else None,
        "export_digest": request.export_digest or None,
        "logged_by": who(request.logged_by), "logged_at": request.logged_at.isoformat(),
    }  # fmt: skip


def sars_needing_attention(viewer: Person, today: date | None = None) -> list[SubjectAccessRequest]:
    """Open requests (clock running) due within 7 days or overdue: the reminder the dashboard and the console's
    navigation show."""
    today = today or timezone.localdate()
    if (
        not permissions.allows(viewer, "records.view", viewer.organisation)
        and not permissions.schools_with_scope(viewer, "records.view", Scope.SCHOOL)[1]
    ):
        return []
    soon = subject_access_requests(viewer, open_only=True).filter(due_on__lte=today + timedelta(days=7))
    return [r for r in soon if sar_days_left(r, today) is not None]
