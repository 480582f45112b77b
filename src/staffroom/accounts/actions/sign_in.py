"""How people sign in to an organisation: its single sign-on providers and who must add a second sign-in step.
Set by the organisation's IT admins in the console (`/admin/sign-in/`); secrets are kept, never shown back."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import Person, SecondFactorRule, SignInPolicy, SignInProvider
from staffroom.accounts.second_factor import forget_rule, rule_for
from staffroom.accounts.signout import sign_out_everywhere
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound, PermissionDenied

GOOGLE_ISSUER = "https://accounts.google.com"
# Entra's "common", "organizations" and "consumers" endpoints take anyone's directory; a school's is one tenant.
_SHARED_TENANTS = {"common", "organizations", "consumers"}
_TENANT = re.compile(r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9.-]+\.[a-z]{2,})$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_NAMES = {SignInProvider.Kind.GOOGLE: "Google", SignInProvider.Kind.ENTRA: "Microsoft"}


def set_second_factor_rule(rule: str, *, acting: Person) -> SecondFactorRule:
    """Choose who in the acting admin's organisation must add a second sign-in step. Takes effect at each
    person's next request (the cached rule is dropped on commit)."""
    organisation = acting.organisation
    with transaction.atomic():
        permissions.require(acting, "signin.manage", organisation)
        if rule not in SecondFactorRule.values:
            raise Invalid("second_factor", _("Choose who must use a second sign-in step."))
        chosen = SecondFactorRule(rule)
        policy = SignInPolicy.objects.select_for_update().filter(organisation=organisation).first()
        previous = SecondFactorRule(policy.second_factor) if policy else rule_for(organisation.pk)
        if chosen == previous:
            return chosen
        if policy is None:
            policy = SignInPolicy(organisation=organisation)
        policy.second_factor = chosen
        policy.updated_at = timezone.now()
        policy.save()
        # Now, and again once committed: a request reading the old rule meanwhile could cache it again.
        forget_rule(organisation.pk)
        transaction.on_commit(lambda: forget_rule(organisation.pk))
        audit.record(
            acting,
            AuditAction.SIGN_IN_SECOND_FACTOR_RULE_CHANGED,
            target=organisation,
            data={"second_factor": chosen.value, "previous": previous.value},
        )
    return chosen


def _clean_domain(value: str) -> str:
    domain = value.strip().lower().lstrip("@")
    if domain and not _DOMAIN.match(domain):
        raise Invalid("allowed_domain", _("Enter a domain such as school.example.org, or leave it empty."))
    return domain


def _clean_tenant(kind: str, value: str) -> str:
    tenant = value.strip().lower()
    if kind != SignInProvider.Kind.ENTRA:
        return ""
    if not tenant:
        raise Invalid("tenant", _("Enter your Entra ID directory (tenant) id or its primary domain."))
    if tenant in _SHARED_TENANTS or not _TENANT.match(tenant):
        raise Invalid(
            "tenant",
            _("Enter your own directory (tenant) id or primary domain; shared endpoints such as 'common' take anyone."),
        )
    return tenant


def _issuer(kind: str, tenant: str) -> str:
    if kind == SignInProvider.Kind.ENTRA:
        return f"https://login.microsoftonline.com/{tenant}/v2.0"
    return GOOGLE_ISSUER


