"""/scim/v2/: thin views. Each authenticates the SCIM token, parses, calls a scim action or query and answers in
SCIM's JSON (`application/scim+json`), errors included (RFC 7644 section 3.12).

Only a SCIM token opens these endpoints (a person's API token or session does not), so there is no CSRF to
check: a browser never adds the `Authorization` header by itself. Requests are limited per token.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from staffroom import admission, ratelimit
from staffroom.accounts import actions as account_actions
from staffroom.accounts import queries as account_queries
from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import ScimToken
from staffroom.compliance import audit
from staffroom.errors import NotFound, PermissionDenied, RateLimited, StaffroomError
from staffroom.scim import actions, discovery, documents, errors, filters, mapping, queries
from staffroom.scim.discovery import MAX_RESULTS, SEARCH_REQUEST
from staffroom.scim.errors import ScimError

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]


class Call:
    """One authenticated SCIM request: who acts, with which token, and where the service is."""

    def __init__(self, request: HttpRequest, token: ScimToken) -> None:
        self.request = request
        self.token = token
        self.acting = ServiceActor(Service.SCIM, token.organisation_id)
        self.base = request.build_absolute_uri("/scim/v2")

    def body(self) -> dict[str, Any]:
        try:
            data = json.loads(self.request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as error:
            raise errors.invalid_syntax(f"The body is not valid JSON: {error}.") from None
        if not isinstance(data, dict):
            raise errors.invalid_syntax("The body must be a JSON object.")
        return data


def _bearer(request: HttpRequest) -> str:
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    return raw.strip() if scheme.lower() == "bearer" else ""


def _unauthorised() -> HttpResponse:
    response = documents.error_response(
        401, "Send a SCIM token from the admin console or `staffroom create_scim_token` as `Authorization: Bearer`."
    )
    response["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


def _domain_error(error: StaffroomError) -> HttpResponse:
    if isinstance(error, NotFound):
        return documents.error_response(404, "No such resource here.")
    if isinstance(error, RateLimited):
        response = documents.error_response(429, error.message)
        if error.retry_after is not None:
            response["Retry-After"] = str(error.retry_after)
        return response
    if isinstance(error, PermissionDenied):
        return documents.error_response(403, error.message)
    detail = f"{error.field}: {error.message}" if error.field else error.message
    return documents.error_response(400, detail, "invalidValue")


def endpoint(*methods: str) -> Callable[[View], View]:
    """Authenticate, limit, answer a wrong method with 405, and turn every error into SCIM's error shape."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            raw = _bearer(request)
            token = account_queries.scim_token(raw)
            if token is None:
                revoked = account_queries.revoked_scim_token(raw)
                if revoked is not None:  # the organisation is known: its audit log keeps the attempt
                    actor = ServiceActor(Service.SCIM, revoked.organisation_id)
                    audit.record_refusal(actor, status=401, method=request.method or "", path=request.path)
                return _unauthorised()
            if request.method not in methods:
                response = documents.error_response(405, f"{request.method} is not allowed here.")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                ratelimit.hit(
                    f"scim:{token.pk}",
                    limit=settings.STAFFROOM_SCIM_REQUESTS_PER_MINUTE,
                    window_seconds=60,
                    message="Too many SCIM requests with this token. Wait %(wait)s and try again.",
                )
                account_actions.note_scim_token_used(token)
                return view(Call(request, token), *args, **kwargs)
            except ScimError as error:
                return documents.error_response(error.status, error.detail, error.scim_type)
            except StaffroomError as error:
                return _domain_error(error)
            except IntegrityError:
                # Two requests created the same userName at once: the database kept one.
                return documents.error_response(409, "Another request made this at the same moment.", "uniqueness")
            except Exception as error:
                if admission.is_overload(error):
                    response = documents.error_response(503, "The server is busy. Try again in a few seconds.")
                    response["Retry-After"] = "5"
                    return response
                logger.exception("unhandled error in SCIM %s %s", request.method, request.path)
                return documents.error_response(500, "Something went wrong on our side. It has been logged.")

        return answer

    return decorate


