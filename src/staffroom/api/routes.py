"""The JSON API at /api/v1/: authentication, one mapping from every error to `{"error": {...}}`, and the routers.

Routers are thin: they parse, call an action or a query, and serialise with the payload functions. Every error,
including the framework's own (bad JSON, failed validation, wrong method, unknown path), leaves here as a 4xx
with a JSON body that says what to change (DESIGN.md invariant 5).
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from staffroom import admission
from staffroom.accounts.models import Person
from staffroom.api import (
    admin_closures,
    admin_people,
    admin_register,
    admin_setup,
    auth,
    compliance,
    compliance_erasures,
    compliance_holds,
    compliance_investigations,
    compliance_my_data,
    compliance_policies,
    compliance_retention,
    compliance_sars,
    conversations,
    externals,
    held_photos,
    messages,
    notifications,
    people,
    pins,
    reviews,
    safeguarding,
    safeguarding_policy,
    supervision,
    uploads,
)
from staffroom.compliance import audit
from staffroom.errors import NotFound, PermissionDenied, StaffroomError

logger = logging.getLogger(__name__)

DESCRIPTION = """
Staffroom's JSON API. Sign in with a browser session (send the CSRF token in `X-CSRFToken` on unsafe
methods) or send `Authorization: Bearer <token>` (get one from `POST /api/v1/auth/token`).

Every error is `{"error": {"code": "...", "message": "...", "field": "..."}}` with a 4xx status. Anything you
may not see answers 404, exactly as if it did not exist.

Someone whose school requires a second sign-in step of them (an authenticator app or a passkey) and who has not
set one up gets `403` with code `mfa_required` from every endpoint, and no token, until they set it up in a
browser (the message says where).

School policies a person has not yet accepted never block the API (the web pages ask first): read them at
`GET /api/v1/me/policies` and accept with `POST /api/v1/me/policies/{version_id}/acknowledge`.
"""


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"code": code, "message": message}
    if field:
        detail["field"] = field
    return {"error": detail}


def error_response(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    return JsonResponse(error_body(code, message, field), status=status)


class NotAnObject(ValueError):
    pass


class UnstorableText(ValueError):
    """Text with a NUL or a lone surrogate: valid JSON, but no database can store it."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def unstorable_field(data: Any, path: str = "") -> str | None:
    """The path of the first string in `data` that cannot be stored, or None."""
    if isinstance(data, str):
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            return path or "body"
        return (path or "body") if "\x00" in data else None
    if isinstance(data, dict):
        items: Any = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return None
    for key, value in items:
        here = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and unstorable_field(key, here):
            return here
        if (found := unstorable_field(value, here)) is not None:
            return found
    return None


class JsonObjectParser(Parser):
    """Every request body of this API is a JSON object; anything else is refused before validation, which
    would otherwise report the object's fields as missing."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise NotAnObject("expected a JSON object")
        if (field := unstorable_field(data)) is not None:
            raise UnstorableText(field)
        return data


class StaffroomAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        """Ninja's URLs, each answering a wrong method with JSON, then a JSON 404 for every other path."""
        patterns = [_with_json_fallbacks(p) for p in super()._get_urls()]
        patterns.append(re_path(r"^.*$", _unknown_path, name="unknown"))
        return patterns


def _with_json_fallbacks(pattern: URLResolver | URLPattern) -> URLResolver | URLPattern:
    if not isinstance(pattern, URLPattern):
        return pattern
    view = pattern.callback

    @functools.wraps(view)
    def answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        for key, values in request.GET.lists():
            if unstorable_field([key, *values]) is not None:
                return _unstorable(request, key)
        try:
            response = view(request, *args, **kwargs)
        except Http404:  # views outside the operations, e.g. the API root
            return _unknown_path(request)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            refused = error_response(
                405,
                "method_not_allowed",
                _("%(method)s is not allowed here; use %(allowed)s.") % {"method": request.method, "allowed": allowed},
            )
            refused["Allow"] = allowed
            return refused
        return response

    answer.csrf_exempt = True  # type: ignore[attr-defined]  # as Ninja's own views: auth checks CSRF
    return URLPattern(pattern.pattern, answer, pattern.default_args, pattern.name)


