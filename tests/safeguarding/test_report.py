"""Reporting a concern about a message: any member (pupils too), for the DSL."""

from __future__ import annotations

import pytest

from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, PermissionDenied
from staffroom.messaging import actions as messaging
from staffroom.safeguarding import actions
from staffroom.safeguarding.models import Concern
from staffroom.safeguarding.signals import concern_raised
from tests.api.conftest import error_of
from tests.verify import verify_action, verify_refused

pytestmark = pytest.mark.django_db
A = AuditAction


@pytest.fixture
def posted(world):
    klass = world.class_channel(world.pupil, world.pupil2)
    message, _ = messaging.send_message(klass, acting=world.pupil2, body="See you at the party on Saturday")
    return message


def test_a_pupil_reports_a_message_they_can_see(world, posted):
    heard = []
    concern_raised.connect(receiver := lambda sender, concern, **kw: heard.append(concern))
    try:
        with verify_action(audit=[A.CONCERN_REPORTED], events=[]) as captured:
            concern = actions.report_concern(posted, acting=world.pupil, note="This is about me and it hurts")
    finally:
        concern_raised.disconnect(receiver)
    assert (concern.source, concern.category, concern.status) == ("report", "other", "open")
    assert concern.about == world.pupil2 and concern.raised_by == world.pupil and concern.message == posted
    assert concern.note == "This is about me and it hurts"
    assert captured.audit[0].data == {"message": posted.pk, "category": "other"}
    assert "hurts" not in str(captured.audit[0].data)
    assert heard == [concern]


def test_a_report_needs_a_note(world, posted):
    with verify_refused(Invalid, field="note"):
        actions.report_concern(posted, acting=world.pupil, note="   ")


def test_a_report_needs_a_known_category(world, posted):
    with verify_refused(Invalid, field="category"):
        actions.report_concern(posted, acting=world.pupil, note="worried", category="gossip")


def test_someone_outside_the_conversation_may_not_report(world, posted):
    with verify_refused(PermissionDenied):
        actions.report_concern(posted, acting=world.teacher2, note="worried")


def test_the_api_answers_201_with_the_id_and_status_only(world, posted, as_person):
    response = as_person(world.pupil).post(
        f"/messages/{posted.pk}/concerns", {"category": "bullying", "note": "They keep saying this to me"}
    )
    assert response.status_code == 201
    concern = Concern.objects.get()
    assert response.json() == {"id": concern.pk, "status": "open"}
    assert concern.category == "bullying"


def test_the_api_answers_404_for_a_message_the_caller_cannot_see(world, posted, as_person):
    for who in (world.teacher2, world.outsider, world.head):
        response = as_person(who).post(f"/messages/{posted.pk}/concerns", {"note": "worried"})
        assert response.status_code == 404, who
        assert error_of(response)["code"] == "not_found"
    assert not Concern.objects.exists()


def test_the_api_refuses_a_report_without_a_note(world, posted, as_person):
    response = as_person(world.pupil).post(f"/messages/{posted.pk}/concerns", {"note": ""})
    assert response.status_code == 422 and error_of(response)["field"] == "note"


# --- the web page -----------------------------------------------------------------------------------------


def test_the_actions_menu_offers_report_and_the_form_thanks_the_reporter(world, posted, client):
    client.force_login(world.pupil)
    page = client.get(f"/c/{posted.conversation_id}/").content.decode()
    url = f"/c/{posted.conversation_id}/m/{posted.pk}/report"
    assert f'href="{url}"' in page and "Report a concern" in page
    form = client.get(url)
    assert form.status_code == 200
    assert b'<label for="id_note">' in form.content
    empty = client.post(url, {"category": "", "note": ""})
    assert empty.status_code == 422 and Concern.objects.count() == 0
    done = client.post(url, {"category": "", "note": "It is about me"})
    assert done.status_code == 200
    assert b"Thank you for telling us" in done.content
    assert Concern.objects.get().source == "report"


def test_the_report_page_is_404_for_a_message_one_cannot_see(world, posted, client):
    client.force_login(world.teacher2)
    assert client.get(f"/c/{posted.conversation_id}/m/{posted.pk}/report").status_code == 404
