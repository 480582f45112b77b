"""Conversations and members through the API: who may start what, and who may see what."""

from __future__ import annotations

import pytest

from staffroom.messaging import actions
from staffroom.messaging.models import Conversation, Membership
from tests.api.conftest import ApiClient, error_of

CONVERSATION_KEYS = {"id", "kind", "title", "school", "member_count", "unread"}


def test_list_shows_my_conversations_with_unread_and_member_count(world):
    conversation = world.group(world.teacher2, world.ta)
    actions.send_message(conversation, acting=world.teacher2, body="one")
    actions.send_message(conversation, acting=world.teacher2, body="two")
    world.group(world.head, by=world.teacher2, title="Not mine")
    response = ApiClient(world.teacher).get("/conversations")
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert [c["id"] for c in body["items"]] == [conversation.pk]
    item = body["items"][0]
    assert set(item) >= CONVERSATION_KEYS
    assert item["unread"] == 2
    assert item["member_count"] == 3
    assert item["kind"] == "group"
    assert item["school"] == "High School"


@pytest.mark.parametrize(
    ("who", "kind", "extra"),
    [
        ("teacher", "channel", {}),
        ("teacher", "group", {}),
        ("teacher", "direct", {}),
        ("head", "announcement", {}),
        ("teacher", "class", {"school_class": True}),
        ("admin", "channel", {"trust_wide": True}),
    ],
)
def test_create_each_kind(world, who, kind, extra):
    person = getattr(world, who)
    data = {"kind": kind, "title": f"A {kind}", "member_ids": [world.teacher2.pk]}
    if extra.get("school_class"):
        data["school_class_id"] = world.klass.pk
    if extra.get("trust_wide"):
        data["trust_wide"] = True
    response = ApiClient(person).post("/conversations", data)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["kind"] == kind
    conversation = Conversation.objects.get(pk=created["id"])
    members = set(conversation.memberships.values_list("person_id", flat=True))
    assert {person.pk, world.teacher2.pk} <= members
    assert created["member_count"] == len(members)
    if kind == "class":
        assert {world.pupil.pk, world.pupil2.pk} <= members
    if extra.get("trust_wide"):
        assert created["school_id"] is None


def test_direct_message_with_the_same_people_is_reused(world):
    client = ApiClient(world.teacher)
    first = client.post("/conversations", {"kind": "direct", "member_ids": [world.teacher2.pk]}).json()
    again = client.post("/conversations", {"kind": "direct", "member_ids": [world.teacher2.pk]}).json()
    assert first["id"] == again["id"]


