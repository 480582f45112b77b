"""SCIM documents to and from the directory's record of a person or a group, and PATCH.

A request body (POST, PUT) becomes a `UserRecord` or `GroupRecord`; a PATCH is applied to the current record
and gives the next one. The actions (scim/actions.py) turn a record into changes to Staffroom. Attribute names
are matched without regard to case (RFC 7643 section 2.1), with or without their schema's URN.

Only the attributes in scim/discovery.py are kept. Anything else a directory sends (phoneNumbers, addresses,
photos, ims, emails, the enterprise extension...) is accepted and ignored: it is never stored nor returned
(DESIGN.md invariant 3). What Entra ID sends is accepted as it sends it: "Replace" in capitals, "True"/"False"
as strings, operations without a path whose value holds "name.givenName"-style keys, and a "remove" of
members that names them in its value.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from scim2_models import Path, SCIMException
from scim2_models.path.expressions import AttrPath, Comparison, FilterNode, LogicalExpr, Not, Present, ValuePath

from staffroom.accounts.models import Role
from staffroom.scim import errors
from staffroom.scim.discovery import GROUP, SCIM_ROLES, STAFFROOM_USER, USER

NAME_PARTS = ("formatted", "familyName", "givenName")
_NAME_PARTS = {part.lower(): part for part in NAME_PARTS}
_ROLE_NAMES = {
    **{code: code for code in SCIM_ROLES},
    **{str(Role(code).label).lower().replace(" ", "_").replace("-", "_"): code for code in SCIM_ROLES},
}


@dataclass
class UserRecord:
    """A person as the directory describes them (see scim/models.py, ScimUser)."""

    user_name: str
    active: bool = True
    external_id: str = ""
    display_name: str = ""
    name: dict[str, str] = field(default_factory=dict)
    roles: list[str] | None = None
    school: str | None = None


@dataclass
class GroupRecord:
    display_name: str
    external_id: str = ""
    # SCIM ids of the users in the group, in order, without repeats.
    members: list[str] = field(default_factory=list)


# --- values -----------------------------------------------------------------------------------------------


def _text(value: Any, attribute: str, *, limit: int = 200) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise errors.invalid_value(f"{attribute} must be a string.")
    value = value.strip()
    if len(value) > limit:
        raise errors.invalid_value(f"{attribute} can be at most {limit} characters.")
    return value


def _boolean(value: Any, attribute: str) -> bool:
    # Entra ID sends "True" and "False" as strings in PATCH operations.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise errors.invalid_value(f"{attribute} must be true or false.")


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _item_value(item: Any, attribute: str) -> str:
    if isinstance(item, dict):
        found = {key.lower(): v for key, v in item.items()}.get("value")
        if isinstance(found, str | int) and not isinstance(found, bool):
            return str(found).strip()
    elif isinstance(item, str | int) and not isinstance(item, bool):
        return str(item).strip()
    raise errors.invalid_value(f"Each of {attribute} needs a value.")


def role_code(value: str) -> str:
    """A Staffroom role from its code or its name, as an app role's value may hold either ("teacher", "Teacher",
    "IT admin", "it_admin")."""
    code = _ROLE_NAMES.get(value.strip().lower().replace(" ", "_").replace("-", "_"))
    if code is None:
        allowed = ", ".join(SCIM_ROLES)
        raise errors.invalid_value(f"{value[:40]!r} is not a role the directory can give. Roles: {allowed}.")
    return code


def _roles(value: Any) -> list[str] | None:
    codes: list[str] = []
    for item in _items(value):
        code = role_code(_item_value(item, "roles"))
        if code not in codes:
            codes.append(code)
    return codes or None


def _name(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise errors.invalid_value('name must be an object, e.g. {"givenName": ..., "familyName": ...}.')
    parts: dict[str, str] = {}
    for key, part in value.items():
        canonical = _NAME_PARTS.get(key.lower())
        if canonical is not None and (text := _text(part, f"name.{canonical}", limit=150)):
            parts[canonical] = text
    return parts


def _members(value: Any) -> list[str]:
    ids: list[str] = []
    for item in _items(value):
        member = _item_value(item, "members")
        if member not in ids:
            ids.append(member)
    return ids


# --- whole documents (POST, PUT) --------------------------------------------------------------------------


def _lowered(body: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The body's attributes by lower-cased name, their schema's URN taken off."""
    found: dict[str, Any] = {}
    for key, value in body.items():
        name = key.lower()
        if name.startswith(prefix.lower() + ":"):
            name = name[len(prefix) + 1 :]
        found[name] = value
    return found


