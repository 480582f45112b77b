"""The compliance console's API for the data protection officer (and IT admins): the audit log, filtered and
exported, and whether its hash chain is intact."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import P, QueryEx, Router, Status
from pydantic import Field

from staffroom.api.auth import caller
from staffroom.api.schemas import MAX_ID, ObjectId, Out, Schema, Timestamp, answers, parse_day
from staffroom.compliance import accountability, actions, audit
from staffroom.compliance.export import audit_csv
from staffroom.compliance.queries import MAX_PAGE, PAGE, AuditFilters, audit_log, breach_payload, breach_register
from staffroom.errors import Invalid

router = Router(tags=["compliance"])


class AuditEntryOut(Out):
    id: int
    created_at: Timestamp
    actor: dict[str, Any] | None = Field(description="`{id, label}` of the person who acted; null for a service.")
    actor_service: str | None = Field(description="`worker`, `retention`, `scim` or `roster_sync`, for a service.")
    actor_label: str
    action: str = Field(description="One of the audit vocabulary (docs/audit.md).")
    meaning: str
    target: dict[str, Any] = Field(description="`{type, id, label}` of what was acted on.")
    conversation_id: int | None
    reason: str
    data: dict[str, Any]
    details: dict[str, Any]
    channel: str
    ip_address: str | None
    user_agent: str
    redacted: bool = Field(description="Its personal fields were blanked (an erasure); the chain still verifies.")


class AuditPage(Out):
    items: list[AuditEntryOut]
    next: str | None


class ChainOut(Out):
    ok: bool
    entries: int
    first_bad_id: int | None
    problem: str
    checked_at: Timestamp


Day = QueryEx[str | None, P(max_length=10, description="YYYY-MM-DD, inclusive.")]


def filters_from(
    actor_id: int | None, service: str, action: str, target_type: str, target_id: str,
    conversation_id: int | None, since: str | None, until: str | None, q: str,
) -> AuditFilters:  # fmt: skip
    return AuditFilters(
        actor_id=actor_id, service=service, action=action, target_type=target_type, target_id=target_id,
        conversation_id=conversation_id, since=parse_day(since, "since"), until=parse_day(until, "until"), q=q,
    )  # fmt: skip


@router.get("/audit", response=answers({200: AuditPage}), summary="The audit log")
def audit_entries(
    request: HttpRequest,
    actor_id: QueryEx[int | None, P(ge=1, le=MAX_ID, description="Who acted (a person's id).")] = None,
    service: QueryEx[str, P(max_length=30, description="Or which service acted.")] = "",
    action: QueryEx[str, P(max_length=80)] = "",
    target_type: QueryEx[str, P(max_length=60, description="e.g. `accounts.person`, `messaging.message`.")] = "",
    target_id: QueryEx[str, P(max_length=64)] = "",
    conversation_id: QueryEx[int | None, P(ge=1, le=MAX_ID)] = None,
    since: Day = None,
    until: Day = None,
    q: QueryEx[str, P(max_length=200, description="Words in the labels or the reason.")] = "",
    after: QueryEx[int | None, P(ge=1, le=MAX_ID, description="The `next` value of the previous page.")] = None,
    limit: QueryEx[int, P(ge=1, le=MAX_PAGE)] = PAGE,
) -> dict[str, Any]:
    """Every recorded action of your organisation, newest first: who (a person or a service), what, to what,
    in which conversation, why, when and from where. For the data protection officer and IT admins."""
    entries = audit_log(
        caller(request),
        filters_from(actor_id, service, action, target_type, target_id, conversation_id, since, until, q),
    )
    if after is not None:
        entries = entries.filter(pk__lt=after)
    page = list(entries[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {"items": [audit.entry_payload(e) for e in page], "next": str(page[-1].pk) if more else None}


@router.get(
    "/audit.csv",
    response=answers({200: None}),
    summary="The audit log as CSV",
    openapi_extra={"responses": {"200": {"description": "CSV", "content": {"text/csv": {}}}}},
)
def audit_entries_csv(
    request: HttpRequest,
    actor_id: QueryEx[int | None, P(ge=1, le=MAX_ID)] = None,
    service: QueryEx[str, P(max_length=30)] = "",
    action: QueryEx[str, P(max_length=80)] = "",
    target_type: QueryEx[str, P(max_length=60)] = "",
    target_id: QueryEx[str, P(max_length=64)] = "",
    conversation_id: QueryEx[int | None, P(ge=1, le=MAX_ID)] = None,
    since: Day = None,
    until: Day = None,
    q: QueryEx[str, P(max_length=200)] = "",
) -> HttpResponse:
    """Every matching entry (not only a page), for a spreadsheet."""
    filters = filters_from(actor_id, service, action, target_type, target_id, conversation_id, since, until, q)
    return audit_csv(audit_log(caller(request), filters))


@router.get("/audit/chain", response=answers({200: ChainOut}), summary="Is the audit log intact?")
def chain(request: HttpRequest) -> dict[str, Any]:
    """Recompute the organisation's hash chain, as `staffroom audit verify` does: an entry altered, removed or
    blanked without a recorded redaction is found and named."""
    viewer = caller(request)
    audit_log(viewer)  # the same permission as reading the log
    result = audit.verify(viewer.organisation)
    return {"ok": result.ok, "entries": result.entries, "first_bad_id": result.first_bad_id,
            "problem": result.problem, "checked_at": timezone.now().isoformat()}  # fmt: skip


# --- the breach register ----------------------------------------------------------------------------------


class BreachIn(Schema):
    title: str = Field(max_length=500)
    description: str = Field("", max_length=10000)
    aware_at: str | None = Field(None, description="When the school became aware (ISO 8601); now if not given.")


class BreachDecisionIn(Schema):
    risk: str = Field(description="`unlikely`, `risk` or `high`.")
    notify_ico: bool
    reason: str = Field(max_length=5000)
    ico_notified_at: str | None = Field(None, description="When the ICO was told (ISO 8601), once it was.")
    people_told_at: str | None = Field(None, description="When the people affected were told, if they were.")


class BreachCloseIn(Schema):
    outcome: str = Field(max_length=5000)


class BreachOut(Out):
    id: int
    kind: str
    title: str
    description: str
    aware_at: Timestamp
    ico_deadline: Timestamp = Field(description="72 hours after the school became aware.")
    reported_by: dict[str, Any] | None
    person: dict[str, Any] | None
    risk: str
    notify_ico: bool | None
    decision_reason: str
    decided_at: Timestamp | None
    ico_notified_at: Timestamp | None
    people_told_at: Timestamp | None
    status: str
    outcome: str
    closed_at: Timestamp | None


class BreachPage(Out):
    items: list[BreachOut]
    next: str | None


def _moment(raw: str | None, field: str) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise Invalid(field, _("Give a date and time as YYYY-MM-DDTHH:MM.")) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@router.get("/breaches", response=answers({200: BreachPage}), summary="The breach register")
def breaches(request: HttpRequest) -> dict[str, Any]:
    """Every breach of your organisation, open ones first, newest first: for the data protection officer."""
    viewer = caller(request)
    return {"items": [breach_payload(b) for b in breach_register(viewer)[:500]], "next": None}


@router.post("/breaches", response=answers({201: BreachOut}), summary="Log a breach")
def add_breach(request: HttpRequest, data: BreachIn) -> Status[dict[str, Any]]:
    breach = actions.record_breach(
        acting=caller(request), title=data.title, description=data.description,
        aware_at=_moment(data.aware_at, "aware_at"),
    )  # fmt: skip
    return Status(201, breach_payload(breach))


@router.post("/breaches/{breach_id}/decide", response=answers({200: BreachOut}), summary="Decide about the ICO")
def decide(request: HttpRequest, breach_id: ObjectId, data: BreachDecisionIn) -> dict[str, Any]:
    """The risk to people and whether the ICO is told (within 72 hours of becoming aware), and why."""
    breach = actions.decide_breach(
        breach_id, acting=caller(request), risk=data.risk, notify_ico=data.notify_ico, reason=data.reason,
        ico_notified_at=_moment(data.ico_notified_at, "ico_notified_at"),
        people_told_at=_moment(data.people_told_at, "people_told_at"),
    )  # fmt: skip
    return breach_payload(breach)


@router.post("/breaches/{breach_id}/close", response=answers({200: BreachOut}), summary="Close a breach")
def close(request: HttpRequest, breach_id: ObjectId, data: BreachCloseIn) -> dict[str, Any]:
    return breach_payload(actions.close_breach(breach_id, acting=caller(request), outcome=data.outcome))


# --- the accountability report ----------------------------------------------------------------------------


class EvidenceOut(Out):
    label: str
    value: str
    state: str = Field(description="`met`, `attention` or `info` (a fact with no judgement).")
    link: str = Field(description="The console page where it is kept, or empty.")


class CategoryOut(Out):
    key: str
    title: str = Field(description="The ICO Accountability Framework's category.")
    expects: str
    evidence: list[EvidenceOut]


class AccountabilityOut(Out):
    organisation: str
    made_on: date
    categories: list[CategoryOut]


@router.get("/accountability", response=answers({200: AccountabilityOut}), summary="The accountability report")
def accountability_report(request: HttpRequest) -> dict[str, Any]:
    """Live evidence for each of the ICO Accountability Framework's ten categories: for the data protection
    officer, and headteachers (read only)."""
    viewer = caller(request)
    today = timezone.localdate()
    categories = accountability.report(viewer, today)
    return {"organisation": viewer.organisation.name, "made_on": today,
            "categories": accountability.report_payload(categories)}  # fmt: skip