def configure_sign_in_provider(
    kind: str,
    *,
    acting: Person,
    client_id: str,
    client_secret: str = "",
    tenant: str = "",
    allowed_domain: str = "",
    enabled: bool = True,
    issuer: str = "",
) -> SignInProvider:
    """Add or change the organisation's Google Workspace or Entra ID sign-in. An empty `client_secret` keeps the
    one stored (it is never shown back). `issuer` overrides the provider's usual one (a national cloud, or a
    provider run by the tests); the console does not offer it."""
    from allauth.socialaccount.models import SocialApp

    organisation = acting.organisation
    with transaction.atomic():
        permissions.require(acting, "signin.manage", organisation)
        if kind not in SignInProvider.Kind.values:
            raise Invalid("kind", _("Choose Google Workspace or Microsoft Entra ID."))
        client_id = client_id.strip()
        client_secret = client_secret.strip()
        if not client_id or len(client_id) > 191:
            raise Invalid("client_id", _("Enter the client id the identity provider gave you."))
        if len(client_secret) > 191:
            raise Invalid("client_secret", _("That client secret is too long."))
        tenant = _clean_tenant(kind, tenant)
        domain = _clean_domain(allowed_domain)
        server_url = issuer.strip() or _issuer(kind, tenant)
        provider = (
            SignInProvider.objects.select_for_update()
            .select_related("app")
            .filter(organisation=organisation, kind=kind)
        ).first()
        if provider is None:
            if not client_secret:
                raise Invalid("client_secret", _("Enter the client secret the identity provider gave you."))
            app = SocialApp.objects.create(
                provider="openid_connect",
                provider_id=f"{kind}-{organisation.slug}",
                name=_NAMES[SignInProvider.Kind(kind)],
                client_id=client_id,
                secret=client_secret,
                settings=_app_settings(kind, server_url),
            )
            provider = SignInProvider.objects.create(
                organisation=organisation, kind=kind, app=app, tenant=tenant, allowed_domain=domain, enabled=enabled
            )
            audit.record(
                acting, AuditAction.SIGN_IN_PROVIDER_ADDED, target=organisation,
                data={"sign_in_provider_id": provider.pk, "kind": kind, "enabled": enabled},
                details={"client_id": client_id, "tenant": tenant, "allowed_domain": domain},
            )  # fmt: skip
            return provider
        app = provider.app
        before = _described(provider)
        app.client_id = client_id
        if client_secret:
            secret_changed = client_secret != app.secret
            app.secret = client_secret
        else:
            secret_changed = False
        app.settings = {**app.settings, **_app_settings(kind, server_url)}
        provider.tenant, provider.allowed_domain, provider.enabled = tenant, domain, enabled
        changed = [name for name, value in _described(provider).items() if before[name] != value]
        if secret_changed:
            changed.append("client_secret")
        if not changed:
            return provider
        app.save()
        provider.updated_at = timezone.now()
        provider.save()
        audit.record(
            acting, AuditAction.SIGN_IN_PROVIDER_CHANGED, target=organisation,
            data={"sign_in_provider_id": provider.pk, "kind": kind, "enabled": enabled, "changed": changed},
            details={"client_id": client_id, "tenant": tenant, "allowed_domain": domain},
        )  # fmt: skip
    return provider


def _app_settings(kind: str, server_url: str) -> dict[str, Any]:
    """What allauth needs. The least the provider is asked for: the address (and, for Entra ID, whose
    `preferred_username` comes with `profile`); PKCE on top of the client secret, as OAuth 2.1 asks."""
    scope = ["openid", "email", "profile"] if kind == SignInProvider.Kind.ENTRA else ["openid", "email"]
    return {"server_url": server_url, "scope": scope, "oauth_pkce_enabled": True}


def _described(provider: SignInProvider) -> dict[str, Any]:
    """What an admin can change, but the secret (compared separately, never recorded)."""
    return {
        "client_id": provider.app.client_id,
        "issuer": provider.app.settings.get("server_url", ""),
        "tenant": provider.tenant,
        "allowed_domain": provider.allowed_domain,
        "enabled": provider.enabled,
    }


def link_sign_in_account(
    person: Person, *, provider: SignInProvider, uid: str, extra_data: dict[str, Any], acting: Person
) -> Any:
    """Link a person's account at the school's identity provider to them, the first time they sign in with it
    (accounts.sso has checked that the provider vouches for their school-issued address). Returns allauth's
    `SocialAccount`."""
    from allauth.socialaccount.models import SocialAccount

    if acting.pk != person.pk:
        raise PermissionDenied()
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if not locked.may_use_staffroom() or locked.organisation_id != provider.organisation_id:
            raise PermissionDenied()
        account = SocialAccount.objects.create(
            user=locked, provider=provider.app.provider_id, uid=uid, extra_data=extra_data
        )
        audit.record(
            acting,
            AuditAction.SIGN_IN_ACCOUNT_LINKED,
            target=locked,
            data={"sign_in_provider_id": provider.pk, "kind": provider.kind},
        )
    return account


def reset_second_factor(person_id: int, *, acting: Person, reason: str) -> int:
    """For someone who has lost their phone or passkey and their recovery codes: remove every authenticator app,
    passkey and recovery code of theirs and end their sessions and tokens, so that they sign in with their
    password and set up a new second step. Only an IT admin, for someone else, with a reason for the record.
    Returns how many authenticators were removed."""
    from allauth.mfa.models import Authenticator

    with transaction.atomic():
        person = Person.objects.select_for_update().filter(pk=person_id, organisation_id=acting.organisation_id).first()
        if person is None:
            raise NotFound()
        permissions.require(acting, "signin.reset_second_factor", person)
        if person.pk == acting.pk:
            raise PermissionDenied(_("Ask another IT admin to reset your own second sign-in step."))
        reason = reason.strip()
        if not reason:
            raise Invalid("reason", _("Say why, for the record: for example, how you checked it was really them."))
        removed, _by_type = Authenticator.objects.filter(user=person).delete()
        ended = sign_out_everywhere(person)
        audit.record(
            acting,
            AuditAction.SIGN_IN_SECOND_FACTOR_RESET,
            target=person,
            reason=reason,
            data={"authenticators_removed": removed, "sessions_ended": ended},
        )
    return removed
