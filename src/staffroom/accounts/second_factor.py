"""Who must have a second sign-in step, and who has one.

A person must add an authenticator app or a passkey before they use Staffroom when their organisation's policy
(`SignInPolicy`, set by its IT admins) names one of their roles. Until they do, every page but the ones that set
it up sends them there (`SecondFactorMiddleware`), the API answers 403 `mfa_required`, no API token is issued to
them and the events socket closes with 4403. Pupils are never required.

Asked on every request, so the policy is cached per organisation (the action that changes it clears the entry),
and the authenticators are only looked up for someone the policy names.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from staffroom.accounts.models import Person, Role, SecondFactorRule, SignInPolicy

# The roles that matter most: whoever can read, change or hand out most of the school's records and people.
LEADER_ROLES = frozenset({Role.IT_ADMIN, Role.HEADTEACHER, Role.DPO, Role.DSL, Role.DEPUTY_DSL})
REQUIRED_ROLES: dict[str, frozenset[str]] = {
    SecondFactorRule.LEADERS: LEADER_ROLES,
    SecondFactorRule.ADULTS: frozenset(r for r in Role if r != Role.PUPIL),
    SecondFactorRule.NOBODY: frozenset(),
}
DEFAULT_RULE = SecondFactorRule.LEADERS
_CACHE_SECONDS = 300


def _cache_key(organisation_id: int) -> str:
    return f"staffroom:second-factor-rule:{organisation_id}"


def rule_for(organisation_id: int) -> SecondFactorRule:
    """The organisation's rule: its policy's, or the default when it has never set one."""
    key = _cache_key(organisation_id)
    value = cache.get(key)
    if value is None:
        value = (
            SignInPolicy.objects.filter(organisation_id=organisation_id).values_list("second_factor", flat=True).first()
            or DEFAULT_RULE
        )
        cache.set(key, value, _CACHE_SECONDS)
    return SecondFactorRule(value)


def forget_rule(organisation_id: int) -> None:
    """Drop the cached rule (after the policy changed), so the next request reads the new one."""
    cache.delete(_cache_key(organisation_id))


def is_required(person: Person) -> bool:
    """Must this person have a second sign-in step? Never for a pupil, whatever other role they hold."""
    roles = set(person.role_codes)
    if Role.PUPIL in roles:
        return False
    return bool(roles & REQUIRED_ROLES[rule_for(person.organisation_id)])


def has_second_factor(person: Person) -> bool:
    """An authenticator app or a passkey (recovery codes only back those up, so they do not count)."""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user_id=person.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def setup_required(person: Person) -> bool:
    """True while the policy requires a second step of this person and they have not added one. Remembered on
    the person object for the rest of the request."""
    cached = getattr(person, "_second_factor_setup_required", None)
    if cached is None:
        cached = is_required(person) and not has_second_factor(person)
        person._second_factor_setup_required = cached  # type: ignore[attr-defined]
    return cached


def where_to_set_up() -> str:
    return reverse("mfa_index")


def required_message() -> str:
    """What the API says to someone who must add a second step first."""
    return _(
        "Your school requires a second sign-in step (an authenticator app or a passkey) for your role. Set one up "
        "in a browser at %(url)s, then try again."
    ) % {"url": where_to_set_up()}


# Paths someone who must add a second step may still reach: allauth's own pages (setting it up, signing out,
# changing the password), the API (which answers for itself, in JSON), and what every page needs to load.
_OPEN_PREFIXES = (
    "/accounts/",
    "/api/",
    "/static/",
    "/healthz",
    "/readyz",
    "/manifest.webmanifest",
    "/sw.js",
    "/offline",
)


class SecondFactorMiddleware:
    """Sends a signed-in person who must add a second sign-in step to allauth's page for adding one, from any
    page, until they have. `request.second_factor_setup_required` tells the templates why they are there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        required = isinstance(user, Person) and user.is_authenticated and setup_required(user)
        request.second_factor_setup_required = required  # type: ignore[attr-defined]
        if required and not request.path.startswith(_OPEN_PREFIXES):
            if request.headers.get("HX-Request") == "true":
                response = HttpResponse(status=204)
                response["HX-Redirect"] = where_to_set_up()
                return response
            return redirect(where_to_set_up())
        return self.get_response(request)
