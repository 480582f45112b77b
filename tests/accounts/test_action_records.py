"""Every accounts action leaves exactly its audit entries (and no stored event), and a refused one leaves
nothing at all (tests/verify.py)."""

from datetime import timedelta

import pytest
from allauth.core.context import request_context
from allauth.usersessions.models import UserSession
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone

from staffroom.accounts import actions
from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import ApiToken
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound, PermissionDenied
from tests.verify import public_functions, verified_in, verify_action, verify_refused, verify_unchanged

pytestmark = pytest.mark.django_db

A = AuditAction

# Public, but not an action of its own: the actions that call it write the audit entry. (None today.)
NOT_ACTIONS: dict[str, str] = {}
# Records of something that has already happened, which there is nothing left to refuse.
NOTHING_TO_REFUSE = {
    "record_sign_in": "allauth has signed the person in",
    "record_sign_out": "allauth has signed the person out",
    "end_other_sessions": "the person has just changed their password",
    "end_access": "the person's access has already ended",
}


def test_every_public_action_is_run_through_verify_action_and_refused_or_left_unchanged():
    runs = verified_in(__file__, "actions")
    for name in sorted(public_functions(actions) - set(NOT_ACTIONS)):
        assert name in runs["verify_action"], f"actions.{name} has no test run through verify_action"
        if name not in NOTHING_TO_REFUSE:
            assert name in runs["verify_refused"] | runs["verify_unchanged"], (
                f"actions.{name} has no test showing that a refusal (verify_refused) or a repeat "
                "(verify_unchanged) leaves nothing behind"
            )


def signed_in(person) -> str:
    session = SessionStore()
    session["_auth_user_id"] = str(person.pk)
    session.create()
    UserSession.objects.create(user=person, session_key=session.session_key, ip="192.0.2.1")
    return session.session_key


# --- tokens -----------------------------------------------------------------------------------------------


def test_issuing_a_token_records_it_without_the_token(world):
    with verify_action(audit=[A.TOKEN_CREATED], events=[]) as captured:
        raw = actions.create_token(world.teacher, acting=world.teacher, label="Laptop")
    entry = captured.audit[0]
    assert entry.data == {"token_id": ApiToken.objects.get(person=world.teacher).pk}
    assert raw not in str(entry.data) + str(entry.details)


def test_nobody_is_issued_a_token_for_someone_else(world):
    with verify_refused(PermissionDenied):
        actions.create_token(world.teacher2, acting=world.admin)


def test_a_leaver_is_not_issued_a_token(world):
    world.teacher.is_active = False
    world.teacher.save(update_fields=["is_active"])
    with verify_refused(Invalid, field="email"):
        actions.create_token(world.teacher, acting=world.teacher)


def test_revoking_a_token_records_it_and_closes_its_sockets(world):
    actions.create_token(world.teacher, acting=world.teacher)
    token = ApiToken.objects.get(person=world.teacher)
    with verify_action(audit=[A.TOKEN_REVOKED], events=[]) as captured:
        actions.revoke_token(token, acting=world.teacher)
    assert captured.controls == [(world.teacher.pk, {"type": "session.revoke", "token_ids": [token.pk]})]


def test_a_colleague_cannot_revoke_someone_else_s_token(world):
    actions.create_token(world.teacher, acting=world.teacher)
    with verify_refused(PermissionDenied):
        actions.revoke_token(ApiToken.objects.get(person=world.teacher), acting=world.teacher2)


def test_revoking_a_revoked_token_changes_nothing(world):
    actions.create_token(world.teacher, acting=world.teacher)
    token = ApiToken.objects.get(person=world.teacher)
    actions.revoke_token(token, acting=world.teacher)
    with verify_unchanged():
        actions.revoke_token(token, acting=world.teacher)


def test_signing_a_token_out_records_it(world):
    raw = actions.create_token(world.teacher, acting=world.teacher)
    with verify_action(audit=[A.TOKEN_REVOKED], events=[]):
        actions.revoke_token_by_raw(raw, acting=world.teacher)


def test_signing_out_someone_else_s_token_is_not_found(world):
    raw = actions.create_token(world.teacher, acting=world.teacher)
    with verify_refused(NotFound):
        actions.revoke_token_by_raw(raw, acting=world.teacher2)


