"""The JSON documents SCIM answers with: users, groups, lists and errors (RFC 7643, RFC 7644 section 3).

A user shows the directory's record (scim/actions.py `user_record`) and whether the person is active now; a
group, its title and the members SCIM shows. Never a phone number, an address, a photo or a personal email.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse

from staffroom.accounts.models import Person
from staffroom.messaging.models import Conversation
from staffroom.scim.discovery import ERROR, GROUP, LIST_RESPONSE, STAFFROOM_USER, USER
from staffroom.scim.mapping import NAME_PARTS, UserRecord

CONTENT_TYPE = "application/scim+json"
ALWAYS_RETURNED = ("schemas", "id")


def _time(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z")


def user_document(person: Person, record: UserRecord, base: str) -> dict[str, Any]:
    link = getattr(person, "scim", None)
    document: dict[str, Any] = {"schemas": [USER], "id": str(person.pk)}
    if record.external_id:
        document["externalId"] = record.external_id
    document["userName"] = record.user_name
    name = {part: record.name[part] for part in NAME_PARTS if record.name.get(part)}
    if name:
        document["name"] = name
    if record.display_name:
        document["displayName"] = record.display_name
    document["active"] = person.is_active
    if record.roles:
        document["roles"] = [{"value": code} for code in record.roles]
    if record.school:
        document["schemas"].append(STAFFROOM_USER)
        document[STAFFROOM_USER] = {"school": record.school}
    document["meta"] = {
        "resourceType": "User",
        "created": _time(person.created_at),
        "lastModified": _time(link.updated_at if link else person.created_at),
        "location": f"{base}/Users/{person.pk}",
    }
    return document


def group_document(conversation: Conversation, member_ids: list[int], base: str) -> dict[str, Any]:
    link = conversation.scim
    document: dict[str, Any] = {"schemas": [GROUP], "id": str(link.pk)}
    if link.external_id:
        document["externalId"] = link.external_id
    document["displayName"] = conversation.title
    if member_ids:
        document["members"] = [
            {"value": str(i), "$ref": f"{base}/Users/{i}", "type": "User"} for i in sorted(member_ids)
        ]
    document["meta"] = {
        "resourceType": "Group",
        "created": _time(link.created_at),
        "lastModified": _time(link.updated_at),
        "location": f"{base}/Groups/{link.pk}",
    }
    return document


def _names(values: str | list[str] | None) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = values.split(",")
    return [v.strip().lower() for v in values if isinstance(v, str) and v.strip()]


def _split(name: str, document: dict[str, Any]) -> tuple[str, str | None]:
    """(top-level attribute, sub-attribute) of a requested name, its schema's URN taken off."""
    for schema in document.get("schemas", []):
        if name == schema.lower():
            return schema.lower(), None
        if name.startswith(schema.lower() + ":"):
            name = name[len(schema) + 1 :]
            if schema != document["schemas"][0]:
                return schema.lower(), name
    top, _, sub = name.partition(".")
    return top, sub or None


def select(document: dict[str, Any], attributes: Any = None, excluded: Any = None) -> dict[str, Any]:
    """Honour `attributes` (only these, with id and schemas) or `excludedAttributes` (all but these)."""
    wanted, unwanted = _names(attributes), _names(excluded)
    if not wanted and not unwanted:
        return document
    keys = {key.lower(): key for key in document}
    if wanted:
        kept: dict[str, Any] = {key: document[key] for key in ALWAYS_RETURNED if key in document}
        for name in wanted:
            top, sub = _split(name, document)
            key = keys.get(top)
            if key is None:
                continue
            value = document[key]
            if sub is None or not isinstance(value, dict):
                kept[key] = value
            else:
                parts = {k: v for k, v in value.items() if k.lower() == sub}
                kept[key] = {**kept.get(key, {}), **parts}
        return kept
    trimmed = dict(document)
    for name in unwanted:
        top, sub = _split(name, document)
        key = keys.get(top)
        if key is None or key in ALWAYS_RETURNED:
            continue
        if sub is None:
            trimmed.pop(key, None)
        elif isinstance(trimmed.get(key), dict):
            trimmed[key] = {k: v for k, v in trimmed[key].items() if k.lower() != sub}
    return trimmed


def list_document(resources: list[dict[str, Any]], total: int, start_index: int) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def respond(document: dict[str, Any] | None, status: int = 200, *, location: str | None = None) -> HttpResponse:
    if document is None:
        response = HttpResponse(status=status)
    else:
        response = JsonResponse(document, status=status, content_type=CONTENT_TYPE)
    if location:
        response["Location"] = location
    return response


def error_response(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    document: dict[str, Any] = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        document["scimType"] = scim_type
    return respond(document, status)
