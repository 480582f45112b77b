"""Markup that assistive technology relies on: ids that survive a swap, live regions around lists, linked errors.

page.js and live.js keep keyboard focus when a message is replaced by moving it to the element with the same id
in the new copy; these tests hold the templates to giving every control such an id.
"""

import re

from staffroom.messaging import actions
from tests.web.conftest import HTMX


def test_every_control_in_a_message_has_an_id_that_survives_a_swap(world, as_person):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher2, body="Cover for period 3?")
    actions.react(message, "👍", acting=world.teacher2)
    client = as_person(world.teacher)
    page = client.get(f"/c/{conversation.pk}/").content.decode()
    fragment = client.get(f"/c/{conversation.pk}/m/{message.pk}/", **HTMX).content.decode()
    m, author = message.pk, world.teacher2.pk
    for html in (page, fragment):
        assert (
            f'id="message-{m}" class="message" data-message-id="{m}" data-author-id="{author}" tabindex="-1">' in html
        )
        assert f'<summary id="actions-{m}">' in html
        assert f'id="react-{m}-1"' in html  # the 👍 under the message
        assert f'id="react-menu-{m}-2" class="reaction" data-focus-after="react-{m}-2"' in html  # ✅ in the menu
        assert f'id="reply-{m}"' in html and f'id="delete-{m}"' in html  # the teacher runs the group


def test_saving_cancelling_and_deleting_send_focus_back_to_the_message(world, as_person):
    conversation = world.group(world.teacher2)
    message, _ = actions.send_message(conversation, acting=world.teacher, body="Typo here")
    client = as_person(world.teacher)
    page = client.get(f"/c/{conversation.pk}/").content.decode()
    assert f'id="edit-{message.pk}"' in page
    assert f'data-focus-after="message-{message.pk}"' in page  # on the delete form
    edit_form = client.get(f"/c/{conversation.pk}/m/{message.pk}/edit", **HTMX).content.decode()
    assert f'data-editing="true" data-focus-after="message-{message.pk}"' in edit_form


def test_acknowledge_button_and_its_confirmation_share_an_id(world, as_person):
    conversation = world.announcement(world.teacher, world.ta)
    message, _ = actions.send_message(conversation, acting=world.head, body="Fire drill on Friday")
    client = as_person(world.teacher)
    before = client.get(f"/c/{conversation.pk}/").content.decode()
    assert f'<button type="submit" id="ack-{message.pk}" class="primary"' in before
    after = client.post(f"/c/{conversation.pk}/m/{message.pk}/acknowledge", **HTMX).content.decode()
    assert f'<p class="acknowledged" id="ack-{message.pk}" tabindex="-1">' in after

    sender = as_person(world.head).get(f"/c/{conversation.pk}/").content.decode()
    assert f'<summary id="ack-summary-{message.pk}">' in sender
    assert f'<button type="submit" id="remind-{message.pk}">' in sender


def test_conversation_list_button_has_an_id(world, as_person):
    world.group(world.teacher2)
    html = as_person(world.teacher).get("/sidebar").content.decode()
    assert '<summary id="sidebar-summary" class="sidebar-summary"' in html
    assert 'id="sidebar-start"' in html


def test_notices_and_result_counts_are_announced_from_a_wrapper_not_the_list_or_heading(world, as_person):
    group = world.group(world.teacher2)
    client = as_person(world.teacher)
    html = client.post(f"/c/{group.pk}/members/add", {"person_id": world.ta.pk}, follow=True).content.decode()
    assert re.search(r'<div role="status">\s*<ul class="notices">\s*<li class="notice', html)
    actions.send_message(group, acting=world.teacher, body="hello there")
    html = client.get("/search?q=hello").content.decode()
    assert '<div role="status"><h2 class="results-heading">1 result</h2></div>' in html


def test_error_summary_links_each_problem_to_its_field(world, as_person):
    html = as_person(world.teacher).post("/conversations/new", {"kind": "group", "title": ""}).content.decode()
    assert '<div class="error-summary" role="alert" tabindex="-1">' in html
    assert '<li><a href="#id_title">Give the conversation a title.</a></li>' in html
    assert 'id="id_title" name="title"' in html
    assert 'aria-describedby="id_title_hint id_title_error" aria-invalid="true"' in html


def test_kind_and_member_errors_are_linked_to_their_groups(world, as_person):
    data = {"kind": "no-such-kind", "title": "Planning", "member_ids": ["999999"]}
    html = as_person(world.teacher).post("/conversations/new", data).content.decode()
    assert '<a href="#id_kind">' in html and '<a href="#id_member_ids">' in html
    assert '<fieldset id="id_kind" tabindex="-1" aria-describedby="id_kind_error">' in html
    assert 'aria-describedby="kind-group-hint id_kind_error"' in html
    assert '<p class="field-error" id="id_kind_error">' in html
    assert 'class="people-picker" tabindex="-1" aria-describedby="id_member_ids_error"' in html
    assert f'id="member-{world.teacher2.pk}" value="{world.teacher2.pk}" aria-describedby="id_member_ids_error"' in html
    assert '<p class="field-error" id="id_member_ids_error">' in html


def test_adding_someone_who_may_not_join_keeps_them_chosen_beside_the_error(world, as_person):
    class_channel = world.class_channel()
    response = as_person(world.teacher).post(f"/c/{class_channel.pk}/members/add", {"person_id": world.office.pk})
    html = response.content.decode()
    assert response.status_code == 422
    assert f'<option value="{world.office.pk}" selected>' in html
    assert html.count(" selected>") == 1
    assert '<a href="#id_person_id">' in html and 'aria-describedby="id_person_id_error"' in html
