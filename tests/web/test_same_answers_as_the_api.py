"""The web page and the API reach the same action the same way, so for the same request they agree: both
succeed or both refuse (with the same message), and leave the same rows behind."""

import html

import pytest
from django.test import Client

from staffroom.accounts.models import Person
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


# --- the admin console's people ----------------------------------------------------------------------------


def people_state():
    from staffroom.accounts.models import RoleAssignment

    people = sorted(Person.objects.values_list("pk", "email", "name", "school_id", "is_active", "access_ends_on"))
    roles = sorted(RoleAssignment.objects.values_list("person_id", "school_id", "role"))
    return people, roles, AuditEntry.objects.filter(action__startswith="person.").count()


def web_answer(response):
    """(status, page) of a console page that refused, or (status, "") when it went through (a redirect)."""
    return response.status_code, "" if response.status_code == 302 else response.content.decode()


def api_answer(response, ok_status):
    return response.status_code, "" if response.status_code == ok_status else response.json()["error"]["message"]


def assert_same_answer(web, api, ok_status):
    """Both went through, or both refused with the same status and the API's message shown on the page."""
    (web_status, page), (api_status, message) = web, api
    assert (web_status == 302) == (api_status == ok_status), (web, api)
    if api_status != ok_status:
        assert web_status == api_status, (web_status, api_status, message)
        assert html.escape(message) in page, message


STARTER = {"email": "new.starter@test.example", "name": "Nia Newstart", "roles": ["teacher"]}


@pytest.mark.parametrize(
    ("who", "change"),
    [
        ("admin", {"email": "TARA@TAKEN.EXAMPLE"}),  # taken, in another case
        ("admin", {"email": "not an address"}),
        ("admin", {"roles": []}),
        ("admin", {"roles": ["pupil", "teacher"]}),
        ("head", {"roles": ["it_admin"]}),  # only a trust-wide admin gives a trust role
        ("head", {"school": "other"}),
        ("head", {}),
    ],
)
def test_adding_a_person_gets_the_same_answer_on_the_web_and_the_api(world, who, change):
    world.teacher.email = "tara@taken.example"
    world.teacher.save(update_fields=["email"])
    school = world.other_school if change.pop("school", None) == "other" else world.school
    body = {**STARTER, "school_id": school.pk, **change}
    acting = getattr(world, who)
    api_client = ApiClient(acting)  # its token is issued before the state is taken
    before = people_state()

    client = Client()
    client.force_login(acting)
    web = web_answer(client.post("/admin/people/new", {**body, "leaves_on": ""}))
    after_web = people_state()
    if web[0] == 302:  # it went through: take it back out, so the API meets the same world
        Person.objects.filter(email=body["email"]).delete()
    api = api_answer(api_client.post("/admin/people", body), 201)
    assert_same_answer(web, api, 201)
    if web[0] != 302:
        assert after_web == before == people_state(), "a refusal left something behind"


@pytest.mark.parametrize(
    ("who", "target", "roles"),
    [
        ("head", "teacher", ["it_admin"]),  # a headteacher cannot make anyone an IT admin
        ("head", "admin", ["teacher"]),  # nor change an IT admin
        ("head", "head", ["headteacher", "dsl"]),  # nobody changes their own roles
        ("admin", "teacher", []),
        ("admin", "teacher", ["wizard"]),
        ("admin", "teacher", ["teacher", "dsl"]),
    ],
)
def test_changing_roles_gets_the_same_answer_on_the_web_and_the_api(world, who, target, roles):
    acting, person = getattr(world, who), getattr(world, target)
    api_client = ApiClient(acting)
    before = people_state()
    client = Client()
    client.force_login(acting)
    web = web_answer(
        client.post(
            f"/admin/people/{person.pk}/change",
            {"change-name": person.name, "change-school_id": person.school_id or "", "change-roles": roles},
        )
    )
    if web[0] != 302:
        assert people_state() == before, "a refusal left something behind"
    api = api_answer(api_client.patch(f"/admin/people/{person.pk}", {"roles": roles}), 200)
    assert_same_answer(web, api, 200)
