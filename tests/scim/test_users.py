"""/scim/v2/Users: the identity provider adds, finds, changes and ends staff; what Entra ID sends is understood;
contact details are never kept; only the token's own organisation is reached."""

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.backends.db import SessionStore
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from staffroom.accounts import actions as people_actions
from staffroom.accounts.models import ApiToken, Person, Role
from staffroom.compliance.models import AuditEntry
from staffroom.scim.models import ScimUser
from tests import factories
from tests.scim.conftest import DOMAIN, ScimClient, error_of, scim_token, user_body

pytestmark = pytest.mark.django_db

EXTENSION = "urn:staffroom:scim:schemas:extension:2.0:User"


def create(scim, user_name="jo.bloggs@school.example", **attributes):
    response = scim.post("/Users", user_body(user_name, **attributes))
    assert response.status_code == 201, response.content
    return response.json()


def signed_in(person) -> str:
    session = SessionStore()
    session["_auth_user_id"] = str(person.pk)
    session.create()
    UserSession.objects.create(user=person, session_key=session.session_key, ip="192.0.2.1")
    return session.session_key


# --- creating ---------------------------------------------------------------------------------------------


def test_a_starter_from_the_directory_becomes_a_teacher_at_the_tokens_school(scim, world):
    body = create(
        scim, "Jo.Bloggs@School.Example", externalId="entra-1", displayName="Jo Bloggs",
        name={"givenName": "Jo", "familyName": "Bloggs", "middleName": "Q"}, active=True,
    )  # fmt: skip
    assert body["userName"] == "jo.bloggs@school.example"
    assert body["externalId"] == "entra-1" and body["displayName"] == "Jo Bloggs"
    assert body["name"] == {"givenName": "Jo", "familyName": "Bloggs"}
    assert body["active"] is True and "roles" not in body
    assert body["meta"]["location"] == f"http://testserver/scim/v2/Users/{body['id']}"
    person = Person.objects.get(pk=int(body["id"]))
    assert person.email == "jo.bloggs@school.example" and person.name == "Jo Bloggs"
    assert person.school == world.school and person.role_codes == ["teacher"]
    entry = AuditEntry.objects.get(action="person.added", target_id=str(person.pk))
    assert entry.actor is None and entry.actor_service == "scim" and entry.channel == "scim"


def test_the_location_header_names_the_new_user(scim):
    response = scim.post("/Users", user_body("sam@school.example"))
    assert response["Location"] == response.json()["meta"]["location"]


def test_roles_and_school_from_the_directory(scim, world):
    body = create(
        scim, roles=[{"value": "Teaching assistant", "primary": True, "type": "WindowsAzureActiveDirectoryRole"}],
        **{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", EXTENSION],
           EXTENSION: {"school": "primary school"}},
    )  # fmt: skip
    assert body["roles"] == [{"value": "teaching_assistant"}]
    assert body[EXTENSION] == {"school": "Primary School"}
    person = Person.objects.get(pk=int(body["id"]))
    assert person.school == world.other_school and person.role_codes == ["teaching_assistant"]


def test_a_bare_user_name_is_completed_with_the_tokens_domain(scim):
    body = create(scim, "jsmith")
    assert body["userName"] == "jsmith"
    assert Person.objects.get(pk=int(body["id"])).email == f"jsmith@{DOMAIN}"


def test_a_bare_user_name_without_a_domain_is_refused(world):
    client = ScimClient(scim_token(world.org, default_school_id=world.school.pk))
    error_of(client.post("/Users", user_body("jsmith")), 400, "invalidValue")


def test_without_a_school_a_trust_with_several_schools_is_asked_which(world):
    client = ScimClient(scim_token(world.org))
    body = error_of(client.post("/Users", user_body("jo@school.example")), 400, "invalidValue")
    assert "school" in body["detail"]
    assert not Person.objects.filter(email="jo@school.example").exists()


def test_a_user_created_inactive_has_no_access(scim):
    body = create(scim, active="False")
    assert body["active"] is False
    assert not Person.objects.get(pk=int(body["id"])).is_active


