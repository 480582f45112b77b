"""The tokens a school's identity provider uses to provision staff over SCIM (/scim/v2/).

A SCIM token belongs to the organisation: whatever is done with it is done by the SCIM service
(accounts/actors.py), within that organisation only. An IT admin issues one from the admin console, or the
server's operator with `staffroom create_scim_token`; either may revoke it.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Organisation, Person, School, ScimToken, hash_token
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound
from staffroom.text import clean as clean_text

# How stale `last_used_at` may be: the admin wants to know whether the directory still calls, not each request.
USE_RESOLUTION = timedelta(minutes=1)


def _clean_domain(domain: str) -> str:
    domain = (domain or "").strip().lower().lstrip("@")
    if not domain:
        return ""
    try:
        validate_email(f"someone@{domain}")
    except ValidationError:
        raise Invalid("domain", _("Give the domain of the school's addresses, for example oakfield.example.")) from None
    return domain


def _check_may_manage(acting: Person | None, organisation: Organisation) -> None:
    # None is the server's operator at the command line (`staffroom create_scim_token`): they hold the database.
    if acting is not None:
        permissions.require(acting, "scim.manage_tokens", organisation)


def create_scim_token(
    organisation_id: int,
    *,
    acting: Person | None,
    label: str = "",
    domain: str = "",
    default_school_id: int | None = None,
) -> tuple[ScimToken, str]:
    """Issue a SCIM token for the organisation and return it with its raw value, shown this once (only the
    hash is kept). `acting` is an IT admin, or None for the operator at the command line."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound()
    _check_may_manage(acting, organisation)
    label = clean_text(label or "")[:100]
    domain = _clean_domain(domain)
    school = None
    if default_school_id is not None:
        school = School.objects.filter(pk=default_school_id, organisation=organisation).first()
        if school is None:
            raise Invalid("default_school_id", _("Choose one of the organisation's schools."))
    raw = ScimToken.new_raw()
    with transaction.atomic():
        token = ScimToken.objects.create(
            organisation=organisation, key_hash=hash_token(raw), label=label, domain=domain,
            default_school=school, created_by=acting,
        )  # fmt: skip
        audit.record(
            acting, AuditAction.SCIM_TOKEN_CREATED, target=organisation, organisation=organisation,
            data={"scim_token_id": token.pk, "default_school_id": school.pk if school else None},
            details={"label": label, "domain": domain},
        )  # fmt: skip
    return token, raw


def revoke_scim_token(token_id: int, *, acting: Person | None, organisation_id: int) -> ScimToken:
    """Revoke a SCIM token of the organisation: the identity provider's next request with it gets 401."""
    with transaction.atomic():
        token = ScimToken.objects.select_for_update().filter(pk=token_id, organisation_id=organisation_id).first()
        if token is None:
            raise NotFound()
        _check_may_manage(acting, token.organisation)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            acting, AuditAction.SCIM_TOKEN_REVOKED, target=token.organisation, organisation=organisation_id,
            data={"scim_token_id": token.pk},
        )  # fmt: skip
    return token


def note_scim_token_used(token: ScimToken) -> None:
    """Keep `last_used_at` to the minute, so the console can show whether the directory still calls. Not an
    audited change: like a session's "last seen", it records use, and the requests' own actions are audited."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= USE_RESOLUTION:
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
