"""Announcements: members acknowledge; the sender sees who has and has not, live, and can remind the rest."""

from staffroom.messaging import actions
from staffroom.messaging.models import Acknowledgement, AcknowledgementReminder
from tests.web.conftest import HTMX


def announcement_with_notice(world):
    conversation = world.announcement(world.teacher, world.teacher2, world.ta, world.office)
    message, _ = actions.send_message(conversation, acting=world.head, body="Fire drill on Friday at 10")
    return conversation, message


def test_member_sees_an_acknowledge_button_and_no_composer(world, as_person):
    conversation, _ = announcement_with_notice(world)
    html = as_person(world.teacher).get(f"/c/{conversation.pk}/").content.decode()
    assert ">Acknowledge</button>" in html
    assert 'data-testid="ack-count"' not in html
    assert 'name="body" rows="2" disabled' in html and ">Send</button>" not in html
    assert "Only the people who run this announcement channel can post in it." in html


def test_member_cannot_post_in_an_announcement_channel(world, as_person):
    conversation, _ = announcement_with_notice(world)
    response = as_person(world.teacher).post(f"/c/{conversation.pk}/send", {"body": "Reply all"})
    assert response.status_code == 403


def test_acknowledging_replaces_the_button_with_a_tick(world, as_person):
    conversation, message = announcement_with_notice(world)
    client = as_person(world.teacher)
    response = client.post(f"/c/{conversation.pk}/m/{message.pk}/acknowledge", **HTMX)
    html = response.content.decode()
    assert "Acknowledged ✓" in html and ">Acknowledge</button>" not in html
    assert Acknowledgement.objects.filter(message=message, person=world.teacher).exists()
    assert "Acknowledged ✓" in client.get(f"/c/{conversation.pk}/").content.decode()


def test_acknowledging_without_javascript_returns_to_the_announcement(world, as_person):
    conversation, message = announcement_with_notice(world)
    response = as_person(world.ta).post(f"/c/{conversation.pk}/m/{message.pk}/acknowledge")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#message-{message.pk}")


def test_sender_sees_the_count_and_who_has_and_has_not(world, as_person):
    conversation, message = announcement_with_notice(world)
    actions.acknowledge(message, acting=world.teacher)
    html = as_person(world.head).get(f"/c/{conversation.pk}/").content.decode()
    assert '<p class="ack-count" data-testid="ack-count">1 of 4 acknowledged</p>' in html
    acknowledged, pending = html.split("Acknowledged (1)")[1].split("Not yet (3)")
    assert "Tara Teacher" in acknowledged
    for name in ["Tom Teacher", "Tia Assistant", "Olu Office"]:
        assert name in pending.split("</ul>")[0]
    assert "Remind those who have not" in html
    assert ">Acknowledge</button>" not in html  # one does not acknowledge one's own notice


def test_status_fragment_updates_as_people_acknowledge(world, as_person):
    conversation, message = announcement_with_notice(world)
    client = as_person(world.head)
    url = f"/c/{conversation.pk}/m/{message.pk}/acknowledgements"
    assert "0 of 4 acknowledged" in client.get(url, **HTMX).content.decode()
    actions.acknowledge(message, acting=world.ta)
    actions.acknowledge(message, acting=world.office)
    fragment = client.get(url, **HTMX).content.decode()
    assert fragment.strip().startswith(f'<div class="ack-status" id="ack-status-{message.pk}"')
    assert "2 of 4 acknowledged" in fragment


def test_members_cannot_see_the_status(world, as_person):
    conversation, message = announcement_with_notice(world)
    url = f"/c/{conversation.pk}/m/{message.pk}/acknowledgements"
    assert as_person(world.teacher).get(url, **HTMX).status_code == 403
    assert as_person(world.pupil).get(url, **HTMX).status_code == 404


def test_remind_those_who_have_not(world, as_person):
    conversation, message = announcement_with_notice(world)
    actions.acknowledge(message, acting=world.teacher)
    client = as_person(world.head)
    response = client.post(f"/c/{conversation.pk}/m/{message.pk}/remind", **HTMX)
    assert response.status_code == 200
    assert "Reminder sent to 3 people." in response.content.decode()
    assert AcknowledgementReminder.objects.get(message=message).recipients == 3
    # A second reminder at once is refused politely, in place.
    again = client.post(f"/c/{conversation.pk}/m/{message.pk}/remind", **HTMX)
    assert again.status_code == 422
    assert (
        "A reminder about this announcement was just sent. You can send another in 1 minute." in again.content.decode()
    )
    assert AcknowledgementReminder.objects.count() == 1


def test_remind_without_javascript_shows_a_notice_on_the_page(world, as_person):
    conversation, message = announcement_with_notice(world)
    client = as_person(world.head)
    response = client.post(f"/c/{conversation.pk}/m/{message.pk}/remind", follow=True)
    assert "Reminder sent to 4 people." in response.content.decode()


def test_members_cannot_remind(world, as_person):
    conversation, message = announcement_with_notice(world)
    response = as_person(world.teacher).post(f"/c/{conversation.pk}/m/{message.pk}/remind", **HTMX)
    assert response.status_code == 403
    assert not AcknowledgementReminder.objects.exists()