def user_from_document(body: dict[str, Any]) -> UserRecord:
    """The record a POST or PUT describes; what it leaves out is unassigned (RFC 7644 section 3.5.1)."""
    attributes = _lowered(body, USER)
    user_name = _text(attributes.get("username"), "userName", limit=254).lower()
    if not user_name:
        raise errors.invalid_value("userName is required: the school email address the person signs in with.")
    extension = attributes.get(STAFFROOM_USER.lower())
    school = None
    if extension is not None:
        if not isinstance(extension, dict):
            raise errors.invalid_value(f"{STAFFROOM_USER} must be an object.")
        school = _text(_lowered(extension, STAFFROOM_USER).get("school"), "school") or None
    return UserRecord(
        user_name=user_name,
        active=_boolean(attributes["active"], "active") if attributes.get("active") is not None else True,
        external_id=_text(attributes.get("externalid"), "externalId"),
        display_name=_text(attributes.get("displayname"), "displayName", limit=150),
        name=_name(attributes.get("name")),
        roles=_roles(attributes.get("roles")),
        school=school,
    )


def group_from_document(body: dict[str, Any]) -> GroupRecord:
    attributes = _lowered(body, GROUP)
    display_name = _text(attributes.get("displayname"), "displayName", limit=120)
    if not display_name:
        raise errors.invalid_value("displayName is required: it becomes the conversation's title.")
    return GroupRecord(
        display_name=display_name,
        external_id=_text(attributes.get("externalid"), "externalId"),
        members=_members(attributes.get("members")),
    )


# --- PATCH ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    attribute: str  # lower-cased, without its URN: "username", "name", "school", "members"...
    sub_attribute: str | None = None
    value_filter: FilterNode | None = None
    whole_extension: bool = False


def _target(path: str, core: str, extensions: Iterable[str]) -> _Target | None:
    """Where a PATCH path points; None for an attribute of another schema (ignored)."""
    bare = path.strip()
    if bare.lower() in (e.lower() for e in extensions):
        return _Target(attribute=bare.lower(), whole_extension=True)
    try:
        node = Path(bare).ast
    except SCIMException as error:
        raise errors.invalid_path(f"The path {bare[:80]!r} cannot be read: {error}.") from None
    value_filter = None
    sub_attribute = None
    if isinstance(node, ValuePath):
        value_filter = node.val_filter
        sub_attribute = node.sub_attr
        node = node.attr_path
    if not isinstance(node, AttrPath):  # pragma: no cover - the grammar gives one of the two
        raise errors.invalid_path(f"The path {bare[:80]!r} does not name an attribute.")
    uri = (node.uri or core).lower()
    if uri not in (core.lower(), *(e.lower() for e in extensions)):
        return None
    return _Target(
        attribute=node.attr.lower(),
        sub_attribute=(node.sub_attr or sub_attribute or None),
        value_filter=value_filter,
    )


def _operations(body: dict[str, Any]) -> list[dict[str, Any]]:
    operations = {key.lower(): value for key, value in body.items()}.get("operations")
    if not isinstance(operations, list) or not operations:
        raise errors.invalid_syntax('A PATCH needs "Operations": a list of {"op", "path", "value"}.')
    found = []
    for operation in operations:
        if not isinstance(operation, dict):
            raise errors.invalid_syntax('Each operation is an object: {"op", "path", "value"}.')
        lowered = {key.lower(): value for key, value in operation.items()}
        op = lowered.get("op")
        if not isinstance(op, str) or op.lower() not in ("add", "replace", "remove"):
            raise errors.invalid_syntax("Each operation's op is add, replace or remove.")
        path = lowered.get("path")
        if path is not None and not isinstance(path, str):
            raise errors.invalid_path("path must be a string.")
        found.append({"op": op.lower(), "path": path or None, "value": lowered.get("value")})
    return found


def _matches(item: dict[str, Any], node: FilterNode) -> bool:
    """Whether one value of a multi-valued attribute (roles, members) matches a value filter."""
    if isinstance(node, LogicalExpr):
        results = (_matches(item, term) for term in node.terms)
        return all(results) if node.op.value == "and" else any(results)
    if isinstance(node, Not):
        return not _matches(item, node.expr)
    if isinstance(node, Present):
        return item.get(node.attr_path.attr.lower()) not in (None, "")
    if isinstance(node, Comparison):
        actual = item.get(node.attr_path.attr.lower())
        if actual is None:
            return False
        left, right = str(actual).lower(), str(node.value).lower()
        checks: dict[str, Callable[[], bool]] = {
            "eq": lambda: left == right,
            "ne": lambda: left != right,
            "co": lambda: right in left,
            "sw": lambda: left.startswith(right),
            "ew": lambda: left.endswith(right),
        }
        if node.op.value not in checks:
            raise errors.invalid_filter("Values of a multi-valued attribute are compared with eq, ne, co, sw, ew.")
        return checks[node.op.value]()
    raise errors.invalid_filter("This value filter is not supported.")  # pragma: no cover


def _without(values: list[str], node: FilterNode, as_item: Callable[[str], dict[str, Any]]) -> list[str]:
    kept = [value for value in values if not _matches(as_item(value), node)]
    if len(kept) == len(values):
        raise errors.no_target("No value matches the path's filter.")
    return kept


