"""The group register's pages: /admin/groups/ for IT admins, headteachers and the DPO, never a message."""

import csv
import io
import re
from html import unescape as html_unescape

import pytest
from django.test import Client

from staffroom.compliance.models import AuditEntry
from staffroom.messaging import actions
from staffroom.messaging.models import Conversation, Membership
from staffroom.web.views import admin_register
from tests.api.conftest import ApiClient
from tests.web.conftest import assert_no_inline_code

pytestmark = pytest.mark.django_db

SECRET = "The password for the minibus booking site is in the drawer"


def primary_group(world):
    group = world.group(world.other_teacher, by=world.admin, title="Primary leads")
    Conversation.objects.filter(pk=group.pk).update(school=world.other_school)
    return group


def page(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, response.content[:500]
    html = response.content.decode()
    assert_no_inline_code(html)
    return html


# --- who sees what ----------------------------------------------------------------------------------------


def test_an_it_admin_sees_every_conversation_in_a_table_and_opens_one_they_are_not_in(world, as_person):
    group = world.group(world.teacher2, world.external)
    trust = actions.create_conversation(
        acting=world.admin, kind="channel", title="All staff", member_ids=[world.teacher.pk], trust_wide=True
    )
    primary = primary_group(world)
    client = as_person(world.admin)
    html = page(client, "/admin/groups/")
    assert "<h1>Group register</h1>" in html
    assert '<caption id="register-caption">All conversations, most recent activity first</caption>' in html
    assert '<th scope="col">Owners</th>' in html
    for conversation in (group, trust, primary):
        assert f'<th scope="row"><a href="/admin/groups/{conversation.pk}/">{conversation.title}</a>' in html
    assert 'href="/admin/groups.csv"' in html
    detail = page(client, f"/admin/groups/{group.pk}/")
    assert "<h1>Year 9 team</h1>" in detail
    assert '<caption id="members-caption">Members of Year 9 team</caption>' in detail
    assert "Eve External" in detail and "tag-external" in detail
    assert 'href="/admin/groups/"' in detail
    assert 'id="add-member-heading">Add a member</h2>' in detail
    assert f'href="/admin/groups/{group.pk}/members/{world.teacher2.pk}/remove"' in detail


def test_a_headteacher_sees_their_own_school_s_conversations_only(world, as_person):
    group = world.group(world.teacher2)
    trust = actions.create_conversation(
        acting=world.admin, kind="channel", title="All staff", member_ids=[world.teacher.pk], trust_wide=True
    )
    primary = primary_group(world)
    client = as_person(world.head)
    html = page(client, "/admin/groups/")
    assert f'href="/admin/groups/{group.pk}/"' in html
    assert "All staff" not in html and "Primary leads" not in html
    assert "Primary School" not in html  # not even as a filter
    for hidden in (trust, primary):
        assert client.get(f"/admin/groups/{hidden.pk}/").status_code == 404


def test_the_dpo_sees_the_register_but_is_offered_no_changes_and_cannot_make_any(world, as_person):
    group = world.group(world.teacher2)
    client = as_person(world.dpo)
    assert f'href="/admin/groups/{group.pk}/"' in page(client, "/admin/groups/")
    detail = page(client, f"/admin/groups/{group.pk}/")
    assert "Add a member" not in detail and "/remove" not in detail
    added = client.post(f"/admin/groups/{group.pk}/members/add", {"person_id": world.ta.pk, "reason": "Cover"})
    removed = client.post(f"/admin/groups/{group.pk}/members/{world.teacher2.pk}/remove", {"reason": "Left"})
    assert (added.status_code, removed.status_code) == (403, 403)
    assert group.memberships.count() == 2


@pytest.mark.parametrize("role", ["teacher", "dsl", "office", "governor", "pupil", "external"])
def test_the_register_does_not_exist_for_anyone_else(world, as_person, role):
    group = world.group(world.teacher2, world.office, world.external)
    client = as_person(getattr(world, role))
    base = f"/admin/groups/{group.pk}"
    for url in ["/admin/groups/", "/admin/groups.csv", f"{base}/", f"{base}/members/{world.teacher2.pk}/remove"]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}/members/add", {"person_id": world.ta.pk, "reason": "Because"}).status_code == 404
    assert client.post(f"{base}/members/{world.teacher2.pk}/remove", {"reason": "Because"}).status_code == 404
    assert group.memberships.count() == 4


