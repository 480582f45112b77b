"""SCIM 2.0 at /scim/v2/ (RFC 7644). Paths are as the RFC names them, with or without a trailing slash."""

from django.urls import re_path

from staffroom.scim import views

urlpatterns = [
    re_path(r"^ServiceProviderConfig/?$", views.service_provider_config),
    re_path(r"^ResourceTypes/?$", views.resource_types),
    re_path(r"^ResourceTypes/(?P<resource_type>[^/]+)/?$", views.resource_types),
    re_path(r"^Schemas/?$", views.schemas),
    re_path(r"^Schemas/(?P<schema_id>[^/]+)/?$", views.schemas),
    re_path(r"^\.search/?$", views.search_everything),
    re_path(r"^Users/?$", views.users),
    re_path(r"^Users/\.search/?$", views.search_users),
    re_path(r"^Users/(?P<user_id>[^/]+)/?$", views.user),
    re_path(r"^Groups/?$", views.groups),
    re_path(r"^Groups/\.search/?$", views.search_groups),
    re_path(r"^Groups/(?P<group_id>[^/]+)/?$", views.group),
    re_path(r"^(?P<rest>.*)$", views.unknown),
]