def _set_user_attribute(record: UserRecord, op: str, target: _Target, value: Any) -> None:
    attribute = target.attribute
    removing = op == "remove"
    if target.whole_extension:
        if target.attribute == STAFFROOM_USER.lower():
            if removing:
                record.school = None
            elif isinstance(value, dict):
                for key, part in value.items():
                    _set_user_attribute(record, op, _Target(attribute=key.lower()), part)
            else:
                raise errors.invalid_value(f"{STAFFROOM_USER} must be an object.")
        return
    if attribute == "username":
        if removing:
            raise errors.mutability("userName is required and cannot be removed.")
        user_name = _text(value, "userName", limit=254).lower()
        if not user_name:
            raise errors.invalid_value("userName cannot be empty.")
        record.user_name = user_name
    elif attribute == "active":
        if removing:
            raise errors.mutability("active is required and cannot be removed; set it to false to end access.")
        record.active = _boolean(value, "active")
    elif attribute == "externalid":
        record.external_id = "" if removing else _text(value, "externalId")
    elif attribute == "displayname":
        record.display_name = "" if removing else _text(value, "displayName", limit=150)
    elif attribute == "name":
        if target.sub_attribute is not None:
            part = _NAME_PARTS.get(target.sub_attribute.lower())
            if part is None:
                return  # middleName, honorifics: not kept
            text = "" if removing else _text(value, f"name.{part}", limit=150)
            record.name = {k: v for k, v in record.name.items() if k != part} | ({part: text} if text else {})
        elif removing:
            record.name = {}
        else:
            # add and replace both merge the parts given with those there (RFC 7644 section 3.5.2).
            record.name = {**record.name, **_name(value)}
    elif attribute == "roles":
        current = record.roles or []
        if removing:
            if target.value_filter is not None:
                record.roles = _without(current, target.value_filter, lambda code: {"value": code}) or None
            elif value is not None:
                taken = set(_roles(value) or [])
                record.roles = [code for code in current if code not in taken] or None
            else:
                record.roles = None
            return
        given = _roles(value) or []
        if op == "replace" and target.value_filter is None:
            record.roles = given or None
        else:
            if target.value_filter is not None:
                current = [c for c in current if not _matches({"value": c}, target.value_filter)]
            record.roles = [*current, *(code for code in given if code not in current)] or None
    elif attribute == "school":
        record.school = None if removing else (_text(value, "school") or None)
    # Anything else (emails, phoneNumbers, addresses, photos, title, ...) is ignored: never stored.


def _set_group_attribute(record: GroupRecord, op: str, target: _Target, value: Any) -> None:
    attribute = target.attribute
    removing = op == "remove"
    if attribute == "displayname":
        if removing:
            raise errors.mutability("displayName is required and cannot be removed.")
        title = _text(value, "displayName", limit=120)
        if not title:
            raise errors.invalid_value("displayName cannot be empty.")
        record.display_name = title
    elif attribute == "externalid":
        record.external_id = "" if removing else _text(value, "externalId")
    elif attribute == "members":
        if removing:
            if target.value_filter is not None:
                record.members = _without(record.members, target.value_filter, _member_item)
            elif value is not None:
                # Entra ID removes members by naming them in the value rather than in the path.
                taken = set(_members(value))
                record.members = [m for m in record.members if m not in taken]
            else:
                record.members = []
            return
        given = _members(value)
        if op == "replace" and target.value_filter is None:
            record.members = given
        else:
            current = record.members
            if target.value_filter is not None:
                current = [m for m in current if not _matches(_member_item(m), target.value_filter)]
            record.members = [*current, *(m for m in given if m not in current)]


def _member_item(member_id: str) -> dict[str, Any]:
    return {"value": member_id, "type": "User"}


def _apply(
    record: Any, body: dict[str, Any], core: str, extensions: tuple[str, ...], setter: Callable[..., None]
) -> Any:
    record = dataclasses.replace(record)
    if isinstance(record, UserRecord):
        record.name = dict(record.name)
    for operation in _operations(body):
        op, path, value = operation["op"], operation["path"], operation["value"]
        if path is None:
            if op == "remove":
                raise errors.no_target("A remove needs a path: the attribute to remove.")
            if not isinstance(value, dict):
                raise errors.invalid_value("An operation without a path takes an object of attributes as its value.")
            for key, part in value.items():
                if key.lower() == "schemas":
                    continue
                target = _target(key, core, extensions)
                if target is not None:
                    setter(record, op, target, part)
            continue
        target = _target(path, core, extensions)
        if target is not None:
            setter(record, op, target, value)
    return record


def patch_user(record: UserRecord, body: dict[str, Any]) -> UserRecord:
    """The record after a PATCH's operations, applied in order (all or nothing: the caller saves the result)."""
    patched: UserRecord = _apply(record, body, USER, (STAFFROOM_USER,), _set_user_attribute)
    return patched


def patch_group(record: GroupRecord, body: dict[str, Any]) -> GroupRecord:
    patched: GroupRecord = _apply(record, body, GROUP, (), _set_group_attribute)
    return patched
