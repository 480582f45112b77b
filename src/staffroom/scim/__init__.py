"""SCIM 2.0 provisioning (RFC 7643/7644) at /scim/v2/: the school's identity provider adds, changes and ends
staff, and keeps groups as conversations. See docs/operations.md, "SCIM provisioning"."""
