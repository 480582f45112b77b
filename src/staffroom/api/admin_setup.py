"""The rest of the admin console in the API, under /admin: schools and classes, the SCIM tokens and the
sign-in link. The same actions as the console's pages, so the two can never disagree."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, P, QueryEx, Router, Status, UploadedFile
from pydantic import Field

from staffroom.accounts import actions, permissions
from staffroom.accounts import queries as account_queries
from staffroom.accounts.models import Person, School, SchoolClass, ScimToken, SignInProvider
from staffroom.api.auth import caller
from staffroom.api.schemas import ObjectId, Out, RowId, Schema, Timestamp, answers
from staffroom.errors import Invalid, PermissionDenied, TooLarge
from staffroom.rosters import actions as roster_actions
from staffroom.rosters import files as roster_files
from staffroom.rosters import parser
from staffroom.rosters.planner import clean_email_domain

router = Router(tags=["admin"])


class ClassOut(Out):
    id: int
    school_id: int
    name: str
    year_group: str
    pupil_count: int
    teacher_count: int


class SchoolOut(Out):
    id: int
    name: str
    classes: list[ClassOut]


class SchoolList(Out):
    items: list[SchoolOut]
    next: str | None


class NameIn(Schema):
    name: str = Field(max_length=500)


class ClassIn(Schema):
    school_id: RowId
    name: str = Field(max_length=500)
    year_group: str = Field("", max_length=100)


class ClassPatch(Schema):
    name: str | None = Field(None, max_length=500)
    year_group: str | None = Field(None, max_length=100)


def _class_payload(c: SchoolClass) -> dict[str, Any]:
    return {
        "id": c.pk, "school_id": c.school_id, "name": c.name, "year_group": c.year_group,
        "pupil_count": getattr(c, "pupil_count", c.pupils.count()),
        "teacher_count": getattr(c, "teacher_count", c.teachers.count()),
    }  # fmt: skip


def _school_payload(school: School) -> dict[str, Any]:
    classes = school.classes.annotate(
        pupil_count=Count("pupils", distinct=True), teacher_count=Count("teachers", distinct=True)
    ).order_by("year_group", "name")
    return {"id": school.pk, "name": school.name, "classes": [_class_payload(c) for c in classes]}


@router.get("/schools", response=answers({200: SchoolList}), summary="Schools and their classes")
def schools(request: HttpRequest) -> dict[str, Any]:
    """The schools whose classes you keep (IT admins: the trust's; headteachers: their own), with classes."""
    viewer = caller(request)
    kept = account_queries.class_schools(viewer)
    if not kept:
        raise PermissionDenied(_("Only IT admins and headteachers keep schools and classes."))
    return {"items": [_school_payload(s) for s in kept], "next": None}


@router.post("/schools", response=answers({201: SchoolOut}), summary="Add a school")
def add_school(request: HttpRequest, data: NameIn) -> Status[dict[str, Any]]:
    return Status(201, _school_payload(actions.add_school(acting=caller(request), name=data.name)))


@router.patch("/schools/{school_id}", response=answers({200: SchoolOut}), summary="Rename a school")
def rename_school(request: HttpRequest, school_id: ObjectId, data: NameIn) -> dict[str, Any]:
    return _school_payload(actions.update_school(school_id, acting=caller(request), name=data.name))


@router.post("/classes", response=answers({201: ClassOut}), summary="Add a class")
def add_class(request: HttpRequest, data: ClassIn) -> Status[dict[str, Any]]:
    made = actions.add_class(
        acting=caller(request), school_id=data.school_id, name=data.name, year_group=data.year_group
    )
    return Status(201, _class_payload(made))


@router.patch("/classes/{class_id}", response=answers({200: ClassOut}), summary="Rename a class")
def change_class(request: HttpRequest, class_id: ObjectId, data: ClassPatch) -> dict[str, Any]:
    changes = {k: v for k, v in (("name", data.name), ("year_group", data.year_group)) if v is not None}
    return _class_payload(actions.update_class(class_id, acting=caller(request), **changes))


# --- SCIM tokens ------------------------------------------------------------------------------------------


class ScimTokenIn(Schema):
    label: str = Field("", max_length=100)
    domain: str = Field("", max_length=200, description="Completes a userName sent without `@`.")
    default_school_id: RowId | None = None


class ScimTokenOut(Out):
    id: int
    label: str
    domain: str
    default_school_id: int | None
    created_at: Timestamp
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None
    token: str | None = Field(None, description="The token itself: shown once, when it is issued.")


class ScimTokenList(Out):
    items: list[ScimTokenOut]
    next: str | None


def _token_payload(token: ScimToken, raw: str | None = None) -> dict[str, Any]:
    def when(moment: Any) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "id": token.pk, "label": token.label, "domain": token.domain, "default_school_id": token.default_school_id,
        "created_at": token.created_at.isoformat(), "last_used_at": when(token.last_used_at),
        "revoked_at": when(token.revoked_at), "token": raw,
    }  # fmt: skip


