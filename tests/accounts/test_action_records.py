"""Every accounts action leaves exactly its audit entries (and no stored event), and a refused one leaves
nothing at all (tests/verify.py)."""

from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from staffroom.accounts import actions
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
    with verify_refused(Invalid, field="person"):
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
