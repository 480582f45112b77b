"""Web pages, under the `web` namespace. Health probes, the API and allauth are wired in staffroom/urls.py."""

from django.urls import path

from staffroom.web.views import (
    admin_people,
    admin_register,
    admin_sign_in,
    announcements,
    compliance,
    conversation,
    externals,
    files,
    home,
    members,
    messages,
    profile,
    search,
)

app_name = "web"

message = "c/<int:conversation_id>/m/<int:message_id>/"
admin_person = "admin/people/<int:person_id>/"

urlpatterns = [
    path("", home.home, name="home"),
    path("sidebar", home.sidebar_fragment, name="sidebar"),
    path("conversations/new", home.new_conversation, name="new_conversation"),
    path("channels/<int:conversation_id>/join", home.join_channel, name="join_channel"),
    path("c/<int:conversation_id>/", conversation.conversation, name="conversation"),
    path("c/<int:conversation_id>/older", conversation.older, name="older"),
    path("c/<int:conversation_id>/composer", conversation.composer, name="composer"),
    path("c/<int:conversation_id>/send", conversation.send, name="send"),
    path("c/<int:conversation_id>/uploads/discard", conversation.discard_upload, name="discard_upload"),
    path("c/<int:conversation_id>/read", conversation.mark_read, name="mark_read"),
    path("c/<int:conversation_id>/members/", members.members, name="members"),
    path("c/<int:conversation_id>/members/add", members.add_member, name="add_member"),
    path("c/<int:conversation_id>/members/<int:person_id>/remove", members.remove_member, name="remove_member"),
    path("c/<int:conversation_id>/leave", members.leave, name="leave"),
    path("c/<int:conversation_id>/review", members.review_members, name="review_members"),
    path(message, messages.message, name="message"),
    path(message + "edit", messages.edit, name="edit_message"),
    path(message + "delete", messages.delete, name="delete_message"),
    path(message + "react", messages.react, name="react"),
    path(message + "receipt", messages.receipt, name="receipt"),
    path(message + "acknowledge", announcements.acknowledge, name="acknowledge"),
    path(message + "acknowledgements", announcements.acknowledgement_status, name="acknowledgements"),
    path(message + "remind", announcements.remind, name="remind"),
    path("search", search.search, name="search"),
    path("profile", profile.profile, name="profile"),
    path("files/<uuid:attachment_id>/", files.attachment, name="attachment"),
    # The admin console (Django's own admin site is not mounted: /admin/ is this console alone).
    path("admin/", admin_people.people, name="admin"),
    path("admin/people/", admin_people.people_again, name="admin_people"),
    path("admin/people/new", admin_people.person_new, name="admin_person_new"),
    path(admin_person, admin_people.person, name="admin_person"),
    path(admin_person + "change", admin_people.change, name="admin_person_change"),
    path(admin_person + "end-sessions", admin_people.end_sessions, name="admin_person_end_sessions"),
    path(admin_person + "deactivate", admin_people.deactivate, name="admin_person_deactivate"),
    path(admin_person + "restore", admin_people.restore, name="admin_person_restore"),
    path(admin_person + "sign-in-link", admin_people.sign_in_link, name="admin_person_sign_in_link"),
    path("admin/groups/", admin_register.groups, name="admin_groups"),
    path("admin/groups.csv", admin_register.groups_csv, name="admin_groups_csv"),
    path("admin/groups/<int:conversation_id>/", admin_register.group, name="admin_group"),
    path("admin/groups/<int:conversation_id>/members/add", admin_register.add_member, name="admin_group_add_member"),
    path(
        "admin/groups/<int:conversation_id>/members/<int:person_id>/remove",
        admin_register.remove_member,
        name="admin_group_remove_member",
    ),
    path("admin/sign-in/", admin_sign_in.sign_in_settings, name="admin_sign_in"),
    path("admin/sign-in/second-factor", admin_sign_in.second_factor, name="admin_sign_in_second_factor"),
    path("admin/sign-in/reset-second-factor", admin_sign_in.reset_second_factor, name="admin_sign_in_reset"),
    path("admin/sign-in/<str:kind>", admin_sign_in.provider, name="admin_sign_in_provider"),
    path("externals/new", externals.request_external, name="externals"),
    path("admin/externals/", externals.decide_list, name="admin_externals"),
    path(
        "admin/externals/<int:request_id>/<str:decision>",
        externals.decide,
        name="admin_external_decide",
    ),
    path("compliance/", compliance.audit_page, name="compliance"),
    path("compliance/audit/", compliance.audit_page, name="compliance_audit"),
    path("compliance/audit.csv", compliance.audit_download, name="compliance_audit_csv"),
    path("compliance/audit/verify", compliance.audit_verify, name="compliance_audit_verify"),
]