def test_contact_details_are_accepted_and_never_kept_nor_returned(scim):
    body = create(
        scim, "pat@school.example",
        phoneNumbers=[{"value": "+44 7700 900123", "type": "mobile"}],
        addresses=[{"streetAddress": "1 Home Lane", "postalCode": "AB1 2CD"}],
        emails=[{"value": "pat.personal@gmail.example", "type": "home"},
                {"value": "pat@school.example", "primary": True}],
        photos=[{"value": "https://photos.example/pat.jpg"}], nickName="Patsy", title="Mx",
        **{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "123"}},
    )  # fmt: skip
    response = scim.get(f"/Users/{body['id']}")
    for document in (body, response.json()):
        text = str(document)
        for secret in ("7700", "Home Lane", "AB1", "gmail", "photos", "Patsy", "employeeNumber"):
            assert secret not in text
    link = ScimUser.objects.get(person_id=int(body["id"]))
    stored = str({f.name: getattr(link, f.name) for f in ScimUser._meta.fields})
    assert "7700" not in stored and "gmail" not in stored and "Home Lane" not in stored
    # Nor in the audit trail.
    assert not AuditEntry.objects.filter(details__icontains="7700").exists()


def test_a_patch_with_contact_details_is_accepted_and_ignored(scim):
    body = create(scim)
    response = scim.patch(
        f"/Users/{body['id']}",
        {"op": "add", "path": "phoneNumbers", "value": [{"value": "07700 900456", "type": "mobile"}]},
        {"op": "replace", "path": 'emails[type eq "home"].value', "value": "me@home.example"},
        {"op": "replace", "value": {"addresses": [{"locality": "Leeds"}], "displayName": "Jo B"}},
    )
    assert response.status_code == 200, response.content
    assert "900456" not in response.content.decode() and "Leeds" not in response.content.decode()
    assert response.json()["displayName"] == "Jo B"


def test_a_user_name_already_here_is_a_conflict(scim, world):
    create(scim, "jo@school.example")
    error_of(scim.post("/Users", user_body("JO@school.example")), 409, "uniqueness")
    # Someone already in Staffroom (not from the directory) is found by their sign-in address.
    error_of(scim.post("/Users", user_body(world.teacher.email)), 409, "uniqueness")


def test_an_address_used_in_another_organisation_is_a_conflict_too(scim, world):
    error_of(scim.post("/Users", user_body(world.outsider.email)), 409, "uniqueness")
    assert Person.objects.filter(email=world.outsider.email).count() == 1


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        ({"displayName": "No user name"}, "invalidValue"),
        ({"userName": 42}, "invalidValue"),
        ({"userName": "a@school.example", "active": "maybe"}, "invalidValue"),
        ({"userName": "a@school.example", "roles": [{"value": "pupil"}]}, "invalidValue"),
        ({"userName": "a@school.example", "roles": [{"value": "wizard"}]}, "invalidValue"),
        ({"userName": "a@school.example", EXTENSION: {"school": "Hogwarts"}}, "invalidValue"),
        ({"userName": "a@school.example", "displayName": "x" * 151}, "invalidValue"),
    ],
)
def test_bad_users_are_refused_with_a_scim_error_and_nothing_made(scim, body, scim_type):
    before = Person.objects.count()
    error_of(scim.post("/Users", body), 400, scim_type)
    assert Person.objects.count() == before


def test_a_body_that_is_not_json_is_a_syntax_error(scim):
    error_of(scim.post("/Users", "{not json"), 400, "invalidSyntax")
    error_of(scim.post("/Users", "[1, 2]"), 400, "invalidSyntax")


# --- reading ----------------------------------------------------------------------------------------------


def test_people_already_in_staffroom_are_shown_by_their_sign_in_address(scim, world):
    body = scim.get(f"/Users/{world.teacher.pk}").json()
    assert body["userName"] == world.teacher.email and body["displayName"] == "Tara Teacher"
    assert body["active"] is True


def test_pupils_externals_and_other_organisations_are_not_there(scim, world):
    for person in (world.pupil, world.external, world.outsider):
        error_of(scim.get(f"/Users/{person.pk}"), 404)
        error_of(scim.patch(f"/Users/{person.pk}", {"op": "replace", "path": "active", "value": False}), 404)
        error_of(scim.delete(f"/Users/{person.pk}"), 404)
    error_of(scim.get("/Users/not-a-number"), 404)
    listed = {r["id"] for r in scim.get("/Users", count="200").json()["Resources"]}
    assert str(world.pupil.pk) not in listed and str(world.outsider.pk) not in listed
    assert str(world.teacher.pk) in listed
    assert world.outsider.is_active and world.pupil.is_active


