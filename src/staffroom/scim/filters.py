"""SCIM filters (RFC 7644 section 3.4.2.2) as database queries.

scim2-models reads the filter's grammar; this turns its tree into a Django `Q` over the fields each attribute
is kept in. Strings compare without regard to case except where the schema says otherwise (externalId, ids).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.dateparse import parse_datetime
from scim2_models import SCIMException, ScimFilter
from scim2_models.path.expressions import Comparison, FilterNode, LogicalExpr, Not, Present, ValuePath

from staffroom.scim import errors


@dataclass(frozen=True)
class Field:
    """Where an attribute is kept, and how it compares."""

    lookup: str
    kind: str = "string"  # string, boolean, id or date
    case_exact: bool = False


class Unknown(Exception):
    """The filter names an attribute this resource type does not have."""


_STRING_LOOKUPS = {"eq": "exact", "co": "contains", "sw": "startswith", "ew": "endswith"}
_ORDER_LOOKUPS = {"gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}


def parse(expression: str) -> FilterNode:
    try:
        return ScimFilter(expression).ast
    except SCIMException as error:
        raise errors.invalid_filter(f"The filter cannot be read: {error}.") from None


def _name(attr_path: object, fields: dict[str, Field], prefix: str = "") -> str:
    attr = getattr(attr_path, "attr", "")
    sub_attr = getattr(attr_path, "sub_attr", None)
    name = f"{prefix}{attr}" + (f".{sub_attr}" if sub_attr else "")
    return name.lower()


def _field(name: str, fields: dict[str, Field]) -> Field:
    found = fields.get(name)
    if found is None:
        raise Unknown(name)
    return found


def _comparison(node: Comparison, field: Field, name: str) -> Q:
    op, value = node.op.value, node.value
    if field.kind == "boolean":
        if op not in ("eq", "ne") or not isinstance(value, bool):
            raise errors.invalid_filter(f"{name} is true or false: compare it with eq or ne.")
        q = Q(**{field.lookup: value})
        return ~q if op == "ne" else q
    if field.kind == "id":
        if op not in ("eq", "ne"):
            raise errors.invalid_filter(f"{name} is compared with eq or ne.")
        q = Q(**{field.lookup: str(value)})
        return ~q if op == "ne" else q
    if field.kind == "date":
        when = parse_datetime(value) if isinstance(value, str) else None
        if when is None or op not in ("eq", "gt", "ge", "lt", "le"):
            raise errors.invalid_filter(f"{name} is a date and time: compare it with eq, gt, ge, lt or le.")
        return Q(**{f"{field.lookup}__{_ORDER_LOOKUPS.get(op, 'exact')}": when})
    if value is None:
        # "eq null" is "not present" (RFC 7644 section 3.4.2.2 defines pr; null is its absence).
        absent = Q(**{field.lookup: ""}) | Q(**{f"{field.lookup}__isnull": True})
        if op == "eq":
            return absent
        if op == "ne":
            return ~absent
    if not isinstance(value, str):
        raise errors.invalid_filter(f"{name} is a string: compare it with a quoted value.")
    if op == "ne":
        return ~_comparison(Comparison(node.attr_path, type(node.op)("eq"), value), field, name)
    prefix = "" if field.case_exact else "i"
    if op in _STRING_LOOKUPS:
        return Q(**{f"{field.lookup}__{prefix}{_STRING_LOOKUPS[op]}": value})
    if op in _ORDER_LOOKUPS:
        return Q(**{f"{field.lookup}__{_ORDER_LOOKUPS[op]}": value})
    raise errors.invalid_filter(f"The operator {op} is not supported.")  # pragma: no cover


def to_q(node: FilterNode, fields: dict[str, Field]) -> Q:
    """The filter as a Q over the fields given; raises Unknown for an attribute not among them."""
    if isinstance(node, LogicalExpr):
        terms = [to_q(term, fields) for term in node.terms]
        combined = terms[0]
        for term in terms[1:]:
            combined = combined & term if node.op.value == "and" else combined | term
        return combined
    if isinstance(node, Not):
        return ~to_q(node.expr, fields)
    if isinstance(node, Present):
        name = _name(node.attr_path, fields)
        field = _field(name, fields)
        if field.kind in ("boolean", "id", "date"):
            return Q(**{f"{field.lookup}__isnull": False})
        return ~Q(**{field.lookup: ""}) & Q(**{f"{field.lookup}__isnull": False})
    if isinstance(node, Comparison):
        name = _name(node.attr_path, fields)
        return _comparison(node, _field(name, fields), name)
    if isinstance(node, ValuePath):
        # members[value eq "12"], roles[value eq "teacher"]: the value filter applies to the attribute's values.
        prefix = f"{node.attr_path.attr}."
        inner = {key[len(prefix.lower()) :]: field for key, field in fields.items() if key.startswith(prefix.lower())}
        return to_q(node.val_filter, inner)
    raise errors.invalid_filter("This filter is not supported.")  # pragma: no cover


def where(expression: str, fields: dict[str, Field]) -> Q:
    """The Q for one resource type; an attribute it does not have is an error the client should hear of."""
    try:
        return to_q(parse(expression), fields)
    except Unknown as unknown:
        names = ", ".join(sorted(fields))
        raise errors.invalid_filter(f"{unknown} cannot be filtered on here. Filterable: {names}.") from None
