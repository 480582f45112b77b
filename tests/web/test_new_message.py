"""New message: the short way to a direct message (tap "New message", type part of a name, tap the person)."""

import re

from django.test import Client

from staffroom.messaging.models import Conversation, Membership
from tests.web.conftest import assert_no_inline_code


def directs_between(*people) -> list[Conversation]:
    wanted = {p.pk for p in people}
    return [
        c
        for c in Conversation.objects.filter(kind=Conversation.Kind.DIRECT)
        if set(Membership.objects.filter(conversation=c).values_list("person_id", flat=True)) == wanted
    ]


def test_the_conversation_list_leads_to_new_message(world, as_person):
    html = as_person(world.teacher).get("/").content.decode()
    assert 'id="sidebar-new-message"' in html and 'href="/new"' in html


def test_people_who_may_not_start_direct_messages_are_not_offered_it(world, as_person):
    client = as_person(world.pupil)
    assert 'id="sidebar-new-message"' not in client.get("/").content.decode()
    html = client.get("/new").content.decode()
    assert "You cannot start direct messages." in html
    assert 'name="person_id"' not in html


def test_the_page_lists_people_by_name_with_one_search_box(world, as_person):
    response = as_person(world.teacher).get("/new")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="new-message-q">Who to?</label>' in html
    assert 'data-filter="new-message-people"' in html  # page.js narrows the list as the name is typed
    names = re.findall(r'name="person_id" value="\d+" id="message-\d+" class="person-pick">([^<]+) <', html)
    assert "Tom Teacher" in names and "Hana Head" in names
    assert names == sorted(names)
    assert "Tara Teacher" not in names  # not oneself
    assert_no_inline_code(html)


def test_the_search_narrows_the_list_without_javascript(world, as_person):
    html = as_person(world.teacher).get("/new", {"q": "tom"}).content.decode()
    assert f'value="{world.teacher2.pk}"' in html
    assert f'value="{world.head.pk}"' not in html
    html = as_person(world.teacher).get("/new", {"q": "nobody-like-this"}).content.decode()
    assert "Nobody you can message matches that name." in html


def test_a_pupil_is_not_offered_to_a_teacher(world, as_person):
    html = as_person(world.teacher).get("/new", {"q": "Pupil"}).content.decode()
    assert "Pupil One" not in html
    assert f'value="{world.pupil.pk}"' not in html


def test_choosing_a_person_opens_the_direct_message_once_and_reuses_it(world, as_person):
    client = as_person(world.teacher)
    first = client.post("/new", {"person_id": world.teacher2.pk})
    [conversation] = directs_between(world.teacher, world.teacher2)
    assert first.status_code == 302
    assert first["Location"] == f"/c/{conversation.pk}/?focus=composer"
    again = client.post("/new", {"person_id": world.teacher2.pk})
    assert again["Location"] == first["Location"]
    assert len(directs_between(world.teacher, world.teacher2)) == 1


def test_the_composer_has_the_focus_on_arrival(world, as_person):
    client = as_person(world.teacher)
    location = client.post("/new", {"person_id": world.teacher2.pk})["Location"]
    html = client.get(location).content.decode()
    assert re.search(r'<textarea id="composer-body"[^>]* autofocus', html)
    plain = client.get(location.split("?")[0]).content.decode()
    assert not re.search(r'<textarea id="composer-body"[^>]* autofocus', plain)


def test_a_teacher_choosing_a_pupil_is_refused_and_nothing_is_started(world, as_person):
    before = Conversation.objects.count()
    response = as_person(world.teacher).post("/new", {"person_id": world.pupil.pk})
    assert 400 <= response.status_code < 500
    assert Conversation.objects.count() == before


def test_a_pupil_may_not_start_a_direct_message(world, as_person):
    before = Conversation.objects.count()
    response = as_person(world.pupil).post("/new", {"person_id": world.teacher.pk})
    assert 400 <= response.status_code < 500
    assert Conversation.objects.count() == before


def test_someone_in_another_organisation_is_refused(world, as_person):
    response = as_person(world.teacher).post("/new", {"person_id": world.outsider.pk})
    assert 400 <= response.status_code < 500
    assert not directs_between(world.teacher, world.outsider)


def test_a_missing_person_is_a_clear_4xx(world, as_person):
    response = as_person(world.teacher).post("/new", {"person_id": "x"})
    assert 400 <= response.status_code < 500
    assert b"Choose the person to message." in response.content


def test_the_post_needs_the_csrf_token(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.teacher)
    before = Conversation.objects.count()
    assert browser.post("/new", {"person_id": world.teacher2.pk}).status_code == 403
    assert Conversation.objects.count() == before
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get("/new").content.decode()).group(1)
    response = browser.post("/new", {"person_id": world.teacher2.pk, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