def test_filter_by_user_name_finds_one_whatever_the_case(scim, world):
    create(scim, "jo@school.example", externalId="E-1", displayName="Jo Bloggs")
    found = scim.get("/Users", filter='userName eq "JO@School.example"').json()
    assert found["totalResults"] == 1 and found["Resources"][0]["userName"] == "jo@school.example"
    assert found["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert scim.get("/Users", filter='externalId eq "E-1"').json()["totalResults"] == 1
    # externalId is case-exact (RFC 7643 section 3.1).
    assert scim.get("/Users", filter='externalId eq "e-1"').json()["totalResults"] == 0
    none = scim.get("/Users", filter='userName eq "nobody@school.example"').json()
    assert none["totalResults"] == 0 and none["Resources"] == []


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('displayName co "bloggs"', {"jo"}),
        ('userName sw "jo"', {"jo"}),
        ('userName ew "@school.example" and active eq false', {"al"}),
        ('displayName eq "Jo Bloggs" or displayName eq "Al Inactive"', {"jo", "al"}),
        ("externalId pr and not (active eq true)", {"al"}),
        ('name.givenName eq "AL"', {"al"}),
    ],
)
def test_filters_combine(scim, expression, expected):
    create(scim, "jo@school.example", externalId="E-1", displayName="Jo Bloggs")
    create(scim, "al@school.example", externalId="E-2", displayName="Al Inactive", name={"givenName": "Al"},
           active=False)  # fmt: skip
    found = scim.get("/Users", filter=expression).json()["Resources"]
    assert {r["userName"].split("@")[0] for r in found} == expected


@pytest.mark.parametrize(
    "expression", ["userName eq", 'phoneNumbers eq "1"', 'active eq "yes"', "userName eq 12", "(("]
)
def test_bad_filters_are_refused(scim, expression):
    error_of(scim.get("/Users", filter=expression), 400, "invalidFilter")


def test_pages_of_users(scim, world):
    everyone = scim.get("/Users").json()
    total = everyone["totalResults"]
    assert total == len(everyone["Resources"]) == everyone["itemsPerPage"]
    ids = [r["id"] for r in everyone["Resources"]]
    page = scim.get("/Users", startIndex="2", count="3").json()
    assert page["startIndex"] == 2 and page["itemsPerPage"] == 3 and page["totalResults"] == total
    assert [r["id"] for r in page["Resources"]] == ids[1:4]
    assert scim.get("/Users", count="0").json()["Resources"] == []
    assert scim.get("/Users", startIndex="0", count="1").json()["startIndex"] == 1
    assert scim.get("/Users", startIndex=str(total + 5)).json()["Resources"] == []
    error_of(scim.get("/Users", count="many"), 400, "invalidValue")


def test_attributes_and_excluded_attributes(scim):
    body = create(scim, displayName="Jo Bloggs", name={"givenName": "Jo", "familyName": "Bloggs"})
    only = scim.get(f"/Users/{body['id']}", attributes="displayName,name.givenName").json()
    assert only == {
        "schemas": body["schemas"], "id": body["id"], "displayName": "Jo Bloggs", "name": {"givenName": "Jo"},
    }  # fmt: skip
    without = scim.get(f"/Users/{body['id']}", excludedAttributes="name,meta").json()
    assert "name" not in without and "meta" not in without and without["userName"] == body["userName"]


def test_search_by_post(scim):
    create(scim, "jo@school.example")
    response = scim.post(
        "/Users/.search",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
         "filter": 'userName eq "jo@school.example"', "attributes": ["userName"]},
    )  # fmt: skip
    assert response.status_code == 200
    (found,) = response.json()["Resources"]
    assert set(found) == {"schemas", "id", "userName"}


# --- changing ---------------------------------------------------------------------------------------------