# --- sessions and leavers ---------------------------------------------------------------------------------


def test_signing_in_and_out_are_recorded(world):
    key = signed_in(world.teacher)
    with verify_action(audit=[A.SESSION_SIGNED_IN], events=[]):
        actions.record_sign_in(world.teacher)
    with verify_action(audit=[A.SESSION_SIGNED_OUT], events=[]) as captured:
        actions.record_sign_out(world.teacher, session_key=key)
    assert captured.controls == [(world.teacher.pk, {"type": "session.revoke", "session_keys": [key]})]


def test_a_password_change_ends_the_other_sessions_and_records_it(world):
    kept = signed_in(world.teacher)
    signed_in(world.teacher)
    actions.create_token(world.teacher, acting=world.teacher)
    with verify_action(audit=[A.SESSION_OTHERS_ENDED], events=[]) as captured:
        actions.end_other_sessions(world.teacher, keep_session_key=kept)
    assert captured.audit[0].data == {"ended": 2}
    assert set(UserSession.objects.filter(user=world.teacher).values_list("session_key", flat=True)) == {kept}


def test_signing_out_a_device_records_it(world):
    laptop, phone = signed_in(world.teacher), signed_in(world.teacher)
    with verify_action(audit=[A.SESSION_DEVICES_ENDED], events=[]) as captured:
        ended = actions.end_devices(world.teacher, [phone], acting=world.teacher)
    assert ended == 1
    assert captured.audit[0].data == {"ended": 1}
    assert list(UserSession.objects.filter(user=world.teacher).values_list("session_key", flat=True)) == [laptop]


def test_a_colleague_cannot_sign_out_someone_else_s_device(world):
    phone = signed_in(world.teacher)
    with verify_refused(PermissionDenied):
        actions.end_devices(world.teacher, [phone], acting=world.teacher2)


def test_signing_out_a_device_that_is_not_signed_in_changes_nothing(world):
    signed_in(world.teacher)
    with verify_unchanged():
        actions.end_devices(world.teacher, ["no-such-session"], acting=world.teacher)


def test_deactivating_a_leaver_records_it_and_ends_their_sessions(world):
    signed_in(world.teacher2)
    with verify_action(audit=[A.PERSON_DEACTIVATED], events=[]) as captured:
        actions.deactivate_person(world.teacher2, acting=world.admin, reason="Left in July")
    assert captured.audit[0].reason == "Left in July"
    assert (world.teacher2.pk, {"type": "session.revoke", "all": True}) in captured.controls


def test_a_teacher_cannot_deactivate_a_colleague(world):
    with verify_refused(PermissionDenied):
        actions.deactivate_person(world.teacher2, acting=world.teacher)


def test_an_admin_cannot_deactivate_themselves(world):
    with verify_refused(PermissionDenied):
        actions.deactivate_person(world.admin, acting=world.admin)


def test_access_ending_is_recorded_as_the_worker_s_doing(world):
    world.external.access_ends_on = timezone.localdate() - timedelta(days=1)
    world.external.save(update_fields=["access_ends_on"])
    signed_in(world.external)
    with verify_action(audit=[A.SESSION_ACCESS_ENDED], events=[]) as captured:
        actions.end_access(world.external)
    entry = captured.audit[0]
    assert (entry.actor, entry.actor_service) == (None, "worker")
    assert (world.external.pk, {"type": "session.revoke", "all": True}) in captured.controls


# --- the admins' people actions ---------------------------------------------------------------------------


def test_an_it_admin_adds_a_starter_who_cannot_sign_in_until_they_set_a_password(world):
    with verify_action(audit=[A.PERSON_ADDED], events=[]) as captured:
        person = actions.add_person(
            acting=world.admin, email="New.Starter@Test-Trust.example", name="  Nia Newstart ",
            school_id=world.school.pk, roles=["teacher", "teaching_assistant"],
        )  # fmt: skip
    assert (person.email, person.name, person.school_id) == (
        "new.starter@test-trust.example",
        "Nia Newstart",
        world.school.pk,
    )
    assert sorted(person.role_codes) == ["teacher", "teaching_assistant"]
    assert not person.has_usable_password()
    assert captured.audit[0].data == {
        "roles": ["teacher", "teaching_assistant"],
        "school_id": world.school.pk,
        "leaves_on": None,
    }


