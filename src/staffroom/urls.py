from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path, re_path

from staffroom.api.routes import api
from staffroom.web import health
from staffroom.web.views import profile


def _not_offered(request: HttpRequest, **kwargs: str) -> HttpResponse:
    raise Http404()


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    # SCIM provisioning for the school's identity provider: its own bearer token, its own error shape.
    path("scim/v2/", include("staffroom.scim.urls")),
    # Sign-in addresses are issued by the school (DESIGN.md invariant 3). These come before allauth's own routes
    # so that its pages for adding, removing, making primary and verifying addresses are never reached.
    path("accounts/email/", profile.sign_in_address),
    re_path(r"^accounts/confirm-email/", _not_offered),
    # Single sign-on only signs in people the school has added (accounts/sso.py): allauth's pages for signing up
    # through a provider, and for linking other providers' accounts to one's own, are not served either.
    re_path(r"^accounts/3rdparty/(?:signup/)?$", _not_offered),
    re_path(r"^accounts/social/(?:signup|connections)/$", _not_offered),
    path("accounts/", include("allauth.urls")),
    path("", include("staffroom.web.urls")),
]
