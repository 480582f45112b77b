"""Pins on the conversation page: Pin/Unpin in a message's actions, the "Pinned" strip with the latest pin and a
link to them all, the list page, and nothing of it for anyone outside the conversation."""

from staffroom.messaging import actions
from staffroom.messaging.models import Pin
from tests.web.conftest import assert_no_inline_code


def send(conversation, person, body):
    return actions.send_message(conversation, acting=person, body=body)[0]


def test_a_member_pins_from_the_actions_and_the_strip_shows_the_latest(world, as_person):
    group = world.group(world.teacher2)
    first, second = send(group, world.teacher, "Trip forms by Friday"), send(group, world.teacher, "Room S4 today")
    client = as_person(world.teacher2)
    html = client.get(f"/c/{group.pk}/").content.decode()
    assert f'id="pin-{first.pk}"' in html and "Pin to top" in html
    assert 'id="pinned-strip"' in html and 'id="pinned-latest"' not in html  # nothing pinned yet

    response = client.post(f"/c/{group.pk}/m/{first.pk}/pin", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'id="pin-{first.pk}"' in response.content.decode() and "Unpin" in response.content.decode()
    client.post(f"/c/{group.pk}/m/{second.pk}/pin")

    html = as_person(world.teacher).get(f"/c/{group.pk}/").content.decode()
    assert "Room S4 today" in html.split('id="pinned-latest"')[1].split("</a>")[0]
    assert f'href="/c/{group.pk}/pins/"' in html and "All 2 pinned" in html
    assert_no_inline_code(html)

    listed = client.get(f"/c/{group.pk}/pins/").content.decode()
    assert listed.index("Room S4 today") < listed.index("Trip forms by Friday")
    assert f"#message-{first.pk}" in listed and f'id="unpin-{first.pk}"' in listed


def test_unpinning_without_javascript_goes_back_to_the_conversation(world, as_person):
    group = world.group(world.teacher2)
    message = send(group, world.teacher, "Trip forms by Friday")
    actions.pin_message(message, acting=world.teacher)
    response = as_person(world.teacher2).post(f"/c/{group.pk}/m/{message.pk}/pin", {"unpin": "on"})
    assert response.status_code == 302
    assert not Pin.objects.filter(message=message).exists()


def test_the_strip_alone_for_the_live_refresh(world, as_person):
    group = world.group(world.teacher2)
    message = send(group, world.teacher, "Trip forms by Friday")
    actions.pin_message(message, acting=world.teacher)
    html = as_person(world.teacher2).get(f"/c/{group.pk}/pins/strip").content.decode()
    assert html.strip().startswith('<div id="pinned-strip"') and "Trip forms by Friday" in html


def test_a_pupil_sees_pins_in_their_class_channel_but_is_offered_no_pin_button(world, as_person):
    channel = world.class_channel()
    message = send(channel, world.teacher, "Homework: pages 4-5")
    actions.pin_message(message, acting=world.teacher)
    client = as_person(world.pupil)
    html = client.get(f"/c/{channel.pk}/").content.decode()
    assert "Homework: pages 4-5" in html.split('id="pinned-strip"')[1].split("</div>")[0]
    assert f'id="pin-{message.pk}"' not in html
    assert client.post(f"/c/{channel.pk}/m/{message.pk}/pin", {"unpin": "on"}).status_code == 403
    assert Pin.objects.filter(message=message).exists()
    assert 'id="unpin-' not in client.get(f"/c/{channel.pk}/pins/").content.decode()


def test_outside_the_conversation_every_pin_page_is_404(world, as_person):
    group = world.group(world.teacher2)
    message = send(group, world.teacher, "Ours")
    client = as_person(world.office)
    assert client.get(f"/c/{group.pk}/pins/").status_code == 404
    assert client.get(f"/c/{group.pk}/pins/strip").status_code == 404
    assert client.post(f"/c/{group.pk}/m/{message.pk}/pin").status_code == 404
    assert not Pin.objects.exists()