def test_a_headteacher_adds_staff_to_their_own_school_only(world):
    with verify_action(audit=[A.PERSON_ADDED], events=[]):
        actions.add_person(
            acting=world.head, email="ta@x.example", name="Tam", school_id=world.school.pk, roles=["teaching_assistant"]
        )
    with verify_refused(Invalid, field="school_id"):
        actions.add_person(
            acting=world.head, email="p@x.example", name="Pip", school_id=world.other_school.pk, roles=["teacher"]
        )
    with verify_refused(Invalid, field="school_id"):
        actions.add_person(acting=world.head, email="q@x.example", name="Quin", school_id=None, roles=["teacher"])


@pytest.mark.parametrize("role", ["it_admin", "dpo"])
def test_a_headteacher_cannot_hand_out_a_trust_role(world, role):
    with verify_refused(PermissionDenied):
        actions.add_person(acting=world.head, email="x@x.example", name="X", school_id=world.school.pk, roles=[role])


@pytest.mark.parametrize("who", ["teacher", "dsl", "dpo", "pupil", "external", "governor", "outsider"])
def test_only_admins_and_headteachers_add_people(world, who):
    with verify_refused(PermissionDenied):
        actions.add_person(
            acting=getattr(world, who), email="y@x.example", name="Y", school_id=world.school.pk, roles=["teacher"]
        )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"email": "TEACHER@elsewhere.example"}, "email"),  # taken, in any case
        ({"name": " \u200b "}, "name"),
        ({"roles": []}, "roles"),
        ({"roles": ["wizard"]}, "roles"),
        ({"roles": ["external"]}, "roles"),
        ({"roles": ["pupil", "teacher"]}, "roles"),
        ({"roles": ["pupil"], "school_id": None}, "school_id"),
        ({"leaves_on": timezone.localdate() - timedelta(days=1)}, "leaves_on"),
    ],
)
def test_a_starter_with_bad_details_is_refused_with_the_field_to_fix(world, fields, field):
    world.teacher.email = "teacher@elsewhere.example"
    world.teacher.save(update_fields=["email"])
    given = {"email": "z@x.example", "name": "Zed", "school_id": world.school.pk, "roles": ["teacher"], **fields}
    with verify_refused(Invalid, field=field):
        actions.add_person(acting=world.admin, **given)


def test_changing_roles_and_name_records_before_and_after(world):
    with verify_action(audit=[A.PERSON_UPDATED], events=[]) as captured:
        actions.update_person(
            world.teacher.pk, acting=world.head, name="Tara Teacher-Jones", roles=["teacher", "deputy_dsl"],
            reason="Deputy DSL from September",
        )  # fmt: skip
    entry = captured.audit[0]
    assert entry.data == {
        "changed": ["name", "roles"],
        "roles": {"before": ["teacher"], "after": ["deputy_dsl", "teacher"]},
    }
    assert entry.details == {"name": {"before": "Tara Teacher", "after": "Tara Teacher-Jones"}}
    assert entry.reason == "Deputy DSL from September"
    world.teacher.refresh_from_db()
    assert sorted(world.teacher.role_codes) == ["deputy_dsl", "teacher"]


def test_changing_nothing_records_nothing(world):
    with verify_unchanged():
        actions.update_person(world.teacher.pk, acting=world.admin, name="Tara Teacher", roles=["teacher"])


def test_nobody_changes_their_own_roles(world):
    with verify_refused(PermissionDenied):
        actions.update_person(world.head.pk, acting=world.head, roles=["headteacher", "it_admin"])
    with verify_refused(PermissionDenied):
        actions.update_person(world.teacher.pk, acting=world.teacher, roles=["headteacher"])


def test_a_headteacher_cannot_change_or_end_an_it_admin(world):
    with verify_refused(PermissionDenied):
        actions.update_person(world.admin.pk, acting=world.head, roles=["teacher"])
    with verify_refused(PermissionDenied):
        actions.deactivate_person(world.admin.pk, acting=world.head)
    with verify_refused(PermissionDenied):
        actions.end_sessions(world.admin.pk, acting=world.head, reason="lost phone")


