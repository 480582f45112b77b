"""The group register in the API: /admin/conversations for IT admins, headteachers and the DPO, never a message."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from staffroom.api import admin_register
from staffroom.compliance.models import AuditEntry
from staffroom.messaging import actions
from staffroom.messaging.models import Conversation, Membership
from staffroom.messaging.payloads import member_payload, register_payload
from staffroom.messaging.queries import register_entry
from tests.api.conftest import ApiClient, error_of

pytestmark = pytest.mark.django_db

# DESIGN.md fixes these names; more may be added, none renamed.
REGISTER_KEYS = {
    "id",
    "kind",
    "title",
    "school",
    "owners",
    "member_count",
    "external_count",
    "created_at",
    "last_activity_at",
    "last_reviewed_at",
}
MEMBER_KEYS = {"id", "name", "roles", "school", "external", "active", "membership_role"}
# The CSV's columns, in order.
CSV_HEADER = [
    "id",
    "kind",
    "title",
    "school",
    "owners",
    "member_count",
    "external_count",
    "created_at",
    "last_activity_at",
    "last_reviewed_at",
    "archived",
]
SECRET = "The password for the minibus booking site is in the drawer"


def listed(person, **params):
    response = ApiClient(person).get("/admin/conversations", params)
    assert response.status_code == 200, response.content
    return response.json()


def listed_ids(person, **params):
    return [item["id"] for item in listed(person, **params)["items"]]


def csv_of(person, **params):
    """The CSV download (ApiClient insists on JSON answers, so this goes round it)."""
    client = ApiClient(person)
    return client.client.get("/api/v1/admin/conversations.csv", params, headers=client.headers)


def trust_wide_channel(world):
    return actions.create_conversation(
        acting=world.admin, kind="channel", title="All staff", member_ids=[world.teacher.pk], trust_wide=True
    )


def primary_group(world):
    group = world.group(world.other_teacher, by=world.admin, title="Primary leads")
    Conversation.objects.filter(pk=group.pk).update(school=world.other_school)
    return group


# --- who sees what ----------------------------------------------------------------------------------------


def test_an_it_admin_sees_every_conversation_even_those_they_are_not_in(world):
    group = world.group(world.teacher2, world.external)
    klass = world.class_channel()
    direct = actions.create_conversation(acting=world.teacher, kind="direct", member_ids=[world.ta.pk])
    trust = trust_wide_channel(world)
    primary = primary_group(world)
    world.group(by=world.outsider, title="Elsewhere")
    body = listed(world.admin)
    assert body["next"] is None
    assert {item["id"] for item in body["items"]} == {group.pk, klass.pk, direct.pk, trust.pk, primary.pk}
    item = next(i for i in body["items"] if i["id"] == group.pk)
    assert set(item) >= REGISTER_KEYS
    assert item["kind"] == "group" and item["title"] == "Year 9 team" and item["school"] == "High School"
    assert item["owners"] == [{"id": world.teacher.pk, "name": "Tara Teacher"}]
    assert (item["member_count"], item["external_count"]) == (3, 1)
    assert item["last_activity_at"] == item["created_at"] and item["last_reviewed_at"] is None
    assert next(i for i in body["items"] if i["id"] == direct.pk)["owners"] == []


def test_a_headteacher_sees_their_own_school_s_conversations_only(world):
    group = world.group(world.teacher2)
    trust = trust_wide_channel(world)
    primary = primary_group(world)
    assert listed_ids(world.head) == [group.pk]
    client = ApiClient(world.head)
    for hidden in (trust, primary):
        assert client.get(f"/admin/conversations/{hidden.pk}").status_code == 404


def test_the_dpo_sees_the_register_but_cannot_change_members(world):
    group = world.group(world.teacher2)
    assert listed_ids(world.dpo) == [group.pk]
    client = ApiClient(world.dpo)
    assert client.get(f"/admin/conversations/{group.pk}").status_code == 200
    added = client.post(f"/admin/conversations/{group.pk}/members", {"person_id": world.ta.pk, "reason": "Cover"})
    assert (added.status_code, error_of(added)["code"]) == (403, "forbidden")
    removed = client.delete(f"/admin/conversations/{group.pk}/members/{world.teacher2.pk}", {"reason": "Left"})
    assert (removed.status_code, error_of(removed)["code"]) == (403, "forbidden")
    assert set(group.memberships.values_list("person_id", flat=True)) == {world.teacher.pk, world.teacher2.pk}


@pytest.mark.parametrize("role", ["teacher", "dsl", "pupil", "external", "governor"])
def test_everyone_else_is_refused_everything(world, role):
    group = world.group(world.teacher2, world.ta, world.office, by=world.teacher)
    person = getattr(world, role)
    if role == "teacher":
        assert Membership.objects.filter(conversation=group, person=person, role="owner").exists()
    client = ApiClient(person)
    responses = [
        client.get("/admin/conversations"),
        client.get(f"/admin/conversations/{group.pk}"),
        client.post(f"/admin/conversations/{group.pk}/members", {"person_id": world.head.pk, "reason": "Because"}),
        client.delete(f"/admin/conversations/{group.pk}/members/{world.ta.pk}", {"reason": "Because"}),
    ]
    for response in responses:
        assert (response.status_code, error_of(response)["code"]) == (403, "forbidden"), response.content
    assert csv_of(person).status_code == 403
    assert group.memberships.count() == 4


def test_signed_out_callers_are_told_to_sign_in(world):
    response = Client().get("/api/v1/admin/conversations")
    assert (response.status_code, error_of(response)["code"]) == (401, "not_authenticated")


def test_another_organisation_s_conversation_is_not_found(world):
    elsewhere = world.group(by=world.outsider, title="Elsewhere")
    client = ApiClient(world.admin)
    responses = [
        client.get(f"/admin/conversations/{elsewhere.pk}"),
        client.post(f"/admin/conversations/{elsewhere.pk}/members", {"person_id": world.ta.pk, "reason": "Oops"}),
        client.delete(f"/admin/conversations/{elsewhere.pk}/members/{world.outsider.pk}", {"reason": "Oops"}),
        client.get("/admin/conversations/999999999"),
    ]
    for response in responses:
        assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    assert elsewhere.memberships.count() == 1


# --- nothing anyone wrote ---------------------------------------------------------------------------------


def test_no_answer_of_the_register_holds_what_anyone_wrote(world):
    group = world.group(world.teacher2, title="Minibus")
    message, _ = actions.send_message(group, acting=world.teacher2, body=SECRET)
    actions.edit_message(message, acting=world.teacher2, body=SECRET + " (edited)")
    actions.send_message(group, acting=world.teacher, body=f"Thanks. {SECRET}")
    client = ApiClient(world.admin)
    answers = [
        client.get("/admin/conversations"),
        client.get("/admin/conversations", {"q": "minibus"}),
        client.get(f"/admin/conversations/{group.pk}"),
        client.post(f"/admin/conversations/{group.pk}/members", {"person_id": world.ta.pk, "reason": "Trip"}),
        client.delete(f"/admin/conversations/{group.pk}/members/{world.ta.pk}", {"reason": "Trip over"}),
        csv_of(world.admin),
    ]
    for response in answers:
        assert response.status_code in (200, 201, 204)
        assert b"minibus booking" not in response.content and b"drawer" not in response.content
    listed_item = answers[0].json()["items"][0]
    assert listed_item["last_activity_at"] != listed_item["created_at"]  # the activity, not the words
    assert "body" not in listed_item and "messages" not in answers[2].json()


def test_the_title_search_does_not_look_inside_messages(world):
    group = world.group(world.teacher2, title="Minibus")
    actions.send_message(group, acting=world.teacher2, body=SECRET)
    assert listed_ids(world.admin, q="drawer") == []
    assert listed_ids(world.admin, q="MINIBUS") == [group.pk]


# --- one conversation and its members ---------------------------------------------------------------------


def test_one_conversation_shows_its_row_and_its_members(world):
    group = world.group(world.teacher2, world.external)
    response = ApiClient(world.admin).get(f"/admin/conversations/{group.pk}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= REGISTER_KEYS | {"members"}
    assert body["id"] == group.pk and body["member_count"] == 3
    members = {m["id"]: m for m in body["members"]}
    assert set(members) == {world.teacher.pk, world.teacher2.pk, world.external.pk}
    assert all(set(m) >= MEMBER_KEYS for m in members.values())
    assert members[world.teacher.pk]["membership_role"] == "owner"
    assert members[world.external.pk]["external"] is True
    assert members[world.teacher2.pk]["roles"] == ["teacher"] and members[world.teacher2.pk]["school"] == "High School"
    assert all("email" not in m for m in members.values())


def test_schemas_name_exactly_the_payload_fields(world):
    group = world.group(world.teacher2)
    entry = register_entry(world.admin, group.pk)
    assert set(admin_register.RegisterRowOut.model_fields) == set(register_payload(entry.row))
    assert set(admin_register.RegisterEntryOut.model_fields) == set(register_payload(entry.row)) | {
        "members",
        "reviews",
    }
    assert set(admin_register.OwnerOut.model_fields) == {"id", "name"}
    from staffroom.api.schemas import MemberOut

    assert set(MemberOut.model_fields) == set(member_payload(entry.members[0]))


def test_the_openapi_document_describes_the_register(world):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {"get"} <= set(paths["/api/v1/admin/conversations"])
    assert "text/csv" in paths["/api/v1/admin/conversations.csv"]["get"]["responses"]["200"]["content"]
    assert {"post"} <= set(paths["/api/v1/admin/conversations/{conversation_id}/members"])
    assert {"delete"} <= set(paths["/api/v1/admin/conversations/{conversation_id}/members/{person_id}"])


# --- adding and removing, with a reason -------------------------------------------------------------------


def test_an_it_admin_adds_a_member_with_a_reason_that_the_audit_log_keeps(world):
    group = world.group(world.teacher2)
    response = ApiClient(world.admin).post(
        f"/admin/conversations/{group.pk}/members", {"person_id": world.ta.pk, "reason": "Supporting Year 9"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["id"] == world.ta.pk and response.json()["membership_role"] == "member"
    assert Membership.objects.filter(conversation=group, person=world.ta).exists()
    entry = AuditEntry.objects.get(action="membership.added", conversation_id=group.pk, target_id=str(world.ta.pk))
    assert (entry.actor_id, entry.reason, entry.channel) == (world.admin.pk, "Supporting Year 9", "api")


@pytest.mark.parametrize("how", ["query", "body"])
def test_a_headteacher_removes_a_member_giving_the_reason_in_the_query_or_the_body(world, how):
    group = world.group(world.teacher2)
    client, path = ApiClient(world.head), f"/admin/conversations/{group.pk}/members/{world.teacher2.pk}"
    if how == "query":
        response = client.delete(path + "?reason=Moved%20to%20Year%2010")
    else:
        response = client.delete(path, {"reason": "Moved to Year 10"})
    assert response.status_code == 204, response.content
    assert not Membership.objects.filter(conversation=group, person=world.teacher2).exists()
    entry = AuditEntry.objects.get(action="membership.removed", conversation_id=group.pk)
    assert (entry.actor_id, entry.reason) == (world.head.pk, "Moved to Year 10")


@pytest.mark.parametrize("reason", [None, "", "   ", "\u200b"])
def test_adding_without_a_reason_is_422_on_the_reason(world, reason):
    group = world.group(world.teacher2)
    payload = {"person_id": world.ta.pk} | ({} if reason is None else {"reason": reason})
    response = ApiClient(world.admin).post(f"/admin/conversations/{group.pk}/members", payload)
    assert (response.status_code, error_of(response)["field"]) == (422, "reason")
    assert not Membership.objects.filter(conversation=group, person=world.ta).exists()


@pytest.mark.parametrize("how", ["none", "empty query", "blank body"])
def test_removing_without_a_reason_is_422_on_the_reason(world, how):
    group = world.group(world.teacher2)
    client, path = ApiClient(world.admin), f"/admin/conversations/{group.pk}/members/{world.teacher2.pk}"
    if how == "none":
        response = client.delete(path)
    elif how == "empty query":
        response = client.delete(path + "?reason=")
    else:
        response = client.delete(path, {"reason": "  "})
    assert (response.status_code, error_of(response)["field"]) == (422, "reason")
    assert Membership.objects.filter(conversation=group, person=world.teacher2).exists()


def test_a_reason_over_500_characters_is_422(world):
    group = world.group(world.teacher2)
    response = ApiClient(world.admin).post(
        f"/admin/conversations/{group.pk}/members", {"person_id": world.ta.pk, "reason": "x" * 501}
    )
    assert (response.status_code, error_of(response)["field"]) == (422, "reason")


def test_a_pupil_cannot_be_added_to_a_staff_group_from_the_register_any_more_than_by_its_owner(world):
    group = world.group(world.teacher2)
    as_owner = ApiClient(world.teacher).post(f"/conversations/{group.pk}/members", {"person_id": world.pupil.pk})
    from_register = ApiClient(world.admin).post(
        f"/admin/conversations/{group.pk}/members", {"person_id": world.pupil.pk, "reason": "Asked to"}
    )
    assert as_owner.status_code == from_register.status_code == 422
    assert error_of(as_owner) == error_of(from_register)
    assert not Membership.objects.filter(conversation=group, person=world.pupil).exists()


def test_the_last_member_of_staff_cannot_be_removed_from_a_class_channel(world):
    klass = world.class_channel()
    response = ApiClient(world.admin).delete(
        f"/admin/conversations/{klass.pk}/members/{world.teacher.pk}", {"reason": "Left the school"}
    )
    assert (response.status_code, error_of(response)["field"]) == (422, "person_id")
    assert Membership.objects.filter(conversation=klass, person=world.teacher).exists()


def test_removing_someone_who_is_not_a_member_is_not_found(world):
    group = world.group(world.teacher2)
    response = ApiClient(world.admin).delete(
        f"/admin/conversations/{group.pk}/members/{world.ta.pk}", {"reason": "Tidying up"}
    )
    assert response.status_code == 404


# --- filters and pages ------------------------------------------------------------------------------------


def test_filters_narrow_the_register(world):
    plain = world.group(world.teacher2, title="Year 9 team")
    with_external = world.group(world.external, title="Trip planning")
    channel = world.channel(title="Staffroom")
    primary = primary_group(world)
    assert listed_ids(world.admin, q="trip") == [with_external.pk]
    assert listed_ids(world.admin, kind="channel") == [channel.pk]
    assert listed_ids(world.admin, school_id=world.other_school.pk) == [primary.pk]
    assert listed_ids(world.admin, externals="true") == [with_external.pk]
    assert set(listed_ids(world.admin, externals="false")) == {plain.pk, channel.pk, primary.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "chatroom"}, "kind"),
        ({"after": "nonsense"}, "after"),
        ({"limit": 0}, "limit"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_filters_are_422_naming_the_field(world, params, field):
    response = ApiClient(world.admin).get("/admin/conversations", params)
    assert (response.status_code, error_of(response)["field"]) == (422, field)


def test_pages_go_newest_activity_first_and_end_with_a_null_next(world):
    made = [world.group(world.teacher2, title=f"Group {n}").pk for n in range(5)]
    actions.send_message(Conversation.objects.get(pk=made[0]), acting=world.teacher, body="Busy again")
    seen, after = [], None
    while True:
        body = listed(world.admin, limit=2, **({"after": after} if after else {}))
        seen += [item["id"] for item in body["items"]]
        after = body["next"]
        if after is None:
            break
    assert seen == [made[0], *reversed(made[1:])]


# --- the CSV ----------------------------------------------------------------------------------------------


def test_the_csv_has_every_row_a_header_and_cells_a_spreadsheet_will_not_run(world):
    dangerous = ['=HYPERLINK("http://evil.example")', "+1+2", "-3", "@SUM(A1)", "Plain title"]
    for title in dangerous:
        world.group(world.teacher2, title=title)
    owner = world.teacher2
    owner.name = "=cmd|'/c calc'!A1"
    owner.save(update_fields=["name"])
    world.group(world.ta, by=world.teacher2, title="Owned by a formula")
    for n in range(3):
        world.group(title=f"More {n}")
    response = csv_of(world.admin)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="group-register-')
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == CSV_HEADER
    assert len(rows) == 1 + len(dangerous) + 1 + 3
    titles = {row[2] for row in rows[1:]}
    assert {'\'=HYPERLINK("http://evil.example")', "'+1+2", "'-3", "'@SUM(A1)", "Plain title"} <= titles
    formula_owned = next(row for row in rows[1:] if row[2] == "Owned by a formula")
    assert formula_owned[4] == "'=cmd|'/c calc'!A1"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row)


def test_the_csv_takes_the_same_filters_and_scope(world):
    world.group(world.external, title="Trip planning")
    world.group(world.teacher2, title="Year 9 team")
    primary_group(world)
    rows = list(csv.reader(io.StringIO(csv_of(world.admin, externals="true").content.decode())))
    assert [row[2] for row in rows[1:]] == ["Trip planning"]
    rows = list(csv.reader(io.StringIO(csv_of(world.head).content.decode())))
    assert sorted(row[2] for row in rows[1:]) == ["Trip planning", "Year 9 team"]
    refused = csv_of(world.teacher)
    assert refused.status_code == 403 and refused["Content-Type"].startswith("application/json")
