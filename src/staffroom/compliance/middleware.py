"""Attributes audit entries written during a request to its channel, address and browser."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from staffroom.compliance import audit


def client_ip(meta: dict[str, str]) -> str | None:
    # Behind a reverse proxy the operator sets STAFFROOM_TRUST_X_FORWARDED_FOR; never trust it by default.
    # Proxies append the address they saw, so the right-most entry is the one our proxy wrote; anything to its
    # left came from the client and can be forged.
    from django.conf import settings

    if getattr(settings, "STAFFROOM_TRUST_X_FORWARDED_FOR", False) and meta.get("HTTP_X_FORWARDED_FOR"):
        return meta["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip() or None
    return meta.get("REMOTE_ADDR") or None


class AuditOriginMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "scim" if request.path.startswith("/scim/") else "web"
        with audit.origin(channel, client_ip(request.META), request.META.get("HTTP_USER_AGENT", "")):
            return self.get_response(request)


class RefusalAuditMiddleware:
    """A console page refused to a signed-in person (404 or 403) is kept in the audit log (`access.refused`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        from staffroom.accounts.models import Person

        user = getattr(request, "user", None)
        if not isinstance(user, Person) or not isinstance(exception, Http404 | PermissionDenied):
            return
        console = request.path.startswith(audit.REFUSALS_KEPT_UNDER) and not request.path.startswith("/api/")
        if console and user.is_authenticated:
            status = 404 if isinstance(exception, Http404) else 403
            audit.record_refusal(user, status=status, method=request.method or "", path=request.path)
