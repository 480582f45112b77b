"""Single sign-on with the school's Google Workspace or Microsoft Entra ID, over OpenID Connect (allauth).

The identity provider only vouches for an address; the school decides who is in Staffroom (DESIGN.md invariant 3).
So a sign-in through a provider:
- only ever reaches a person who already exists in the organisation that configured the provider, whose
  school-issued sign-in address is the address the provider vouches for, and who may use Staffroom now
  (leavers and externals past their end date are told why, as at the password form);
- never creates an account, and never changes the person's name or address;
- keeps of the provider's answer only the subject id, the issuer and the address: no phone number, postal
  address, picture or personal email is stored (`SchoolOpenIDConnectProvider`).

Which address the provider vouches for (`vouched_address`):
- Google: the `email` claim, only when `email_verified` is true. With an allowed domain set, the `hd` (hosted
  domain) claim must be that domain too, so a personal Google account with the same address cannot be used.
- Entra ID: the `preferred_username` claim (the user principal name), from the one tenant the provider is bound
  to: its issuer names the tenant, so tokens of another directory do not validate, and within a tenant the
  UPN is set by the school's administrators on a domain the tenant has proved it owns. The `email` claim is
  not used: Entra lets it hold an address nobody verified.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from staffroom.accounts.access import refusal
from staffroom.accounts.models import Person, SignInProvider

logger = logging.getLogger(__name__)

# All of the provider's answer that is kept (SocialAccount.extra_data).
KEPT_CLAIMS = ("sub", "iss", "email")
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def claims_of(response: dict[str, Any]) -> dict[str, Any]:
    """The provider's claims: the ID token's (signed) over the userinfo endpoint's. Empty when the two disagree
    about who the person is."""
    userinfo = response.get("userinfo") or {}
    id_token = response.get("id_token") or {}
    if userinfo.get("sub") and id_token.get("sub") and userinfo["sub"] != id_token["sub"]:
        return {}
    return {**userinfo, **id_token}


def _is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def vouched_address(provider: SignInProvider, claims: dict[str, Any]) -> tuple[str | None, str]:
    """(the sign-in address the provider vouches for, "") or (None, why not: "unverified" or "other_domain")."""
    if provider.kind == SignInProvider.Kind.ENTRA:
        tid = claims.get("tid")
        if tid and _GUID.match(provider.tenant) and str(tid).lower() != provider.tenant.lower():
            return None, "other_domain"
        address = str(claims.get("preferred_username") or claims.get("upn") or "")
    else:
        if not _is_true(claims.get("email_verified")):
            return None, "unverified"
        address = str(claims.get("email") or "")
    address = address.strip().lower()
    if not _ADDRESS.match(address):
        return None, "unverified"
    domain = provider.allowed_domain.lower()
    if domain:
        if _domain(address) != domain:
            return None, "other_domain"
        if provider.kind == SignInProvider.Kind.GOOGLE and str(claims.get("hd") or "").lower() != domain:
            return None, "other_domain"
    return address, ""


class SchoolOpenIDConnectProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider, keeping nothing of the answer but who the person is to the provider."""

    def sociallogin_from_response(self, request: HttpRequest, response: Any) -> SocialLogin:
        login = super().sociallogin_from_response(request, response)
        # Held on the object for this request only, for StaffroomSocialAccountAdapter.pre_social_login.
        login.staffroom_claims = claims_of(response if isinstance(response, dict) else {})
        return login

    def get_scope_from_request(self, request: HttpRequest) -> list[str]:
        """Only what the school configured (`scope` in the app's settings): allauth would otherwise add any scopes
        named in the sign-in URL's `?scope=`, such as the phone number or postal address."""
        return self.get_scope()

    def extract_extra_data(self, data: Any) -> dict[str, Any]:
        claims = claims_of(data if isinstance(data, dict) else {})
        return {name: claims[name] for name in KEPT_CLAIMS if name in claims}

    def extract_common_fields(self, data: Any) -> dict[str, Any]:
        """Nothing: the school, not the provider, says what a person is called and which address they use."""
        return {}

    def extract_email_addresses(self, data: Any) -> list[Any]:
        return []


class StaffroomSocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def list_apps(self, request: HttpRequest, provider: Any = None, client_id: Any = None) -> list[SocialApp]:
        """Only the providers an organisation has configured in the console and not turned off. (None come from
        settings: the console is the one place they are kept.)"""
        apps = SocialApp.objects.filter(staffroom_provider__enabled=True).select_related(
            "staffroom_provider__organisation"
        )
        if provider:
            apps = apps.filter(Q(provider=provider) | Q(provider_id=provider))
        if client_id:
            apps = apps.filter(client_id=client_id)
        return list(apps.order_by("staffroom_provider__organisation__name", "staffroom_provider__kind"))

    def get_provider(self, request: HttpRequest, provider: Any, client_id: Any = None) -> Any:
        found = super().get_provider(request, provider, client_id=client_id)
        if isinstance(found, OpenIDConnectProvider) and not isinstance(found, SchoolOpenIDConnectProvider):
            return SchoolOpenIDConnectProvider(request, app=found.app)
        return found

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Let the sign-in through only to the existing person the provider vouches for; link the provider's
        account to them the first time."""
        from staffroom.accounts import actions

        app = sociallogin.provider.app
        provider = SignInProvider.objects.select_related("organisation").filter(app_id=getattr(app, "pk", None)).first()
        if provider is None or not provider.enabled:
            self._refuse(request, "not_offered", provider)
        assert provider is not None
        claims = getattr(sociallogin, "staffroom_claims", None) or {}
        address, why = vouched_address(provider, claims)
        if address is None:
            self._refuse(request, why, provider)
        person = Person.objects.filter(organisation_id=provider.organisation_id, email__iexact=address).first()
        linked = sociallogin.user if sociallogin.is_existing else None
        if person is None or (linked is not None and linked.pk != person.pk):
            self._refuse(request, "unknown", provider)
        assert person is not None
        if not person.may_use_staffroom():
            logger.info("Single sign-on refused", extra={"reason": "access_ended", "provider": provider.kind})
            response = render(request, "account/access_ended.html", {"refusal": refusal(person)}, status=403)
            raise ImmediateHttpResponse(response)
        if linked is None:
            account = actions.link_sign_in_account(
                person,
                provider=provider,
                uid=sociallogin.account.uid,
                extra_data=sociallogin.account.extra_data,
                acting=person,
            )
            sociallogin.account = account
            sociallogin.user = person

    @staticmethod
    def _refuse(request: HttpRequest, why: str, provider: SignInProvider | None) -> None:
        """Stop the sign-in with a page that says what to do. The address the provider gave is not logged: it
        may be a personal one, and the school has no business keeping it."""
        logger.info("Single sign-on refused", extra={"reason": why, "provider": provider.kind if provider else ""})
        messages = {
            "unknown": _(
                "Your school has not added you to Staffroom yet, or it knows you by another address. Ask your "
                "school's IT admin to add you."
            ),
            "unverified": _(
                "Your account at the identity provider did not confirm an email address, so Staffroom cannot tell "
                "who you are. Ask your school's IT admin."
            ),
            "other_domain": _(
                "That account is not one your school uses for Staffroom. Sign in with your school account, or ask "
                "your school's IT admin."
            ),
            "not_offered": _("This way of signing in is not offered any more. Sign in with your email address."),
        }
        context = {"message": messages.get(why, messages["unknown"])}
        raise ImmediateHttpResponse(render(request, "account/sso_refused.html", context, status=403))