def test_a_headteacher_does_not_reach_another_school_or_organisation(world):
    with verify_refused(NotFound):
        actions.update_person(world.other_teacher.pk, acting=world.head, name="Pat")
    with verify_refused(NotFound):
        actions.update_person(world.outsider.pk, acting=world.admin, name="Otto")


def test_several_changes_happen_together_or_not_at_all(world):
    group = world.group(world.teacher2, by=world.teacher)
    with verify_action(audit=[A.PERSON_UPDATED, A.PERSON_DEACTIVATED], events=[]) as captured:
        actions.change_person(
            world.teacher.pk, acting=world.admin, active=False, hand_over_to=world.teacher2.pk,
            reason="Left in July", leaves_on=None, name="Tara T",
        )  # fmt: skip
    assert captured.audit[1].data["conversations_handed_over"] == [group.pk]
    assert group.memberships.get(person=world.teacher2).role == "owner"
    with verify_refused(Invalid, field="hand_over_to"):
        actions.change_person(world.ta.pk, acting=world.admin, active=False, hand_over_to=world.pupil.pk, name="Tia T")


def test_a_leaver_can_be_welcomed_back(world):
    actions.deactivate_person(world.teacher2, acting=world.admin, reason="Left")
    with verify_action(audit=[A.PERSON_REACTIVATED], events=[]):
        actions.reactivate_person(world.teacher2.pk, acting=world.admin, reason="Returned from leave")
    world.teacher2.refresh_from_db()
    assert world.teacher2.is_active and world.teacher2.left_at is None
    with verify_unchanged():
        actions.reactivate_person(world.teacher2.pk, acting=world.admin)
    with verify_refused(PermissionDenied):
        actions.reactivate_person(world.teacher2.pk, acting=world.teacher)


def test_ending_a_person_s_sessions_needs_a_reason_and_closes_their_sockets(world):
    signed_in(world.teacher)
    with verify_action(audit=[A.SESSION_ALL_ENDED], events=[]) as captured:
        ended = actions.end_sessions(world.teacher.pk, acting=world.head, reason="Phone reported stolen")
    assert ended == 1 and captured.audit[0].reason == "Phone reported stolen"
    assert (world.teacher.pk, {"type": "session.revoke", "all": True}) in captured.controls
    with verify_refused(Invalid, field="reason"):
        actions.end_sessions(world.teacher.pk, acting=world.head, reason=" ")
    with verify_refused(PermissionDenied):
        actions.end_sessions(world.teacher2.pk, acting=world.teacher, reason="prank")


@pytest.fixture
def in_a_web_request():
    """Sign-in links are built from the address of the request that asks for them, as a page or the API does."""
    with request_context(RequestFactory().post("/admin/people/1/sign-in-link")):
        yield


def test_a_sign_in_link_is_mailed_to_the_school_address_after_commit_and_recorded(world, in_a_web_request):
    with verify_action(audit=[A.PERSON_SIGN_IN_LINK_SENT], events=[]) as captured:
        actions.send_sign_in_link(world.teacher.pk, acting=world.head)
    entry = captured.audit[0]
    assert entry.target_id == str(world.teacher.pk) and entry.data in ({}, None)
    (sent,) = mail.outbox
    assert sent.to == [world.teacher.email]
    assert "http://testserver/accounts/password/reset/key/" in sent.body


def test_no_sign_in_link_for_a_leaver_a_trust_role_holder_or_by_someone_who_manages_nobody(world, in_a_web_request):
    actions.deactivate_person(world.teacher2, acting=world.admin, reason="Left")
    with verify_refused(Invalid, field="active"):
        actions.send_sign_in_link(world.teacher2.pk, acting=world.admin)
    with verify_refused(PermissionDenied):
        actions.send_sign_in_link(world.admin.pk, acting=world.head)
    with verify_refused(PermissionDenied):
        actions.send_sign_in_link(world.teacher.pk, acting=world.dsl)
    with verify_refused(NotFound):
        actions.send_sign_in_link(world.other_teacher.pk, acting=world.head)
    assert mail.outbox == []