@router.get("/scim-tokens", response=answers({200: ScimTokenList}), summary="SCIM tokens")
def scim_tokens(request: HttpRequest) -> dict[str, Any]:
    """The tokens the school's identity provider provisions staff with (never the tokens themselves)."""
    viewer = caller(request)
    permissions.require(viewer, "scim.manage_tokens", viewer.organisation)
    tokens = ScimToken.objects.filter(organisation_id=viewer.organisation_id).order_by("-created_at")
    return {"items": [_token_payload(t) for t in tokens], "next": None}


@router.post("/scim-tokens", response=answers({201: ScimTokenOut}), summary="Issue a SCIM token")
def issue_scim_token(request: HttpRequest, data: ScimTokenIn) -> Status[dict[str, Any]]:
    viewer = caller(request)
    token, raw = actions.create_scim_token(
        viewer.organisation_id, acting=viewer, label=data.label, domain=data.domain,
        default_school_id=data.default_school_id,
    )  # fmt: skip
    return Status(201, _token_payload(token, raw))


@router.delete("/scim-tokens/{token_id}", response=answers({204: None}), summary="Revoke a SCIM token")
def revoke_scim_token(request: HttpRequest, token_id: ObjectId) -> Status[None]:
    viewer = caller(request)
    actions.revoke_scim_token(token_id, acting=viewer, organisation_id=viewer.organisation_id)
    return Status(204, None)


# --- a person's sign-in link ------------------------------------------------------------------------------


class EndedCount(Out):
    ended: int = Field(description="How many authenticators, sessions and tokens ended.")


class SentOut(Out):
    sent: bool = Field(description="The link was sent to their school address (if the mail server takes it).")


@router.post("/people/{person_id}/sign-in-link", response=answers({200: SentOut}), summary="Send a sign-in link")
def sign_in_link(request: HttpRequest, person_id: ObjectId) -> dict[str, Any]:
    """Email a person you manage a link to set their password and sign in (a starter, or a forgotten one)."""
    actions.send_sign_in_link(person_id, acting=caller(request))
    return {"sent": True}


# --- sign-in: single sign-on and the second-step policy ---------------------------------------------------


class ProviderOut(Out):
    kind: str = Field(description="`google` or `entra`.")
    enabled: bool
    client_id: str
    tenant: str
    allowed_domain: str
    has_secret: bool = Field(description="A client secret is stored (it is never shown back).")


class SignInOut(Out):
    second_factor: str = Field(description="Who must add a second step: `leaders`, `adults` or `nobody`.")
    providers: list[ProviderOut]


class ProviderIn(Schema):
    client_id: str = Field(max_length=300)
    client_secret: str = Field("", max_length=500, description="Empty keeps the stored one.")
    tenant: str = Field("", max_length=100, description="Entra ID only: the directory (tenant) id.")
    allowed_domain: str = Field("", max_length=253)
    enabled: bool = True


class PolicyIn(Schema):
    second_factor: str


