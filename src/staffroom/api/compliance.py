"""The compliance console's API for the data protection officer (and IT admins): the audit log, filtered and
exported, and whether its hash chain is intact."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import P, QueryEx, Router
from pydantic import Field

from staffroom.api.auth import caller
from staffroom.api.schemas import MAX_ID, Out, Timestamp, answers
from staffroom.compliance import audit
from staffroom.compliance.export import audit_csv
from staffroom.compliance.queries import MAX_PAGE, PAGE, AuditFilters, audit_log
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


def _day(raw: str | None, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(field, _("Give a real date as YYYY-MM-DD.")) from None


Day = QueryEx[str | None, P(max_length=10, description="YYYY-MM-DD, inclusive.")]


def filters_from(
    actor_id: int | None, service: str, action: str, target_type: str, target_id: str,
    conversation_id: int | None, since: str | None, until: str | None, q: str,
) -> AuditFilters:  # fmt: skip
    return AuditFilters(
        actor_id=actor_id, service=service, action=action, target_type=target_type, target_id=target_id,
        conversation_id=conversation_id, since=_day(since, "since"), until=_day(until, "until"), q=q,
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