def test_put_replaces_the_directorys_record(scim, world):
    body = create(scim, displayName="Jo Bloggs", externalId="E-1", roles=[{"value": "teacher"}])
    response = scim.put(
        f"/Users/{body['id']}",
        user_body("jo.smith@school.example", name={"formatted": "Jo Smith"}, active=True,
                  roles=[{"value": "headteacher"}], **{EXTENSION: {"school": "Primary School"}}),
    )  # fmt: skip
    assert response.status_code == 200, response.content
    replaced = response.json()
    assert "externalId" not in replaced and "displayName" not in replaced
    assert replaced["userName"] == "jo.smith@school.example" and replaced["name"] == {"formatted": "Jo Smith"}
    person = Person.objects.get(pk=int(body["id"]))
    assert person.email == "jo.smith@school.example" and person.name == "Jo Smith"
    assert person.role_codes == ["headteacher"] and person.school == world.other_school


def test_entra_style_patches(scim):
    body = create(scim, displayName="Jo Bloggs", name={"givenName": "Jo", "familyName": "Bloggs"})
    response = scim.patch(
        f"/Users/{body['id']}",
        {"op": "Replace", "path": "name.familyName", "value": "Smith"},
        {"op": "Add", "path": "externalId", "value": "E-9"},
        {"op": "Add", "path": "roles", "value": [{"value": "teacher", "primary": "True"}]},
        {"op": "Add", "value": {"name.formatted": "Jo Smith", f"{EXTENSION}:school": "Primary School"}},
        {"op": "Remove", "path": "displayName"},
    )
    assert response.status_code == 200, response.content
    patched = response.json()
    assert patched["name"] == {"formatted": "Jo Smith", "familyName": "Smith", "givenName": "Jo"}
    assert patched["externalId"] == "E-9" and "displayName" not in patched
    assert patched["roles"] == [{"value": "teacher"}] and patched[EXTENSION] == {"school": "Primary School"}
    assert Person.objects.get(pk=int(body["id"])).name == "Jo Smith"


def test_patch_roles_by_value_filter(scim):
    body = create(scim, roles=[{"value": "teacher"}, {"value": "dsl"}])
    response = scim.patch(f"/Users/{body['id']}", {"op": "remove", "path": 'roles[value eq "dsl"]'})
    assert response.json()["roles"] == [{"value": "teacher"}]
    person = Person.objects.get(pk=int(body["id"]))
    assert person.role_codes == ["teacher"]
    # Removing roles altogether leaves them to Staffroom's admins: the person keeps the roles they have.
    response = scim.patch(f"/Users/{body['id']}", {"op": "remove", "path": "roles"})
    assert "roles" not in response.json()
    assert Person.objects.get(pk=int(body["id"])).role_codes == ["teacher"]


@pytest.mark.parametrize(
    ("operation", "scim_type"),
    [
        ({"op": "remove", "path": "userName"}, "mutability"),
        ({"op": "remove", "path": "active"}, "mutability"),
        ({"op": "remove"}, "noTarget"),
        ({"op": "jump", "path": "active", "value": False}, "invalidSyntax"),
        ({"op": "replace", "path": "name[[", "value": "x"}, "invalidPath"),
        ({"op": "replace", "path": "active", "value": "perhaps"}, "invalidValue"),
        ({"op": "replace", "value": "not an object"}, "invalidValue"),
        ({"op": "remove", "path": 'roles[value eq "governor"]'}, "noTarget"),
    ],
)
def test_bad_patches_change_nothing(scim, operation, scim_type):
    body = create(scim, roles=[{"value": "teacher"}])
    error_of(scim.patch(f"/Users/{body['id']}", {"op": "replace", "path": "displayName", "value": "X"}, operation),
             400, scim_type)  # fmt: skip
    assert scim.get(f"/Users/{body['id']}").json() == body


def test_a_patch_without_operations_is_refused(scim):
    body = create(scim)
    error_of(scim.request("patch", f"/Users/{body['id']}", {"Operations": []}), 400, "invalidSyntax")


def test_renaming_to_a_user_name_someone_has_is_a_conflict(scim, world):
    body = create(scim)
    error_of(
        scim.patch(f"/Users/{body['id']}", {"op": "replace", "path": "userName", "value": world.teacher.email}),
        409, "uniqueness",
    )  # fmt: skip


