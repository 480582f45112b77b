"""The web page and the API reach the same action the same way, so for the same request they agree: both
succeed or both refuse (with the same message), and leave the same rows behind."""

import pytest
from django.test import Client

from staffroom.compliance.models import AuditEntry
from staffroom.messaging.models import Membership
from tests import factories
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def web_add(person, conversation, person_id):
    client = Client()
    client.force_login(person)
    response = client.post(f"/c/{conversation.pk}/members/add", {"person_id": person_id})
    ok = response.status_code == 302
    return ok, "" if ok else response.content.decode()


def api_add(person, conversation, person_id):
    response = ApiClient(person).post(f"/conversations/{conversation.pk}/members", {"person_id": person_id})
    ok = response.status_code == 201
    return ok, "" if ok else response.json()["error"]["message"]


def state(conversation):
    members = sorted(Membership.objects.filter(conversation=conversation).values_list("person_id", flat=True))
    return members, AuditEntry.objects.filter(conversation_id=conversation.pk, action="membership.added").count()


@pytest.mark.parametrize("channel", ["web", "api"])
def test_re_adding_an_enrolled_pupil_to_their_class_channel_changes_nothing_either_way(world, channel):
    """Finding of the trust-scale review: this was 422 on the web and 201 on the API."""
    conv = world.class_channel()
    before = state(conv)
    add = web_add if channel == "web" else api_add
    assert add(world.teacher, conv, world.pupil.pk)[0]
    assert state(conv) == before


@pytest.mark.parametrize("case", ["newly enrolled pupil", "pupil of another class", "teaching assistant"])
def test_adding_to_a_class_channel_gets_the_same_answer_on_the_web_and_the_api(world, case):
    results = {}
    for channel, add in (("web", web_add), ("api", api_add)):
        conv = world.class_channel()
        if case == "newly enrolled pupil":
            pupil = factories.person(world.school, "pupil")
            pupil.classes.add(world.klass)
        elif case == "pupil of another class":
            pupil = factories.person(world.school, "pupil")
            pupil.classes.add(factories.school_class(world.school))
        else:
            pupil = world.ta
        ok, message = add(world.teacher, conv, pupil.pk)
        results[channel] = (ok, pupil.pk in state(conv)[0])
        if not ok:
            results[channel] += ("cannot be added here" in message,)
    assert results["web"] == results["api"], results


def test_removing_someone_who_is_not_a_member_is_not_found_on_both(world):
    conv = world.group(world.teacher2)
    client = Client()
    client.force_login(world.teacher)
    web = client.post(f"/c/{conv.pk}/members/{world.ta.pk}/remove")
    api = ApiClient(world.teacher).delete(f"/conversations/{conv.pk}/members/{world.ta.pk}")
    assert (web.status_code, api.status_code) == (404, 404)