def test_a_sign_in_link_is_not_sent_from_outside_a_request(world):
    with verify_refused(Invalid, field="active"):
        actions.send_sign_in_link(world.teacher.pk, acting=world.admin)
    assert mail.outbox == []


def test_leavers_are_ended_by_the_worker_the_day_after_their_last_day(world):
    last_day = timezone.localdate()
    actions.update_person(world.teacher2.pk, acting=world.admin, leaves_on=last_day)
    assert actions.end_leavers(world.org.pk, today=last_day) == []
    with verify_action(audit=[A.PERSON_DEACTIVATED], events=[]) as captured:
        assert actions.end_leavers(world.org.pk, today=last_day + timedelta(days=1)) == [world.teacher2.pk]
    assert captured.audit[0].actor_service == "worker" and captured.audit[0].actor is None
    with verify_unchanged():
        actions.end_leavers(world.org.pk, today=last_day + timedelta(days=2))


# --- roster sync on people, and the trust's schools and classes -------------------------------------------


def roster_sync(world):
    return ServiceActor(Service.ROSTER_SYNC, world.org.pk)


def test_roster_sync_adds_a_starter_with_their_roster_identifier_kept_where_an_erasure_reaches(world):
    with verify_action(audit=[A.PERSON_ADDED], events=[]) as captured:
        person = actions.add_person(
            acting=roster_sync(world), email="r@x.example", name="Rae", school_id=world.school.pk, roles=["pupil"],
            roster_id="usr-1",
        )  # fmt: skip
    assert person.roster_id == "usr-1"
    entry = captured.audit[0]
    assert (entry.actor, entry.actor_service) == (None, "roster_sync")
    assert entry.details == {"roster_id": "usr-1"} and "usr-1" not in str(entry.data)


def test_a_roster_identifier_is_one_person_s_in_an_organisation(world):
    actions.update_person(world.teacher.pk, acting=roster_sync(world), roster_id="usr-1")
    with verify_refused(Invalid, field="roster_id"):
        actions.add_person(
            acting=roster_sync(world), email="r@x.example", name="Rae", school_id=world.school.pk, roles=["pupil"],
            roster_id="usr-1",
        )  # fmt: skip
    with verify_refused(Invalid, field="roster_id"):
        actions.update_person(world.teacher2.pk, acting=roster_sync(world), roster_id="usr-1")


def test_linking_someone_to_the_roster_records_the_identifier_in_the_details(world):
    with verify_action(audit=[A.PERSON_UPDATED], events=[]) as captured:
        actions.update_person(world.teacher.pk, acting=roster_sync(world), roster_id="usr-9")
    entry = captured.audit[0]
    assert entry.data == {"changed": ["roster_id"]}
    assert entry.details == {"roster_id": {"before": "", "after": "usr-9"}}


def test_roster_sync_never_reaches_another_organisation(world):
    with verify_refused(NotFound):
        actions.deactivate_person(world.outsider.pk, acting=roster_sync(world), reason="Not in the roster any more")


def test_roster_sync_adds_and_renames_a_school(world):
    with verify_action(audit=[A.SCHOOL_ADDED], events=[]) as captured:
        school = actions.add_school(acting=roster_sync(world), name="  Hill  Academy ", roster_id="org-1")
    assert (school.name, school.roster_id, school.organisation_id) == ("Hill Academy", "org-1", world.org.pk)
    assert captured.audit[0].details == {"roster_id": "org-1"}
    with verify_action(audit=[A.SCHOOL_UPDATED], events=[]) as captured:
        actions.update_school(school.pk, acting=roster_sync(world), name="Hill Primary Academy")
    assert captured.audit[0].data == {"changed": ["name"]}
    assert captured.audit[0].details == {"name": {"before": "Hill Academy", "after": "Hill Primary Academy"}}
    with verify_unchanged():
        actions.update_school(school.pk, acting=roster_sync(world), name="Hill Primary Academy", roster_id="org-1")