def _unknown_path(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    return error_response(
        404,
        "not_found",
        _("There is nothing at %(path)s. The API is described at /api/v1/openapi.json.") % {"path": request.path},
    )


_unknown_path.csrf_exempt = True  # type: ignore[attr-defined]


api = StaffroomAPI(
    title="Staffroom API",
    version="1",
    description=DESCRIPTION,
    auth=auth.AUTH,
    urls_namespace="api",
    parser=JsonObjectParser(),
    # The interactive page needs Ninja's own static files: without them it would load scripts from a CDN,
    # which the content security policy (and DESIGN.md) forbid.
    docs_url="/docs" if "ninja" in settings.INSTALLED_APPS else None,
)


# --- errors -----------------------------------------------------------------------------------------------


def _respond(request: HttpRequest, status: int, code: str, message: str, field: str | None = None) -> HttpResponse:
    return api.create_response(request, error_body(code, message, field), status=status)


def _audit_refusal(request: HttpRequest, exc: StaffroomError) -> None:
    """The issue: a teacher granting themselves a role, another organisation's ids, ... are "403/404, audited,
    nothing written"."""
    person = getattr(request, "auth", None)
    if not isinstance(person, Person) or not isinstance(exc, NotFound | PermissionDenied):
        return
    if request.path.startswith(audit.REFUSALS_KEPT_UNDER):
        audit.record_refusal(person, status=exc.status, method=request.method or "", path=request.path)


@api.exception_handler(StaffroomError)
def _domain_error(request: HttpRequest, exc: StaffroomError) -> HttpResponse:
    _audit_refusal(request, exc)
    body = error_body(exc.code, exc.message, exc.field)
    if (findings := getattr(exc, "findings", None)) is not None:
        # A safeguarding nudge or block says what was found and where (never the text): the composer shows it.
        body["error"]["findings"] = findings
    response = api.create_response(request, body, status=exc.status)
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response


def _field_path(error: dict[str, Any]) -> tuple[str, str]:
    """(where, field) of a validation error: where is the part of the request (body, query, path, file).
    Ninja puts the name of the operation's body parameter second in a body error's location; clients never
    see that name, so it is left out."""
    loc = [str(part) for part in error.get("loc", ())]
    where = loc[0] if loc else "request"
    return where, ".".join(loc[2:] if where == "body" else loc[1:])


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.errors
    if errors and all(_field_path(e)[0] == "path" for e in errors):
        # A malformed id names nothing, just like an unknown one.
        return _respond(request, 404, NotFound.code, NotFound().message)
    parts, first_field = [], None
    for error in errors:
        where, field = _field_path(error)
        first_field = first_field or field or None
        label = field or where
        message = str(error.get("msg", "Invalid value"))
        parts.append(f"{label}: {message}")
    message = "; ".join(parts) or _("The request is not valid.")
    return _respond(request, 422, "invalid", message, first_field)


@api.exception_handler(AuthenticationError)
def _not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _respond(request, 401, "not_authenticated", str(auth.NOT_SIGNED_IN))


def _unstorable(request: HttpRequest, field: str) -> HttpResponse:
    message = _("%(field)s: contains a character that cannot be stored (a NUL or an unpaired surrogate).")
    return _respond(request, 422, "invalid", message % {"field": field}, field)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, NotAnObject):
        return _respond(request, 422, "invalid", _("body: Send a JSON object."), "body")
    if isinstance(exc.__cause__, UnstorableText):
        return _unstorable(request, exc.__cause__.field)
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        # Ninja wraps the JSON parser's error; say what is wrong and where.
        return _respond(
            request,
            400,
            "malformed_json",
            _("The request body is not valid JSON: %(error)s") % {"error": exc.__cause__},
        )
    codes = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found", 429: "rate_limited"}
    return _respond(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _respond(request, 404, NotFound.code, NotFound().message)


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
    return _respond(request, 403, "forbidden", str(exc) or _("You do not have permission to do that."))


@api.exception_handler(RequestDataTooBig)
def _body_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,}"
    message = _("The request body is over %(limit)s bytes. Send files through POST /uploads.") % {"limit": limit}
    return _respond(request, 413, "too_large", message)


@api.exception_handler(MultiPartParserError)
def _bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    message = _("The multipart form data could not be read: %(error)s") % {"error": exc}
    return _respond(request, 400, "malformed_multipart", message)


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # E.g. too many form fields or files: Django refuses them before they are parsed.
    return _respond(request, 400, "bad_request", _("The request could not be accepted: %(error)s") % {"error": exc})


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    if admission.is_overload(exc):
        return admission.busy_response(request)
    # A bug, not bad input: log it in full, and still answer in the API's shape.
    logger.exception("unhandled error in %s %s", request.method, request.path)
    return _respond(request, 500, "server_error", _("Something went wrong on our side. It has been logged."))


# --- routes -----------------------------------------------------------------------------------------------

api.add_router("/auth", auth.router)
api.add_router("", people.router)
api.add_router("/conversations", conversations.router)
api.add_router("", messages.router)
api.add_router("", pins.router)
api.add_router("", uploads.router)
api.add_router("/admin", admin_people.router)
api.add_router("", externals.router)
api.add_router("/admin", externals.admin_router)
api.add_router("/admin", admin_register.router)
api.add_router("/admin", admin_setup.router)
api.add_router("/admin", admin_closures.router)
api.add_router("", reviews.router)
api.add_router("/compliance", compliance.router)
api.add_router("", notifications.router)
api.add_router("/compliance", compliance_retention.router)
api.add_router("/compliance", compliance_holds.router)
api.add_router("/compliance", compliance_erasures.router)
api.add_router("/compliance", compliance_policies.router)
api.add_router("/me", compliance_policies.me_router)
api.add_router("/compliance", compliance_sars.router)
api.add_router("/compliance", compliance_investigations.router)
api.add_router("/me", compliance_my_data.router)
api.add_router("", supervision.router)
api.add_router("/safeguarding", supervision.safeguarding_router)
api.add_router("/safeguarding", safeguarding.router)
api.add_router("/safeguarding", safeguarding_policy.router)
api.add_router("", safeguarding_policy.reports_router)
api.add_router("", held_photos.router)
api.add_router("/safeguarding", held_photos.queue_router)