def test_signed_out_visitors_are_sent_to_sign_in(world):
    response = Client().get("/admin/groups/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_organisation_s_conversation_is_not_found(world, as_person):
    elsewhere = world.group(by=world.outsider, title="Elsewhere")
    client = as_person(world.admin)
    assert "Elsewhere" not in page(client, "/admin/groups/")
    assert client.get(f"/admin/groups/{elsewhere.pk}/").status_code == 404
    response = client.post(f"/admin/groups/{elsewhere.pk}/members/add", {"person_id": world.ta.pk, "reason": "x"})
    assert response.status_code == 404


# --- nothing anyone wrote ---------------------------------------------------------------------------------


def test_no_page_of_the_register_shows_what_anyone_wrote(world, as_person):
    group = world.group(world.teacher2, title="Minibus")
    actions.send_message(group, acting=world.teacher2, body=SECRET)
    client = as_person(world.admin)
    answers = [
        client.get("/admin/groups/"),
        client.get("/admin/groups/", {"q": "minibus"}),
        client.get(f"/admin/groups/{group.pk}/"),
        client.get(f"/admin/groups/{group.pk}/members/{world.teacher2.pk}/remove"),
        client.get("/admin/groups.csv"),
        client.post(f"/admin/groups/{group.pk}/members/add", {"person_id": world.ta.pk, "reason": "Trip"}, follow=True),
    ]
    for response in answers:
        assert response.status_code == 200
        assert b"minibus booking" not in response.content and b"drawer" not in response.content


# --- adding and removing ----------------------------------------------------------------------------------


def test_adding_a_member_with_a_reason_records_it_and_says_so(world, as_person):
    group = world.group(world.teacher2)
    client = as_person(world.head)
    response = client.post(
        f"/admin/groups/{group.pk}/members/add", {"person_id": world.ta.pk, "reason": "Supporting Year 9"}
    )
    assert response.status_code == 302 and response["Location"] == f"/admin/groups/{group.pk}/"
    assert Membership.objects.filter(conversation=group, person=world.ta).exists()
    entry = AuditEntry.objects.get(action="membership.added", target_id=str(world.ta.pk))
    assert (entry.actor_id, entry.reason, entry.channel) == (world.head.pk, "Supporting Year 9", "web")
    assert "Tia Assistant was added." in page(client, f"/admin/groups/{group.pk}/")


def test_adding_without_a_reason_is_a_form_error_beside_the_reason(world, as_person):
    group = world.group(world.teacher2)
    response = as_person(world.admin).post(
        f"/admin/groups/{group.pk}/members/add", {"person_id": world.ta.pk, "reason": "  "}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert '<div class="error-summary" role="alert" tabindex="-1">' in html
    assert '<a href="#id_reason">Say why; the reason is kept in the audit log.</a>' in html
    assert 'aria-describedby="id_reason_hint id_reason_error" aria-invalid="true"' in html
    assert f'<option value="{world.ta.pk}" selected>' in html  # the choice is kept
    assert not Membership.objects.filter(conversation=group, person=world.ta).exists()


def test_a_pupil_cannot_be_added_to_a_staff_group_and_the_page_says_so_as_the_members_page_would(world, as_person):
    group = world.group(world.teacher2)
    response = as_person(world.admin).post(
        f"/admin/groups/{group.pk}/members/add", {"person_id": world.pupil.pk, "reason": "Asked to"}
    )
    assert response.status_code == 422
    assert f"Person {world.pupil.pk} cannot be added here." in response.content.decode()
    owner = as_person(world.teacher).post(f"/c/{group.pk}/members/add", {"person_id": world.pupil.pk})
    assert f"Person {world.pupil.pk} cannot be added here." in owner.content.decode()
    assert not Membership.objects.filter(conversation=group, person=world.pupil).exists()


def test_removing_asks_for_the_reason_then_removes_and_records_it(world, as_person):
    group = world.group(world.teacher2)
    client = as_person(world.admin)
    url = f"/admin/groups/{group.pk}/members/{world.teacher2.pk}/remove"
    form = page(client, url)
    assert "<h1>Remove Tom Teacher from Year 9 team</h1>" in form
    assert '<label for="id_reason">Why are you removing them?</label>' in form
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 422 and "Say why; the reason is kept in the audit log." in refused.content.decode()
    assert Membership.objects.filter(conversation=group, person=world.teacher2).exists()
    response = client.post(url, {"reason": "Moved to Year 10"})
    assert response.status_code == 302 and response["Location"] == f"/admin/groups/{group.pk}/"
    assert not Membership.objects.filter(conversation=group, person=world.teacher2).exists()
    entry = AuditEntry.objects.get(action="membership.removed", conversation_id=group.pk)
    assert (entry.actor_id, entry.reason) == (world.admin.pk, "Moved to Year 10")


def test_the_last_member_of_staff_of_a_class_channel_cannot_be_removed(world, as_person):
    klass = world.class_channel()
    response = as_person(world.admin).post(
        f"/admin/groups/{klass.pk}/members/{world.teacher.pk}/remove", {"reason": "Left the school"}
    )
    assert response.status_code == 422
    assert "A class channel must always have a member of staff in it." in response.content.decode()
    assert Membership.objects.filter(conversation=klass, person=world.teacher).exists()


def test_removing_someone_who_is_not_a_member_is_not_found(world, as_person):
    group = world.group(world.teacher2)
    client = as_person(world.admin)
    url = f"/admin/groups/{group.pk}/members/{world.ta.pk}/remove"
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "Tidying"}).status_code == 404