@pytest.mark.parametrize("who", ["head", "teacher", "dpo", "governor", "pupil", "outsider"])
def test_only_an_it_admin_or_roster_sync_adds_a_school(world, who):
    with verify_refused(PermissionDenied):
        actions.add_school(acting=getattr(world, who), name="Hill Academy")
    with verify_refused(NotFound if who == "outsider" else PermissionDenied):
        actions.update_school(world.school.pk, acting=getattr(world, who), name="Renamed")


def test_a_school_s_name_is_its_own_in_the_trust(world):
    with verify_refused(Invalid, field="name"):
        actions.add_school(acting=world.admin, name="Primary School")
    with verify_refused(Invalid, field="name"):
        actions.update_school(world.school.pk, acting=world.admin, name=" ")
    with verify_refused(NotFound):
        actions.update_school(world.outsider.school_id, acting=world.admin, name="Mine now")


def test_a_class_is_added_and_renamed(world):
    with verify_action(audit=[A.CLASS_ADDED], events=[]) as captured:
        school_class = actions.add_class(
            acting=roster_sync(world), school_id=world.school.pk, name="10Y Maths", year_group="Year 10", roster_id="c1"
        )
    assert captured.audit[0].data == {"school_id": world.school.pk}
    with verify_action(audit=[A.CLASS_UPDATED], events=[]) as captured:
        actions.update_class(school_class.pk, acting=world.head, name="10Y Mathematics")
    assert captured.audit[0].data == {"changed": ["name"]}
    with verify_unchanged():
        actions.update_class(school_class.pk, acting=world.admin, name="10Y Mathematics", year_group="Year 10")


def test_a_headteacher_keeps_classes_of_their_own_school_only(world):
    with verify_refused(PermissionDenied):
        actions.add_class(acting=world.head, school_id=world.other_school.pk, name="Robins")
    with verify_refused(PermissionDenied):
        actions.add_class(acting=world.teacher, school_id=world.school.pk, name="Robins")
    with verify_refused(Invalid, field="name"):
        actions.add_class(acting=world.head, school_id=world.school.pk, name="9X Science")  # taken
    with verify_refused(PermissionDenied):
        actions.update_class(world.klass.pk, acting=world.teacher, name="9X Physics")


# --- how people sign in -----------------------------------------------------------------------------------

ISSUER = "https://idp.test.example"


def google(**changes):
    """The settings of a Google sign-in, with some changed."""
    return {"client_id": "client-1", "client_secret": "secret-1", "allowed_domain": "school.example"} | changes


def google_for(world, **changes):
    return actions.configure_sign_in_provider("google", acting=world.admin, **google(**changes))


def test_an_it_admin_sets_up_single_sign_on_without_the_secret_in_the_record(world):
    with verify_action(audit=[A.SIGN_IN_PROVIDER_ADDED], events=[]) as captured:
        provider = actions.configure_sign_in_provider("google", acting=world.admin, **google())
    entry = captured.audit[0]
    assert entry.data == {"sign_in_provider_id": provider.pk, "kind": "google", "enabled": True}
    assert entry.details == {"client_id": "client-1", "tenant": "", "allowed_domain": "school.example"}
    assert "secret-1" not in str(entry.data) + str(entry.details)
    assert provider.app.secret == "secret-1"
    assert provider.app.settings["server_url"] == "https://accounts.google.com"


def test_changing_single_sign_on_records_what_changed_and_keeps_the_secret_unless_given(world):
    google_for(world)
    with verify_action(audit=[A.SIGN_IN_PROVIDER_CHANGED], events=[]) as captured:
        provider = actions.configure_sign_in_provider(
            "google", acting=world.admin, **google(client_secret="", enabled=False, allowed_domain="")
        )
    assert captured.audit[0].data["changed"] == ["allowed_domain", "enabled"]
    assert provider.app.secret == "secret-1"
    with verify_action(audit=[A.SIGN_IN_PROVIDER_CHANGED], events=[]) as captured:
        actions.configure_sign_in_provider(
            "google", acting=world.admin, **google(client_secret="secret-2", enabled=False, allowed_domain="")
        )
    assert captured.audit[0].data["changed"] == ["client_secret"]
    assert "secret-2" not in str(captured.audit[0].details)