def test_pupil_cannot_be_put_in_a_group(world):
    response = ApiClient(world.teacher).post(
        "/conversations", {"kind": "group", "title": "x", "member_ids": [world.pupil.pk]}
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "member_ids"
    assert error["message"] == f"Person {world.pupil.pk} cannot be added here."  # not why: see below
    assert not Conversation.objects.filter(title="x").exists()


def test_teaching_assistant_cannot_start_an_announcement_channel(world):
    response = ApiClient(world.ta).post("/conversations", {"kind": "announcement", "title": "News"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_pupil_cannot_start_a_conversation(world):
    response = ApiClient(world.pupil).post(
        "/conversations", {"kind": "group", "title": "x", "member_ids": [world.pupil2.pk]}
    )
    assert response.status_code in (403, 422)
    error_of(response)


def test_people_of_another_organisation_cannot_be_added(world):
    client = ApiClient(world.teacher)
    response = client.post("/conversations", {"kind": "group", "title": "x", "member_ids": [world.outsider.pk]})
    assert response.status_code == 422
    assert error_of(response)["field"] == "member_ids"
    response = client.post("/conversations", {"kind": "group", "title": "x", "member_ids": [987654321]})
    assert response.status_code == 422


def test_another_organisations_school_or_class_is_refused(world):
    from tests import factories

    elsewhere = factories.school(factories.organisation())
    klass = factories.school_class(elsewhere)
    client = ApiClient(world.head)
    response = client.post("/conversations", {"kind": "channel", "title": "x", "school_id": elsewhere.pk})
    assert response.status_code == 422
    assert error_of(response)["field"] == "school_id"
    response = client.post("/conversations", {"kind": "class", "title": "x", "school_class_id": klass.pk})
    assert response.status_code == 422
    assert error_of(response)["field"] == "school_class_id"


def test_unknown_kind_is_422(world):
    response = ApiClient(world.teacher).post("/conversations", {"kind": "party", "title": "x"})
    assert response.status_code == 422
    assert error_of(response)["field"] == "kind"


def test_get_one_conversation(world):
    conversation = world.group(world.teacher2)
    response = ApiClient(world.teacher2).get(f"/conversations/{conversation.pk}")
    assert response.status_code == 200
    assert response.json()["id"] == conversation.pk
    assert response.json()["member_count"] == 2


def test_non_members_other_organisations_and_unknown_ids_get_404(world):
    conversation = world.group(world.teacher2)
    for person in [world.ta, world.head, world.outsider]:
        client = ApiClient(person)
        for path in [
            f"/conversations/{conversation.pk}",
            f"/conversations/{conversation.pk}/members",
            f"/conversations/{conversation.pk}/messages",
        ]:
            response = client.get(path)
            assert response.status_code == 404, (person, path)
            assert error_of(response)["code"] == "not_found"
        posted = client.post(f"/conversations/{conversation.pk}/messages", {"body": "let me in"})
        assert posted.status_code == 404
    assert ApiClient(world.teacher).get("/conversations/987654321").status_code == 404
    assert ApiClient(world.teacher).get("/conversations/abc").status_code in (404, 422)


def test_owner_renames_but_a_member_may_not(world):
    conversation = world.group(world.teacher2)
    owner = ApiClient(world.teacher)
    response = owner.patch(f"/conversations/{conversation.pk}", {"title": "Renamed"})
    assert response.status_code == 200
    assert response.json()["title"] == "Renamed"
    response = ApiClient(world.teacher2).patch(f"/conversations/{conversation.pk}", {"title": "Mine now"})
    assert response.status_code == 403
    conversation.refresh_from_db()
    assert conversation.title == "Renamed"


def test_join_an_open_channel(world):
    channel = world.channel(title="Staffroom")
    client = ApiClient(world.teacher2)
    assert client.get(f"/conversations/{channel.pk}").status_code == 404
    response = client.post(f"/conversations/{channel.pk}/join")
    assert response.status_code == 200
    assert response.json()["member_count"] == 2
    assert client.get(f"/conversations/{channel.pk}").status_code == 200
    assert client.post(f"/conversations/{channel.pk}/join").status_code == 200


def test_groups_and_other_organisations_channels_cannot_be_joined(world):
    group = world.group(world.head)
    assert ApiClient(world.teacher2).post(f"/conversations/{group.pk}/join").status_code == 404
    channel = world.channel()
    assert ApiClient(world.outsider).post(f"/conversations/{channel.pk}/join").status_code == 404
    assert ApiClient(world.pupil).post(f"/conversations/{channel.pk}/join").status_code == 404


def test_members_list_with_roles(world):
    conversation = world.group(world.teacher2)
    response = ApiClient(world.teacher2).get(f"/conversations/{conversation.pk}/members")
    assert response.status_code == 200
    items = response.json()["items"]
    roles = {m["id"]: m["membership_role"] for m in items}
    assert roles == {world.teacher.pk: "owner", world.teacher2.pk: "member"}
    assert all("email" not in m for m in items)


def test_owner_adds_and_removes_members(world):
    conversation = world.group(world.teacher2)
    owner = ApiClient(world.teacher)
    response = owner.post(f"/conversations/{conversation.pk}/members", {"person_id": world.ta.pk})
    assert response.status_code == 201
    assert response.json()["id"] == world.ta.pk
    assert response.json()["membership_role"] == "member"
    assert Membership.objects.filter(conversation=conversation, person=world.ta).exists()
    response = owner.delete(f"/conversations/{conversation.pk}/members/{world.ta.pk}")
    assert response.status_code == 204
    assert response.content == b""
    assert not Membership.objects.filter(conversation=conversation, person=world.ta).exists()


def test_plain_member_cannot_add_or_remove_others(world):
    conversation = world.group(world.teacher2, world.ta)
    member = ApiClient(world.teacher2)
    response = member.post(f"/conversations/{conversation.pk}/members", {"person_id": world.office.pk})
    assert response.status_code == 403
    response = member.delete(f"/conversations/{conversation.pk}/members/{world.ta.pk}")
    assert response.status_code == 403
    assert Membership.objects.filter(conversation=conversation, person=world.ta).exists()


def test_member_can_leave(world):
    conversation = world.group(world.teacher2)
    member = ApiClient(world.teacher2)
    assert member.delete(f"/conversations/{conversation.pk}/members/{world.teacher2.pk}").status_code == 204
    assert member.get(f"/conversations/{conversation.pk}").status_code == 404


def test_adding_pupils_outsiders_or_unknown_people_is_422(world):
    conversation = world.group(world.teacher2)
    owner = ApiClient(world.teacher)
    for person_id in [world.pupil.pk, world.outsider.pk, 987654321]:
        response = owner.post(f"/conversations/{conversation.pk}/members", {"person_id": person_id})
        assert response.status_code == 422, person_id
        error_of(response)
    assert conversation.memberships.count() == 2


def _probe_ids(world) -> list[int]:
    """A pupil, a pupil of another class, someone of another organisation, a leaver, and an id nobody has."""
    from staffroom.accounts.models import Person
    from tests import factories

    leaver = factories.person(world.school, "teacher", name="Lee Leaver")
    Person.objects.filter(pk=leaver.pk).update(is_active=False)
    elsewhere = factories.person(world.school, "pupil", name="Pupil Elsewhere")
    factories.school_class(world.school, "8Y", [elsewhere])
    nobody = Person.objects.order_by("-pk").first().pk + 1000
    return [world.pupil.pk, elsewhere.pk, world.outsider.pk, leaver.pk, nobody]


def test_member_refusals_cannot_tell_pupils_from_leavers_outsiders_or_nobody(world):
    """The directory hides pupils from staff on purpose; the error for an id must not give them away."""
    group, channel = world.group(world.teacher2), world.class_channel()
    teacher = ApiClient(world.teacher)
    attempts = {
        "group": lambda pk: teacher.post("/conversations", {"kind": "group", "title": "P", "member_ids": [pk]}),
        "direct": lambda pk: teacher.post("/conversations", {"kind": "direct", "member_ids": [pk]}),
        "add to group": lambda pk: teacher.post(f"/conversations/{group.pk}/members", {"person_id": pk}),
        "add to class": lambda pk: teacher.post(f"/conversations/{channel.pk}/members", {"person_id": pk}),
    }
    probes = _probe_ids(world)
    for name, attempt in attempts.items():
        answers = set()
        for pk in probes:
            if name == "add to class" and pk == world.pupil.pk:
                continue  # in the class: its teacher may know them
            response = attempt(pk)
            error = error_of(response)
            answers.add(
                (response.status_code, error["code"], error.get("field"), error["message"].replace(str(pk), "#"))
            )
        assert len(answers) == 1, (name, answers)
        assert next(iter(answers))[0] == 422


def test_adding_a_pupil_names_the_person_id_field(world):
    conversation = world.group(world.teacher2)
    response = ApiClient(world.teacher).post(f"/conversations/{conversation.pk}/members", {"person_id": world.pupil.pk})
    assert error_of(response)["field"] == "person_id"


def test_removing_a_non_member_is_404(world):
    conversation = world.group(world.teacher2)
    response = ApiClient(world.teacher).delete(f"/conversations/{conversation.pk}/members/{world.head.pk}")
    assert response.status_code == 404


def test_mark_read(world):
    conversation = world.group(world.teacher2)
    first, _ = actions.send_message(conversation, acting=world.teacher, body="one")
    second, _ = actions.send_message(conversation, acting=world.teacher, body="two")
    client = ApiClient(world.teacher2)
    response = client.post(f"/conversations/{conversation.pk}/read", {"message_id": first.pk})
    assert response.json() == {"last_read_message_id": first.pk}
    assert client.get(f"/conversations/{conversation.pk}").json()["unread"] == 1
    response = client.post(f"/conversations/{conversation.pk}/read", "", content_type="application/json")
    assert response.json() == {"last_read_message_id": second.pk}
    assert client.get(f"/conversations/{conversation.pk}").json()["unread"] == 0


def test_safeguarding_lead_oversees_class_channels_without_joining(world):
    channel = world.class_channel()
    actions.send_message(channel, acting=world.pupil, body="Is the homework due Monday?")
    dsl = ApiClient(world.dsl)
    messages_url = f"/conversations/{channel.pk}/messages"
    assert dsl.get(f"/conversations/{channel.pk}").status_code == 200
    history = dsl.get(messages_url).json()["items"]
    assert [m["body"] for m in history] == ["Is the homework due Monday?"]
    # Overseeing, the DSL may also post there (issue 8), still without joining.
    assert dsl.post(messages_url, {"body": "Hello"}).status_code == 201
    assert world.dsl.pk not in [m["id"] for m in dsl.get(f"/conversations/{channel.pk}/members").json()["items"]]
    assert ApiClient(world.head).get(f"/conversations/{channel.pk}").status_code == 404


def test_pupils_talk_in_their_class_channel(world):
    channel = world.class_channel()
    pupil = ApiClient(world.pupil)
    assert [c["id"] for c in pupil.get("/conversations").json()["items"]] == [channel.pk]
    assert pupil.post(f"/conversations/{channel.pk}/messages", {"body": "Thanks miss"}).status_code == 201
    response = pupil.delete(f"/conversations/{channel.pk}/members/{world.pupil.pk}")
    assert response.status_code == 403