# --- leavers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "Replace", "path": "active", "value": "False"},  # Entra ID
        {"op": "replace", "value": {"active": False}},
    ],
)
def test_active_false_ends_access_at_once(scim, world, operation):
    person = world.teacher
    key = signed_in(person)
    people_actions.create_token(person, acting=person)
    response = scim.patch(f"/Users/{person.pk}", operation)
    assert response.status_code == 200 and response.json()["active"] is False
    person.refresh_from_db()
    assert not person.is_active and person.left_at is not None
    assert not UserSession.objects.filter(session_key=key).exists()
    assert not ApiToken.objects.filter(person=person, revoked_at__isnull=True).exists()
    entry = AuditEntry.objects.get(action="person.deactivated", target_id=str(person.pk))
    assert entry.actor_service == "scim" and entry.actor is None and entry.channel == "scim"
    assert entry.data["sessions_ended"] == 2


def test_active_true_brings_them_back(scim, world):
    scim.patch(f"/Users/{world.teacher.pk}", {"op": "replace", "path": "active", "value": False})
    response = scim.put(f"/Users/{world.teacher.pk}", user_body(world.teacher.email, active=True))
    assert response.json()["active"] is True
    world.teacher.refresh_from_db()
    assert world.teacher.is_active
    assert AuditEntry.objects.filter(action="person.reactivated", actor_service="scim").exists()


def test_delete_deactivates_hides_and_keeps_the_records(scim, world):
    person = world.teacher
    key = signed_in(person)
    response = scim.delete(f"/Users/{person.pk}")
    assert response.status_code == 204 and response.content == b""
    error_of(scim.get(f"/Users/{person.pk}"), 404)
    assert str(person.pk) not in {r["id"] for r in scim.get("/Users").json()["Resources"]}
    person.refresh_from_db()
    assert not person.is_active
    assert not UserSession.objects.filter(session_key=key).exists()
    assert [e.action for e in AuditEntry.objects.filter(target_id=str(person.pk), actor_service="scim")] == [
        "person.deactivated", "scim.user_removed",
    ]  # fmt: skip
    error_of(scim.delete(f"/Users/{person.pk}"), 404)


def test_a_deleted_user_created_again_comes_back_with_their_records(scim, world):
    body = create(scim, "jo@school.example", displayName="Jo Bloggs")
    scim.delete(f"/Users/{body['id']}")
    again = create(scim, "jo@school.example", displayName="Jo Bloggs-Smith")
    assert again["id"] == body["id"] and again["active"] is True
    person = Person.objects.get(pk=int(body["id"]))
    assert person.is_active and person.name == "Jo Bloggs-Smith"


def test_the_directory_may_give_trust_roles_and_they_are_held_trust_wide(scim):
    body = create(scim, roles=[{"value": "it_admin"}])
    person = Person.objects.get(pk=int(body["id"]))
    assert person.role_codes == [Role.IT_ADMIN] and person.role_assignments.get().school is None


def test_another_organisations_token_sees_none_of_this_one(world):
    other = factories.organisation()
    factories.school(other, "Their School")
    theirs = ScimClient(scim_token(other, domain="their.example"))
    error_of(theirs.get(f"/Users/{world.teacher.pk}"), 404)
    error_of(theirs.put(f"/Users/{world.teacher.pk}", user_body(world.teacher.email, active=False)), 404)
    assert theirs.get("/Users").json()["totalResults"] == 0
    world.teacher.refresh_from_db()
    assert world.teacher.is_active


def test_filter_by_when_they_were_created(scim, world):
    body = create(scim)
    since = body["meta"]["created"]
    found = scim.get("/Users", filter=f'meta.created ge "{since}"').json()["Resources"]
    assert [r["id"] for r in found] == [body["id"]]
    error_of(scim.get("/Users", filter='meta.created gt "last week"'), 400, "invalidFilter")
    assert scim.get("/Users", filter="meta.created pr").json()["totalResults"] >= 1


@hypothesis_settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.integers(min_value=-3, max_value=20), count=st.integers(min_value=-3, max_value=20))
def test_any_page_is_the_matching_slice_of_the_whole_list(scim, world, start, count):
    everyone = [r["id"] for r in scim.get("/Users").json()["Resources"]]
    page = scim.get("/Users", startIndex=str(start), count=str(count)).json()
    first = max(1, start)
    expected = everyone[first - 1 : first - 1 + max(0, count)]
    assert [r["id"] for r in page["Resources"]] == expected
    assert page["totalResults"] == len(everyone) and page["startIndex"] == first
    assert page["itemsPerPage"] == len(expected)