def test_saving_single_sign_on_unchanged_records_nothing(world):
    google_for(world)
    with verify_unchanged():
        actions.configure_sign_in_provider("google", acting=world.admin, **google(client_secret=""))


@pytest.mark.parametrize("who", ["head", "dpo", "dsl", "teacher", "pupil", "outsider"])
def test_only_an_it_admin_sets_up_single_sign_on(world, who):
    with verify_refused(PermissionDenied):
        actions.configure_sign_in_provider("google", acting=getattr(world, who), client_id="c", client_secret="s")


@pytest.mark.parametrize(
    ("kind", "changes", "field"),
    [
        ("google", {"client_id": " "}, "client_id"),
        ("google", {"client_secret": ""}, "client_secret"),
        ("google", {"allowed_domain": "not a domain"}, "allowed_domain"),
        ("entra", {"tenant": ""}, "tenant"),
        ("entra", {"tenant": "common"}, "tenant"),
        ("entra", {"tenant": "organizations"}, "tenant"),
        ("okta", {}, "kind"),
    ],
)
def test_single_sign_on_with_missing_or_unsafe_settings_is_refused(world, kind, changes, field):
    settings = {"client_id": "client-1", "client_secret": "secret-1", "tenant": "school.onmicrosoft.com"}
    with verify_refused(Invalid, field=field):
        actions.configure_sign_in_provider(kind, acting=world.admin, **(settings | changes))


def test_entra_id_is_bound_to_the_school_s_tenant(world):
    provider = actions.configure_sign_in_provider(
        "entra", acting=world.admin, client_id="app", client_secret="s", tenant="0B9B9A51-8F43-4C47-A2A9-5A6B3C2D1E0F"
    )
    assert provider.tenant == "0b9b9a51-8f43-4c47-a2a9-5a6b3c2d1e0f"
    assert provider.app.settings["server_url"] == (
        "https://login.microsoftonline.com/0b9b9a51-8f43-4c47-a2a9-5a6b3c2d1e0f/v2.0"
    )


def test_linking_a_person_s_school_account_records_it(world):
    provider = google_for(world, issuer=ISSUER)
    with verify_action(audit=[A.SIGN_IN_ACCOUNT_LINKED], events=[]) as captured:
        account = actions.link_sign_in_account(
            world.teacher, provider=provider, uid="sub-1", extra_data={"sub": "sub-1"}, acting=world.teacher
        )
    assert (account.user_id, account.provider, account.uid) == (world.teacher.pk, provider.app.provider_id, "sub-1")
    assert captured.audit[0].data == {"sign_in_provider_id": provider.pk, "kind": "google"}


def test_a_leaver_s_account_is_not_linked(world):
    provider = google_for(world, issuer=ISSUER)
    world.teacher.is_active = False
    world.teacher.save(update_fields=["is_active"])
    with verify_refused(PermissionDenied):
        actions.link_sign_in_account(world.teacher, provider=provider, uid="sub-1", extra_data={}, acting=world.teacher)


def test_nobody_links_an_account_to_someone_else(world):
    provider = google_for(world, issuer=ISSUER)
    with verify_refused(PermissionDenied):
        actions.link_sign_in_account(world.teacher, provider=provider, uid="sub-1", extra_data={}, acting=world.admin)


def test_an_it_admin_changes_who_must_use_a_second_step(world):
    with verify_action(audit=[A.SIGN_IN_SECOND_FACTOR_RULE_CHANGED], events=[]) as captured:
        actions.set_second_factor_rule("adults", acting=world.admin)
    assert captured.audit[0].data == {"second_factor": "adults", "previous": "leaders"}


def test_choosing_the_rule_already_in_force_records_nothing(world):
    with verify_unchanged():
        actions.set_second_factor_rule("leaders", acting=world.admin)


@pytest.mark.parametrize("who", ["head", "dpo", "dsl", "teacher", "pupil"])
def test_only_an_it_admin_changes_who_must_use_a_second_step(world, who):
    with verify_refused(PermissionDenied):
        actions.set_second_factor_rule("nobody", acting=getattr(world, who))


def test_an_unknown_second_step_rule_is_refused(world):
    with verify_refused(Invalid, field="second_factor"):
        actions.set_second_factor_rule("everyone-but-me", acting=world.admin)


