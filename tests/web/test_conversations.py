"""Starting, joining, leaving and managing conversations from the home and members pages."""

import pytest

from staffroom.messaging import actions, queries
from staffroom.messaging.models import Conversation, Membership
from tests.web.conftest import assert_no_inline_code


def kinds_offered(html: str) -> set[str]:
    return {part.split('"')[0] for part in html.split('name="kind" id="kind-')[1:]}


@pytest.mark.parametrize(
    ("role", "kinds"),
    [
        ("head", {"channel", "group", "direct", "announcement", "class"}),
        ("teacher", {"channel", "group", "direct", "class"}),
        ("ta", {"channel", "group", "direct"}),
        ("governor", {"group", "direct"}),
        ("pupil", set()),
        ("external", set()),
    ],
)
def test_new_conversation_offers_only_the_kinds_the_person_may_start(world, as_person, role, kinds):
    html = as_person(getattr(world, role)).get("/").content.decode()
    assert kinds_offered(html) == kinds
    assert ("New conversation" in html) == bool(kinds)


def test_directory_in_the_form_lists_staff_not_pupils(world, as_person):
    html = as_person(world.teacher).get("/").content.decode()
    assert "Tom Teacher" in html
    assert "Pupil One" not in html
    assert 'id="member-filter"' in html


def test_starting_a_group_takes_you_to_it(world, as_person):
    client = as_person(world.teacher)
    response = client.post(
        "/conversations/new", {"kind": "group", "title": "Trip planning", "member_ids": [world.teacher2.pk]}
    )
    conversation = Conversation.objects.get(title="Trip planning")
    assert response.status_code == 302
    assert response["Location"] == f"/c/{conversation.pk}/"
    assert {m.person_id for m in queries.members(world.teacher, conversation)} == {world.teacher.pk, world.teacher2.pk}


def test_a_missing_title_is_shown_beside_the_title(world, as_person):
    response = as_person(world.teacher).post("/conversations/new", {"kind": "group", "title": ""})
    html = response.content.decode()
    assert response.status_code == 422
    assert "Give the conversation a title." in html
    assert 'id="id_title_error"' in html
    assert_no_inline_code(html)


def test_a_kind_the_person_may_not_start_is_refused(world, as_person):
    response = as_person(world.ta).post("/conversations/new", {"kind": "announcement", "title": "All staff"})
    assert response.status_code == 422
    assert not Conversation.objects.filter(title="All staff").exists()


def test_a_direct_message_needs_no_title_and_is_named_after_the_other_person(world, as_person):
    client = as_person(world.teacher)
    response = client.post("/conversations/new", {"kind": "direct", "member_ids": [world.ta.pk]})
    conversation = Conversation.objects.get(kind="direct")
    assert response["Location"] == f"/c/{conversation.pk}/"
    html = client.get(f"/c/{conversation.pk}/").content.decode()
    assert '<h1 id="conversation-title">Tia Assistant</h1>' in html


def test_a_class_channel_brings_in_the_class(world, as_person):
    client = as_person(world.teacher)
    html = client.get("/").content.decode()
    assert f'<option value="{world.klass.pk}"' in html
    response = client.post("/conversations/new", {"kind": "class", "title": "9X", "school_class_id": world.klass.pk})
    conversation = Conversation.objects.get(kind="class")
    assert response.status_code == 302
    members = {m.person_id for m in queries.members(world.teacher, conversation)}
    assert {world.pupil.pk, world.pupil2.pk} <= members


def test_form_errors_cannot_tell_pupils_from_leavers_outsiders_or_nobody(world, as_person):
    """As in the API: the answer for an id one cannot add is the same whoever (if anyone) has it."""
    import re

    from staffroom.accounts.models import Person
    from tests import factories

    leaver = factories.person(world.school, "teacher", name="Lee Leaver")
    Person.objects.filter(pk=leaver.pk).update(is_active=False)
    nobody = Person.objects.order_by("-pk").first().pk + 1000
    probes = [world.pupil.pk, world.outsider.pk, leaver.pk, nobody]
    group = world.group(world.teacher2)
    client = as_person(world.teacher)
    attempts = {
        "start": lambda pk: client.post("/conversations/new", {"kind": "group", "title": "P", "member_ids": [pk]}),
        "add": lambda pk: client.post(f"/c/{group.pk}/members/add", {"person_id": pk}),
    }
    for name, attempt in attempts.items():
        answers = set()
        for pk in probes:
            response = attempt(pk)
            errors = re.findall(r'class="field-error"[^>]*>(.*?)</', response.content.decode(), re.S)
            answers.add((response.status_code, tuple(e.replace(str(pk), "#").strip() for e in errors)))
        assert len(answers) == 1, (name, answers)
        status, errors = next(iter(answers))
        assert status == 422 and errors and "pupil" not in " ".join(errors).lower()