class ResetIn(Schema):
    reason: str = Field(max_length=1000)


def _sign_in_state(viewer: Person) -> dict[str, Any]:
    from staffroom.accounts import second_factor

    providers = SignInProvider.objects.filter(organisation_id=viewer.organisation_id).select_related("app")
    return {
        "second_factor": str(second_factor.rule_for(viewer.organisation_id).value),
        "providers": [
            {"kind": p.kind, "enabled": p.enabled, "client_id": p.app.client_id, "tenant": p.tenant,
             "allowed_domain": p.allowed_domain, "has_secret": bool(p.app.secret)}
            for p in providers.order_by("kind")
        ],
    }  # fmt: skip


@router.get("/sign-in", response=answers({200: SignInOut}), summary="Sign-in settings")
def sign_in_settings(request: HttpRequest) -> dict[str, Any]:
    """Single sign-on providers (never their secrets) and who must add a second sign-in step."""
    viewer = caller(request)
    permissions.require(viewer, "signin.manage", viewer.organisation)
    return _sign_in_state(viewer)


@router.put("/sign-in/providers/{kind}", response=answers({200: SignInOut}), summary="Set up single sign-on")
def set_provider(request: HttpRequest, kind: str, data: ProviderIn) -> dict[str, Any]:
    viewer = caller(request)
    actions.configure_sign_in_provider(
        kind, acting=viewer, client_id=data.client_id, client_secret=data.client_secret, tenant=data.tenant,
        allowed_domain=data.allowed_domain, enabled=data.enabled,
    )  # fmt: skip
    return _sign_in_state(viewer)


@router.put("/sign-in/policy", response=answers({200: SignInOut}), summary="Who must add a second step")
def set_policy(request: HttpRequest, data: PolicyIn) -> dict[str, Any]:
    viewer = caller(request)
    actions.set_second_factor_rule(data.second_factor, acting=viewer)
    return _sign_in_state(viewer)


@router.post(
    "/people/{person_id}/reset-second-factor", response=answers({200: EndedCount}), summary="Reset a second step"
)
def reset_second_factor(request: HttpRequest, person_id: ObjectId, data: ResetIn) -> dict[str, Any]:
    """For someone who lost their phone or authenticator: their authenticators are removed and they are signed
    out everywhere, so they can set up a new one. A reason is required."""
    ended = actions.reset_second_factor(person_id, acting=caller(request), reason=data.reason)
    return {"ended": ended}


# --- roster import ----------------------------------------------------------------------------------------


@router.post(
    "/roster",
    response=answers({200: dict[str, Any]}, extra_errors=frozenset({413})),
    summary="Import a OneRoster 1.1 CSV ZIP",
)
def import_roster(
    request: HttpRequest,
    file: File[UploadedFile],
    dry_run: QueryEx[bool, P(description="`true`: say what would change, change nothing.")] = False,
    email_domain: QueryEx[str, P(max_length=253, description="Makes sign-in addresses from usernames.")] = "",
) -> dict[str, Any]:
    """The same import as `staffroom import_roster` and the console's page: a ZIP of OneRoster 1.1 CSV files,
    applied whole or not at all. Answers the counts (`created`, `updated`, `deactivated`, `classes`, `errors`,
    ...); with errors nothing is applied. Trust-wide IT admins only."""
    viewer = caller(request)
    permissions.require(viewer, "roster.import", viewer.organisation)
    if file.size is not None and file.size > settings.STAFFROOM_MAX_ROSTER_UPLOAD_BYTES:
        raise TooLarge(_("This roster is too large to upload; import it with `staffroom import_roster`."), field="file")
    domain = clean_email_domain(email_domain)
    try:
        roster = parser.parse(roster_files.read_zip(file.open("rb"), name=file.name or "upload"))
    except roster_files.Unreadable as unreadable:
        raise Invalid("file", unreadable.problem.message) from None
    return roster_actions.import_roster(roster, acting=viewer, email_domain=domain, dry_run=dry_run).counts()