# --- discovery --------------------------------------------------------------------------------------------


@endpoint("GET")
def service_provider_config(call: Call) -> HttpResponse:
    return documents.respond(discovery.service_provider_config(call.base))


@endpoint("GET")
def resource_types(call: Call, resource_type: str = "") -> HttpResponse:
    found = discovery.resource_types(call.base)
    if resource_type:
        for item in found:
            if item["id"] == resource_type:
                return documents.respond(item)
        raise errors.not_found(f"There is no resource type {resource_type[:80]!r}.")
    return documents.respond(documents.list_document(found, len(found), 1))


@endpoint("GET")
def schemas(call: Call, schema_id: str = "") -> HttpResponse:
    found = discovery.schemas(call.base, call.token.organisation)
    if schema_id:
        for item in found:
            if item["id"] == schema_id:
                return documents.respond(item)
        raise errors.not_found(f"There is no schema {schema_id[:120]!r}.")
    return documents.respond(documents.list_document(found, len(found), 1))


# --- listing and searching --------------------------------------------------------------------------------


def _paging(start_index: Any, count: Any) -> tuple[int, int]:
    """(startIndex, count) as RFC 7644 section 3.4.2.4 reads them: 1-based; below 1 is 1; count 0 to the limit."""

    def number(value: Any, name: str, default: int) -> int:
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise errors.invalid_value(f"{name} must be a whole number.") from None

    start = max(1, number(start_index, "startIndex", 1))
    size = min(max(0, number(count, "count", MAX_RESULTS)), MAX_RESULTS)
    return start, size


def _user_page(call: Call, q: Any, start: int, size: int) -> tuple[int, list[dict[str, Any]]]:
    people = queries.users(call.acting)
    if q is not None:
        people = queries.filtered(people, q)
    total = people.count()
    page = list(people[start - 1 : start - 1 + size]) if size else []
    return total, [documents.user_document(p, queries.user_record(p), call.base) for p in page]


def _group_page(call: Call, q: Any, start: int, size: int) -> tuple[int, list[dict[str, Any]]]:
    conversations = queries.groups(call.acting)
    if q is not None:
        conversations = queries.filtered(conversations, q)
    total = conversations.count()
    page = list(conversations[start - 1 : start - 1 + size]) if size else []
    return total, [documents.group_document(c, queries.member_ids(call.acting, c), call.base) for c in page]


PAGES = {"User": (_user_page, queries.USER_FIELDS), "Group": (_group_page, queries.GROUP_FIELDS)}


def _search(call: Call, kinds: list[str], parameters: dict[str, Any]) -> HttpResponse:
    start, size = _paging(parameters.get("startIndex"), parameters.get("count"))
    expression = parameters.get("filter")
    if expression is not None and not isinstance(expression, str):
        raise errors.invalid_filter("filter must be a string.")
    node = filters.parse(expression) if expression else None
    pages: list[tuple[Callable[..., tuple[int, list[dict[str, Any]]]], Any]] = []
    for kind in kinds:
        page, fields = PAGES[kind]
        if node is None:
            pages.append((page, None))
            continue
        try:
            pages.append((page, filters.to_q(node, fields)))
        except filters.Unknown as unknown:
            if len(kinds) == 1:
                names = ", ".join(sorted(fields))
                raise errors.invalid_filter(f"{unknown} cannot be filtered on here. Filterable: {names}.") from None
            # Searching several resource types, an attribute one of them lacks matches none of its resources.
    total, resources, offset, left = 0, [], start, size
    for page, q in pages:
        counted, found = page(call, q, offset, left)
        total += counted
        resources += found
        left -= len(found)
        offset = max(1, offset - counted)
    attributes, excluded = parameters.get("attributes"), parameters.get("excludedAttributes")
    resources = [documents.select(r, attributes, excluded) for r in resources]
    return documents.respond(documents.list_document(resources, total, start))