def test_a_direct_message_offers_no_changes(world, as_person):
    direct = actions.create_conversation(acting=world.teacher, kind="direct", member_ids=[world.teacher2.pk])
    html = page(as_person(world.admin), f"/admin/groups/{direct.pk}/")
    assert f"<h1>Direct message {direct.pk}</h1>" in html
    assert "Add a member" not in html and "/remove" not in html
    assert "Nobody can be added to or removed from a direct message" in html


# --- filters, pages and the CSV ---------------------------------------------------------------------------


def test_filters_narrow_the_table_and_the_csv_link_keeps_them(world, as_person):
    world.group(world.teacher2, title="Year 9 team")
    trip = world.group(world.external, title="Trip planning")
    client = as_person(world.admin)
    html = page(client, "/admin/groups/", q="trip", externals="yes")
    assert f'href="/admin/groups/{trip.pk}/"' in html and "Year 9 team" not in html
    assert "Conversations that match the filters" in html
    assert 'href="/admin/groups.csv?q=trip&amp;externals=yes"' in html
    assert '<option value="yes" selected>' in html


def test_a_filter_that_is_not_offered_is_a_form_error(world, as_person):
    response = as_person(world.admin).get("/admin/groups/", {"kind": "chatroom"})
    assert response.status_code == 422
    assert '<div class="error-summary" role="alert" tabindex="-1">' in response.content.decode()
    csv_response = as_person(world.admin).get("/admin/groups.csv", {"kind": "chatroom"})
    assert csv_response.status_code == 302 and csv_response["Location"] == "/admin/groups/?kind=chatroom"


def test_a_broken_page_marker_is_a_plain_error_not_a_crash(world, as_person):
    response = as_person(world.admin).get("/admin/groups/", {"after": "nonsense"})
    assert response.status_code == 422
    assert "The page marker is not valid" in response.content.decode()


def test_pages_link_on_to_the_next_and_back_to_the_first(world, as_person, monkeypatch):
    monkeypatch.setattr(admin_register, "PAGE_SIZE", 2)
    made = [world.group(world.teacher2, title=f"Group {n}").pk for n in range(5)]
    client = as_person(world.admin)
    seen, url, pages = [], "/admin/groups/?q=group", 0
    while url:
        html = page(client, url)
        pages += 1
        seen += [int(pk) for pk in re.findall(r'<th scope="row"><a href="/admin/groups/(\d+)/">', html)]
        if pages > 1:
            assert '<a href="/admin/groups/?q=group">First page</a>' in html
            assert "All conversations" not in html and ", continued" in html
        found = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', html)
        url = html_unescape(found.group(1)) if found else ""
    assert pages == 3
    assert seen == list(reversed(made))


def test_the_csv_download_is_the_api_s_csv(world, as_person):
    world.group(world.teacher2, title='=HYPERLINK("http://evil.example")')
    world.group(world.external, title="Trip planning")
    web = as_person(world.admin).get("/admin/groups.csv", {"externals": "no"})
    api_client = ApiClient(world.admin)
    api = api_client.client.get("/api/v1/admin/conversations.csv", {"externals": "false"}, headers=api_client.headers)
    assert web.status_code == api.status_code == 200
    assert web["Content-Type"] == "text/csv; charset=utf-8"
    assert web["Content-Disposition"] == api["Content-Disposition"]
    assert web.content == api.content
    rows = list(csv.reader(io.StringIO(web.content.decode())))
    assert rows[0][:3] == ["id", "kind", "title"]
    assert [row[2] for row in rows[1:]] == ['\'=HYPERLINK("http://evil.example")']
