"""/scim/v2/Groups: a directory group is a private group conversation whose members follow the group."""

import pytest

from staffroom.compliance.models import AuditEntry
from staffroom.messaging.models import Conversation, Membership
from tests.scim.conftest import error_of

pytestmark = pytest.mark.django_db

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def group_body(title="Year 9 team", *members, **attributes):
    body = {"schemas": [GROUP], "displayName": title, **attributes}
    if members:
        body["members"] = [{"value": str(p.pk)} for p in members]
    return body


def members_of(body):
    return {m["value"] for m in body.get("members", [])}


def conversation_of(body):
    return Conversation.objects.get(scim__id=body["id"])


def test_a_directory_group_becomes_a_private_group_conversation(scim, world):
    response = scim.post("/Groups", group_body("Year 9 team", world.teacher, world.ta, externalId="g-1"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["displayName"] == "Year 9 team" and body["externalId"] == "g-1"
    assert body["members"] == sorted(
        ({"value": str(p.pk), "$ref": f"http://testserver/scim/v2/Users/{p.pk}", "type": "User"}
         for p in (world.teacher, world.ta)), key=lambda m: int(m["value"]),
    )  # fmt: skip
    conversation = conversation_of(body)
    assert conversation.kind == "group" and conversation.title == "Year 9 team"
    assert set(conversation.memberships.values_list("person_id", flat=True)) == {world.teacher.pk, world.ta.pk}
    entry = AuditEntry.objects.get(action="conversation.created", conversation_id=conversation.pk)
    assert entry.actor_service == "scim"


def test_entra_adds_and_removes_members_one_at_a_time(scim, world):
    body = scim.post("/Groups", group_body("Year 9 team", world.teacher)).json()
    added = scim.patch(
        f"/Groups/{body['id']}", {"op": "Add", "path": "members", "value": [{"value": str(world.teacher2.pk)}]}
    ).json()
    assert members_of(added) == {str(world.teacher.pk), str(world.teacher2.pk)}
    # Entra ID names the member to remove in the value; others use a filter in the path.
    removed = scim.patch(
        f"/Groups/{body['id']}", {"op": "Remove", "path": "members", "value": [{"value": str(world.teacher.pk)}]}
    ).json()
    assert members_of(removed) == {str(world.teacher2.pk)}
    removed = scim.patch(f"/Groups/{body['id']}", {"op": "remove", "path": f'members[value eq "{world.teacher2.pk}"]'})
    assert "members" not in removed.json()
    assert not Membership.objects.filter(conversation=conversation_of(body)).exists()
    actions = list(AuditEntry.objects.filter(conversation_id=conversation_of(body).pk).values_list("action", flat=True))
    assert actions == ["conversation.created", "membership.added", "membership.removed", "membership.removed"]


def test_renaming_and_replacing_the_members(scim, world):
    body = scim.post("/Groups", group_body("Year 9", world.teacher)).json()
    renamed = scim.patch(f"/Groups/{body['id']}", {"op": "replace", "value": {"displayName": "Year 9 team"}})
    assert renamed.json()["displayName"] == "Year 9 team"
    replaced = scim.put(f"/Groups/{body['id']}", group_body("Year 10 team", world.ta, world.office)).json()
    assert replaced["displayName"] == "Year 10 team"
    assert members_of(replaced) == {str(world.ta.pk), str(world.office.pk)}
    assert conversation_of(body).title == "Year 10 team"


def test_a_pupil_an_outsider_or_a_made_up_id_cannot_be_a_member(scim, world):
    body = scim.post("/Groups", group_body("Year 9 team", world.teacher)).json()
    for member in (str(world.pupil.pk), str(world.outsider.pk), str(world.external.pk), "999999", "abc"):
        error_of(
            scim.patch(f"/Groups/{body['id']}", {"op": "add", "path": "members", "value": [{"value": member}]}),
            400, "invalidValue",
        )  # fmt: skip
    assert members_of(scim.get(f"/Groups/{body['id']}").json()) == {str(world.teacher.pk)}
    error_of(scim.post("/Groups", group_body("Class", world.pupil)), 400, "invalidValue")
    error_of(scim.post("/Groups", {"schemas": [GROUP]}), 400, "invalidValue")


def test_a_deleted_user_stays_in_the_conversation_whatever_the_directory_sends(scim, world):
    body = scim.post("/Groups", group_body("Year 9 team", world.teacher, world.teacher2)).json()
    scim.delete(f"/Users/{world.teacher2.pk}")
    assert members_of(scim.get(f"/Groups/{body['id']}").json()) == {str(world.teacher.pk)}
    scim.put(f"/Groups/{body['id']}", group_body("Year 9 team", world.teacher, world.ta))
    people = set(conversation_of(body).memberships.values_list("person_id", flat=True))
    assert people == {world.teacher.pk, world.teacher2.pk, world.ta.pk}


def test_filter_groups_by_name_and_member(scim, world):
    scim.post("/Groups", group_body("Year 9 team", world.teacher))
    scim.post("/Groups", group_body("Maths department", world.ta))
    found = scim.get("/Groups", filter='displayName eq "year 9 TEAM"').json()
    assert [g["displayName"] for g in found["Resources"]] == ["Year 9 team"]
    found = scim.get("/Groups", filter=f'members[value eq "{world.ta.pk}"]').json()
    assert [g["displayName"] for g in found["Resources"]] == ["Maths department"]
    error_of(scim.get("/Groups", filter='userName eq "x"'), 400, "invalidFilter")


def test_people_made_groups_are_not_the_directorys(scim, world):
    world.group(world.teacher2)
    assert scim.get("/Groups").json()["totalResults"] == 0


def test_delete_archives_the_conversation_for_the_records(scim, world):
    body = scim.post("/Groups", group_body("Year 9 team", world.teacher)).json()
    assert scim.delete(f"/Groups/{body['id']}").status_code == 204
    error_of(scim.get(f"/Groups/{body['id']}"), 404)
    conversation = conversation_of(body)
    assert conversation.archived_at is not None
    assert conversation.memberships.filter(person=world.teacher).exists()
    error_of(scim.get("/Groups/not-a-uuid"), 404)


def test_searching_everything_finds_users_and_groups_each_once(scim, world):
    group = scim.post("/Groups", group_body("Year 9 team", world.teacher)).json()
    response = scim.post(
        "/.search",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "attributes": ["displayName"]},
    )
    body = response.json()
    ids = [r["id"] for r in body["Resources"]]
    assert group["id"] in ids and str(world.teacher.pk) in ids and len(ids) == len(set(ids))
    assert body["totalResults"] == len(ids)
    # An attribute only users have matches no group.
    only_users = scim.post("/.search", {"filter": f'userName eq "{world.teacher.email}"'}).json()
    assert [r["id"] for r in only_users["Resources"]] == [str(world.teacher.pk)]
    second_page = scim.post("/.search", {"startIndex": len(ids), "count": 5}).json()
    assert [r["id"] for r in second_page["Resources"]] == ids[-1:]