def _search_body(call: Call) -> dict[str, Any]:
    body = call.body()
    schemas_given = body.get("schemas")
    if schemas_given is not None and SEARCH_REQUEST not in schemas_given:
        raise errors.invalid_syntax(f"A search request's schemas are [{SEARCH_REQUEST!r}].")
    return body


@endpoint("POST")
def search_everything(call: Call) -> HttpResponse:
    return _search(call, ["User", "Group"], _search_body(call))


# --- users ------------------------------------------------------------------------------------------------


def _user(call: Call, person: Any, status: int = 200) -> HttpResponse:
    document = documents.user_document(person, queries.user_record(person), call.base)
    location = document["meta"]["location"] if status == 201 else None
    selected = documents.select(
        document, call.request.GET.get("attributes"), call.request.GET.get("excludedAttributes")
    )
    return documents.respond(selected, status, location=location)


@endpoint("GET", "POST")
def users(call: Call) -> HttpResponse:
    if call.request.method == "POST":
        record = mapping.user_from_document(call.body())
        return _user(call, actions.create_user(record, acting=call.acting, token=call.token), 201)
    return _search(call, ["User"], call.request.GET.dict())


@endpoint("POST")
def search_users(call: Call) -> HttpResponse:
    return _search(call, ["User"], _search_body(call))


@endpoint("GET", "PUT", "PATCH", "DELETE")
def user(call: Call, user_id: str) -> HttpResponse:
    method = call.request.method
    if method == "GET":
        return _user(call, queries.user(call.acting, user_id))
    if method == "DELETE":
        actions.remove_user(user_id, acting=call.acting)
        return documents.respond(None, 204)
    body = call.body()
    if method == "PUT":
        record = mapping.user_from_document(body)
        return _user(call, actions.change_user(user_id, lambda _: record, acting=call.acting, token=call.token))
    return _user(
        call,
        actions.change_user(user_id, lambda current: mapping.patch_user(current, body), acting=call.acting,
                            token=call.token),
    )  # fmt: skip


# --- groups -----------------------------------------------------------------------------------------------


def _group(call: Call, conversation: Any, status: int = 200) -> HttpResponse:
    document = documents.group_document(conversation, queries.member_ids(call.acting, conversation), call.base)
    location = document["meta"]["location"] if status == 201 else None
    selected = documents.select(
        document, call.request.GET.get("attributes"), call.request.GET.get("excludedAttributes")
    )
    return documents.respond(selected, status, location=location)


@endpoint("GET", "POST")
def groups(call: Call) -> HttpResponse:
    if call.request.method == "POST":
        record = mapping.group_from_document(call.body())
        return _group(call, actions.create_group(record, acting=call.acting), 201)
    return _search(call, ["Group"], call.request.GET.dict())


@endpoint("POST")
def search_groups(call: Call) -> HttpResponse:
    return _search(call, ["Group"], _search_body(call))


@endpoint("GET", "PUT", "PATCH", "DELETE")
def group(call: Call, group_id: str) -> HttpResponse:
    method = call.request.method
    if method == "GET":
        return _group(call, queries.group(call.acting, group_id))
    if method == "DELETE":
        actions.remove_group(group_id, acting=call.acting)
        return documents.respond(None, 204)
    body = call.body()
    if method == "PUT":
        record = mapping.group_from_document(body)
        return _group(call, actions.change_group(group_id, lambda _: record, acting=call.acting))
    return _group(
        call, actions.change_group(group_id, lambda current: mapping.patch_group(current, body), acting=call.acting)
    )


@endpoint("GET", "POST", "PUT", "PATCH", "DELETE")
def unknown(call: Call, rest: str = "") -> HttpResponse:
    raise errors.not_found(f"There is nothing at {call.request.path[:200]}. The service is described at /scim/v2/.")
