"""'All staff at <school>' for a new announcement channel: offered to those who may start one for the school,
its members worked out by the server, and refused for a school one may not announce to."""

from staffroom.messaging.models import Conversation, StaffAudience
from tests.web.conftest import assert_no_inline_code


def test_a_headteacher_is_offered_all_staff_of_their_school_only(world, as_person):
    html = as_person(world.head).get("/").content.decode()
    assert f'<label for="audience-school-{world.school.pk}">All staff at High School</label>' in html
    assert f'id="audience-school-{world.other_school.pk}"' not in html
    assert '<label for="audience-governors">Include governors</label>' in html
    assert_no_inline_code(html)


def test_a_teacher_is_not_offered_it(world, as_person):
    assert 'id="staff-audience"' not in as_person(world.teacher).get("/").content.decode()


def test_choosing_all_staff_makes_the_members_on_the_server(world, as_person):
    response = as_person(world.head).post(
        "/conversations/new",
        {
            "kind": "announcement",
            "title": "Staff notices",
            "audience": str(world.school.pk),
            "member_ids": [world.governor.pk],
        },
    )
    assert response.status_code == 302
    notices = Conversation.objects.get(title="Staff notices")
    assert StaffAudience.objects.filter(conversation=notices, school=world.school, include_governors=False).exists()
    members = set(notices.memberships.values_list("person_id", flat=True))
    assert world.teacher.pk in members and world.office.pk in members
    assert world.pupil.pk not in members and world.governor.pk not in members and world.external.pk not in members


def test_another_school_is_refused_with_a_form_error_and_nothing_made(world, as_person):
    response = as_person(world.head).post(
        "/conversations/new", {"kind": "announcement", "title": "Theirs", "audience": str(world.other_school.pk)}
    )
    assert response.status_code == 422
    assert "Choose one of the schools listed" in response.content.decode()
    assert not Conversation.objects.filter(title="Theirs").exists()