def test_open_channels_can_be_browsed_and_joined(world, as_person):
    channel = world.channel(world.teacher2, title="Staff notices")
    client = as_person(world.ta)
    html = client.get("/").content.decode()
    assert "Browse channels" in html and "Staff notices" in html
    response = client.post(f"/channels/{channel.pk}/join")
    assert response["Location"] == f"/c/{channel.pk}/"
    assert Membership.objects.filter(conversation=channel, person=world.ta).exists()
    assert "Staff notices" not in client.get("/").content.decode().split("Browse channels")[1]


def test_a_private_group_cannot_be_joined(world, as_person):
    group = world.group(world.teacher2)
    client = as_person(world.ta)
    response = client.post(f"/channels/{group.pk}/join")
    assert client.get(response["Location"]).status_code == 404
    assert not Membership.objects.filter(conversation=group, person=world.ta).exists()


def test_members_page_lists_members_and_lets_a_member_leave(world, as_person):
    group = world.group(world.teacher2, world.external)
    client = as_person(world.teacher2)
    html = client.get(f"/c/{group.pk}/members/").content.decode()
    assert "Tara Teacher" in html and "Eve External" in html and "External</span>" in html
    assert "Add someone" not in html  # only those who run it
    response = client.post(f"/c/{group.pk}/leave", follow=True)
    assert "You left Year 9 team." in response.content.decode()
    assert client.get(f"/c/{group.pk}/").status_code == 404


def test_owner_adds_and_removes_members(world, as_person):
    group = world.group(world.teacher2)
    client = as_person(world.teacher)
    html = client.get(f"/c/{group.pk}/members/").content.decode()
    assert "Add someone" in html
    response = client.post(f"/c/{group.pk}/members/add", {"person_id": world.ta.pk}, follow=True)
    assert "Tia Assistant was added." in response.content.decode()
    assert Membership.objects.filter(conversation=group, person=world.ta).exists()
    client.post(f"/c/{group.pk}/members/{world.ta.pk}/remove")
    assert not Membership.objects.filter(conversation=group, person=world.ta).exists()


def test_adding_someone_from_outside_is_refused_beside_the_field(world, as_person):
    group = world.group(world.teacher2)
    response = as_person(world.teacher).post(f"/c/{group.pk}/members/add", {"person_id": world.outsider.pk})
    assert response.status_code == 422
    assert 'id="id_person_id_error"' in response.content.decode()


def test_members_cannot_remove_others(world, as_person):
    group = world.group(world.teacher2, world.ta)
    response = as_person(world.teacher2).post(f"/c/{group.pk}/members/{world.ta.pk}/remove")
    assert response.status_code == 403
    assert Membership.objects.filter(conversation=group, person=world.ta).exists()


@pytest.mark.parametrize("starter", ["teacher", "admin"])
def test_a_direct_message_offers_nobody_a_remove_button(world, as_person, starter):
    starter = getattr(world, starter)
    direct = actions.create_conversation(acting=starter, kind="direct", member_ids=[world.teacher2.pk])
    client = as_person(starter)
    html = client.get(f"/c/{direct.pk}/members/").content.decode()
    assert "Remove" not in html and "Owner" not in html and "Add someone" not in html
    response = client.post(f"/c/{direct.pk}/members/{world.teacher2.pk}/remove")
    assert response.status_code == 403
    assert Membership.objects.filter(conversation=direct, person=world.teacher2).exists()


def test_a_pupil_cannot_leave_a_class_channel(world, as_person):
    conversation = world.class_channel()
    response = as_person(world.pupil).post(f"/c/{conversation.pk}/leave", follow=True)
    assert "Pupils cannot leave a class channel" in response.content.decode()
    assert Membership.objects.filter(conversation=conversation, person=world.pupil).exists()


def test_sidebar_lists_conversations_newest_first_not_by_kind(world, as_person):
    world.announcement(world.teacher2, title="Notices")
    world.group(world.teacher2, title="Year 9 team")
    html = as_person(world.teacher2).get("/").content.decode()
    assert ">Groups</h2>" not in html
    assert html.index("Year 9 team") < html.index("Notices")