def test_an_it_admin_resets_a_lost_second_step_and_signs_them_out(world):
    signed_in(world.head)
    with verify_action(audit=[A.SIGN_IN_SECOND_FACTOR_RESET], events=[]) as captured:
        removed = actions.reset_second_factor(world.head.pk, acting=world.admin, reason="Lost phone; checked in person")
    from allauth.mfa.models import Authenticator

    assert removed == 1 and not Authenticator.objects.filter(user=world.head).exists()
    entry = captured.audit[0]
    assert entry.reason == "Lost phone; checked in person"
    assert entry.data == {"authenticators_removed": 1, "sessions_ended": 1}
    assert (world.head.pk, {"type": "session.revoke", "all": True}) in captured.controls


@pytest.mark.parametrize("who", ["head", "dpo", "dsl", "teacher", "outsider"])
def test_only_an_it_admin_resets_someone_s_second_step(world, who):
    with verify_refused(PermissionDenied if who != "outsider" else NotFound):
        actions.reset_second_factor(world.dsl.pk, acting=getattr(world, who), reason="Lost phone")


def test_nobody_resets_their_own_second_step(world):
    with verify_refused(PermissionDenied):
        actions.reset_second_factor(world.admin.pk, acting=world.admin, reason="Lost phone")


def test_a_reset_without_a_reason_is_refused(world):
    with verify_refused(Invalid, field="reason"):
        actions.reset_second_factor(world.head.pk, acting=world.admin, reason="  ")


# --- school closures ---------------------------------------------------------------------------------------


def test_a_headteacher_adds_and_removes_a_closure_of_their_school(world):
    from datetime import date

    with verify_action(audit=[A.SCHOOL_CLOSURE_ADDED], events=[]) as captured:
        closure = actions.add_school_closure(
            world.school.pk, acting=world.head, starts_on=date(2026, 10, 26), ends_on=date(2026, 10, 30),
            label=" October half term ",
        )  # fmt: skip
    assert closure.label == "October half term"
    assert captured.audit[0].data == {"closure_id": closure.pk, "starts_on": "2026-10-26", "ends_on": "2026-10-30"}
    with verify_action(audit=[A.SCHOOL_CLOSURE_REMOVED], events=[]):
        actions.remove_school_closure(closure.pk, acting=world.head)
    with verify_refused(NotFound):
        actions.remove_school_closure(closure.pk, acting=world.head)


@pytest.mark.parametrize("who", ["teacher", "dpo", "dsl", "office", "pupil", "other_teacher"])
def test_only_the_head_and_it_admins_keep_the_schools_closures(world, who):
    from datetime import date

    with verify_refused(PermissionDenied):
        actions.add_school_closure(
            world.school.pk, acting=getattr(world, who), starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 5),
            label="INSET day",
        )  # fmt: skip
    closure = actions.add_school_closure(
        world.school.pk, acting=world.admin, starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 5), label="INSET day"
    )
    with verify_refused(PermissionDenied):
        actions.remove_school_closure(closure.pk, acting=getattr(world, who))


def test_a_closure_needs_a_name_days_in_order_and_a_school_of_the_trust(world):
    from datetime import date

    with verify_refused(PermissionDenied):
        actions.add_school_closure(
            world.other_school.pk, acting=world.head, starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 5), label="x"
        )
    with verify_refused(NotFound):
        actions.add_school_closure(
            world.outsider.school_id, acting=world.admin, starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 5),
            label="x",
        )  # fmt: skip
    with verify_refused(Invalid, field="label"):
        actions.add_school_closure(
            world.school.pk, acting=world.head, starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 5), label="  "
        )
    with verify_refused(Invalid, field="ends_on"):
        actions.add_school_closure(
            world.school.pk, acting=world.head, starts_on=date(2026, 1, 6), ends_on=date(2026, 1, 5), label="INSET"
        )
    with verify_refused(Invalid, field="ends_on"):
        actions.add_school_closure(
            world.school.pk, acting=world.head, starts_on=date(2026, 1, 6), ends_on=date(2027, 1, 5), label="INSET"
        )
