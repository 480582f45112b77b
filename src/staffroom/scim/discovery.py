"""What Staffroom's SCIM service says about itself (RFC 7644 section 4): its configuration, its resource types
and the schemas of exactly the attributes it keeps.

The User and Group schemas list only what Staffroom stores and returns. Everything else a directory may send
(phoneNumbers, addresses, photos, ims, personal emails, the enterprise extension...) is accepted and ignored,
never stored (DESIGN.md invariant 3), so it is not offered here either.
"""

from __future__ import annotations

from typing import Any

from scim2_models import Context, ResourceType, Schema, ServiceProviderConfig

from staffroom.accounts.models import Organisation, Role

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
STAFFROOM_USER = "urn:staffroom:scim:schemas:extension:2.0:User"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

# Roles a directory may give: staff and governors. Pupils come from the roster (OneRoster) and externals
# through a sponsor's approved request, never from SCIM.
SCIM_ROLES = tuple(r.value for r in Role if r not in (Role.PUPIL, Role.EXTERNAL))
MAX_RESULTS = 200


def _attribute(
    name: str,
    description: str,
    *,
    type: str = "string",
    multi_valued: bool = False,
    required: bool = False,
    case_exact: bool = False,
    mutability: str = "readWrite",
    returned: str = "default",
    uniqueness: str = "none",
    canonical_values: list[str] | None = None,
    reference_types: list[str] | None = None,
    sub_attributes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "name": name,
        "type": type,
        "multiValued": multi_valued,
        "description": description,
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": returned,
        "uniqueness": uniqueness,
    }
    if canonical_values:
        attribute["canonicalValues"] = canonical_values
    if reference_types:
        attribute["referenceTypes"] = reference_types
    if sub_attributes:
        attribute["subAttributes"] = sub_attributes
    return attribute


def _schema(schema_id: str, name: str, description: str, attributes: list[dict[str, Any]], location: str):
    return {
        "schemas": [SCHEMA],
        "id": schema_id,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": f"{location}/Schemas/{schema_id}"},
    }


def user_schema(location: str) -> dict[str, Any]:
    return _schema(
        USER,
        "User",
        "A member of staff or governor. Identity is name, role and school: no contact details are kept.",
        [
            _attribute(
                "userName",
                "The school email address the person signs in with (lower-cased). Without '@', the token's "
                "domain completes it.",
                required=True,
                uniqueness="server",
            ),
            _attribute(
                "name",
                "The person's name as the directory holds it.",
                type="complex",
                sub_attributes=[
                    _attribute("formatted", "The full name, as shown."),
                    _attribute("familyName", "The family name."),
                    _attribute("givenName", "The given name."),
                ],
            ),
            _attribute("displayName", "The name Staffroom shows; if absent, name.formatted, then given and family."),
            _attribute(
                "active",
                "false ends the person's access at once: sessions, tokens and open connections (a leaver). "
                "true restores it.",
                type="boolean",
                required=True,
            ),
            _attribute(
                "roles",
                "Staffroom roles the directory manages. Absent: Staffroom's admins keep the person's roles "
                "(a new person starts as a teacher).",
                type="complex",
                multi_valued=True,
                sub_attributes=[
                    _attribute("value", "A Staffroom role code.", canonical_values=list(SCIM_ROLES)),
                ],
            ),
        ],
        location,
    )


def staffroom_user_schema(location: str, organisation: Organisation) -> dict[str, Any]:
    schools = list(organisation.schools.order_by("name").values_list("name", flat=True))
    return _schema(
        STAFFROOM_USER,
        "StaffroomUser",
        "Where a person works in the organisation.",
        [
            _attribute(
                "school",
                "The name of the person's school. Absent: Staffroom's admins keep it (a new person goes to the "
                "token's default school, or the organisation's only school).",
                canonical_values=schools,
            )
        ],
        location,
    )


def group_schema(location: str) -> dict[str, Any]:
    return _schema(
        GROUP,
        "Group",
        "A group of the directory, kept as a private group conversation of the organisation with these members.",
        [
            _attribute("displayName", "The conversation's title.", required=True),
            _attribute(
                "members",
                "The people in the conversation (staff and governors only: never pupils).",
                type="complex",
                multi_valued=True,
                sub_attributes=[
                    _attribute("value", "The id of a User.", mutability="immutable"),
                    _attribute(
                        "$ref",
                        "The URI of the User.",
                        type="reference",
                        reference_types=["User"],
                        mutability="immutable",
                        case_exact=True,
                    ),
                    _attribute(
                        "type", "Always User: groups do not nest.", canonical_values=["User"], mutability="immutable"
                    ),
                ],
            ),
        ],
        location,
    )


def _core_schema(model: Any, location: str) -> dict[str, Any]:
    schema: Schema = model.to_schema()
    dumped: dict[str, Any] = schema.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    dumped["meta"] = {"resourceType": "Schema", "location": f"{location}/Schemas/{schema.id}"}
    return dumped


def schemas(location: str, organisation: Organisation) -> list[dict[str, Any]]:
    return [
        user_schema(location),
        staffroom_user_schema(location, organisation),
        group_schema(location),
        _core_schema(ServiceProviderConfig, location),
        _core_schema(ResourceType, location),
        _core_schema(Schema, location),
    ]


def resource_types(location: str) -> list[dict[str, Any]]:
    return [
        {
            "schemas": [RESOURCE_TYPE],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "Staff and governors of the organisation",
            "schema": USER,
            "schemaExtensions": [{"schema": STAFFROOM_USER, "required": False}],
            "meta": {"resourceType": "ResourceType", "location": f"{location}/ResourceTypes/User"},
        },
        {
            "schemas": [RESOURCE_TYPE],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "Groups kept as private group conversations",
            "schema": GROUP,
            "meta": {"resourceType": "ResourceType", "location": f"{location}/ResourceTypes/Group"},
        },
    ]


def service_provider_config(location: str) -> dict[str, Any]:
    return {
        "schemas": [CONFIG],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        # No ETags: a directory's change simply replaces the last one (the directory is the source of truth).
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A SCIM token from the admin console or `staffroom create_scim_token`, sent as "
                "Authorization: Bearer <token>.",
                "primary": True,
            }
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": f"{location}/ServiceProviderConfig"},
    }
