"""Staff policies in the API: what each person owes and has accepted (`/me/policies`), accepting a version, and
for the data protection officer (and, read-only, headteachers for their school) the evidence of who has.

The API is never blocked by an unaccepted policy (the school's integrations and tools rely on it); only the web
pages are. A client can show what is owed from `GET /me/policies`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from pydantic import Field

from staffroom.api.auth import caller
from staffroom.api.schemas import ObjectId, Out, Schema, Timestamp, answers
from staffroom.compliance import actions
from staffroom.compliance.models import PolicyVersion
from staffroom.compliance.policies import renew_by
from staffroom.compliance.policy_evidence import evidence_csv
from staffroom.compliance.queries import (
    evidence_payload,
    my_policies,
    my_policies_payload,
    policy_evidence,
    policy_version_payload,
)

router = Router(tags=["compliance"])
me_router = Router(tags=["policies"])


class PolicyVersionOut(Out):
    id: int
    policy_id: int
    kind: str = Field(description="`data_protection`, `social_media` or `acceptable_use`.")
    title: str
    label: str = Field(description="The school's name for this version, e.g. `2026`.")
    summary: str = Field(description="What changed since the previous version.")
    text: str
    text_format: str = Field(description="`plain` or `markdown`.")
    html: str = Field(description="The text rendered and sanitised, as the web page shows it.")
    includes_pupils: bool
    published_at: Timestamp


class AcceptedOut(Out):
    version: PolicyVersionOut
    acknowledged_at: Timestamp
    renew_by: Timestamp = Field(description="A year after accepting: you are asked again then.")


class MyPoliciesOut(Out):
    owed: list[PolicyVersionOut] = Field(description="Current versions you must still read and accept.")
    acknowledged: list[AcceptedOut] = Field(description="Current versions you accepted within the last year.")


class AcknowledgementOut(Out):
    version_id: int
    acknowledged_at: Timestamp
    renew_by: Timestamp


@me_router.get("/policies", response=answers({200: MyPoliciesOut}), summary="Policies you owe and have accepted")
def mine(request: HttpRequest) -> dict[str, Any]:
    """The school's policies that apply to you: the versions you must still read and accept, and those you have
    (when, and when you will be asked again). The web app asks for these before anything else; the API does not
    block, so show them in your client."""
    return my_policies_payload(my_policies(caller(request)))


@me_router.post(
    "/policies/{version_id}/acknowledge", response=answers({200: AcknowledgementOut}), summary="Accept a policy"
)
def acknowledge(request: HttpRequest, version_id: ObjectId) -> dict[str, Any]:
    """ "I have read and accept" this version (it must be the current one of a policy that applies to you). Doing
    it again within the year changes nothing."""
    acknowledgement = actions.acknowledge_policy(version_id, acting=caller(request))
    return {"version_id": acknowledgement.version_id, "acknowledged_at": acknowledgement.acknowledged_at.isoformat(),
            "renew_by": renew_by(acknowledgement.acknowledged_at).isoformat()}  # fmt: skip


# --- the evidence, and publishing -------------------------------------------------------------------------


class Counts(Out):
    acknowledged: int
    not_yet: int
    out_of_date: int = Field(description="Accepted an older version, or the current one more than a year ago.")
    total: int
    rate: float | None = Field(description="The share who accepted the current version (0 to 1); null if none.")


class GroupCounts(Counts):
    school: str
    role: str


class CurrentVersionOut(Out):
    id: int
    label: str
    summary: str
    includes_pupils: bool
    published_at: Timestamp
    published_by: dict[str, Any]


class PolicyOut(Counts):
    id: int
    kind: str
    title: str
    current_version: CurrentVersionOut
    by_school_and_role: list[GroupCounts]


class PolicyPage(Out):
    items: list[PolicyOut]
    next: str | None


class OutstandingOut(Out):
    person: dict[str, Any] = Field(description="`{id, name, email, school, roles}`.")
    standing: str = Field(description="`not_yet` or `out_of_date`.")
    last_acknowledged_version: str | None
    last_acknowledged_at: Timestamp | None


class EvidenceOut(PolicyOut):
    items: list[OutstandingOut] = Field(description="Everyone who has not accepted the current version.")
    next: str | None


class PublishIn(Schema):
    kind: str = Field(description="`data_protection`, `social_media` or `acceptable_use`.")
    label: str = Field(max_length=200)
    text: str = Field(max_length=200_000)
    text_format: str = Field(PolicyVersion.Format.PLAIN, description="`plain` or `markdown`.")
    summary: str = Field("", max_length=10_000, description="What changed; required after the first version.")
    includes_pupils: bool = Field(False, description="Ask pupils too (acceptable use only).")


@router.get("/policies", response=answers({200: PolicyPage}), summary="Policies and who has accepted them")
def policies(request: HttpRequest) -> dict[str, Any]:
    """Each published policy's current version and how many have accepted it, not yet, or out of date, overall
    and per school and role. For the data protection officer; a headteacher sees their own school."""
    return {"items": [evidence_payload(e, people=False) for e in policy_evidence(caller(request))], "next": None}


@router.get("/policies/{policy_id}/evidence", response=answers({200: EvidenceOut}), summary="A policy's evidence")
def evidence(request: HttpRequest, policy_id: ObjectId) -> dict[str, Any]:
    """One policy's counts and everyone who has not accepted its current version (never, or out of date)."""
    (found,) = policy_evidence(caller(request), policy_id)
    return evidence_payload(found, people=True)


@router.get(
    "/policies/{policy_id}/evidence.csv",
    response=answers({200: None}),
    summary="A policy's evidence as CSV",
    openapi_extra={"responses": {"200": {"description": "CSV", "content": {"text/csv": {}}}}},
)
def evidence_download(request: HttpRequest, policy_id: ObjectId) -> HttpResponse:
    """Everyone the policy asks, with whether and when they accepted, for a spreadsheet."""
    found = policy_evidence(caller(request), policy_id)
    return evidence_csv(found, name=f"{found[0].policy.kind.replace('_', '-')}-policy")


@router.post("/policies", response=answers({201: PolicyVersionOut}), summary="Publish a policy version")
def publish(request: HttpRequest, data: PublishIn) -> Status[dict[str, Any]]:
    """Publish a new version: everyone it applies to is asked to accept it. For the data protection officer."""
    version = actions.publish_policy(
        data.kind, acting=caller(request), label=data.label, text=data.text, summary=data.summary,
        text_format=data.text_format, includes_pupils=data.includes_pupils,
    )  # fmt: skip
    return Status(201, policy_version_payload(version))
