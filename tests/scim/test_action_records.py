"""Every SCIM action leaves exactly the audit entries and events of the people and messaging actions it calls,
with the SCIM service as their actor, and a refused one leaves nothing at all (tests/verify.py)."""

import pytest

from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import ScimToken
from staffroom.compliance.audit import AuditAction
from staffroom.scim import actions, mapping, queries
from staffroom.scim.errors import ScimError
from tests.scim.conftest import DOMAIN, scim_token
from tests.verify import public_functions, verified_in, verify_action, verify_unchanged

pytestmark = pytest.mark.django_db

A = AuditAction


@pytest.fixture
def scim_actor(world):
    return ServiceActor(Service.SCIM, world.org.pk)


@pytest.fixture
def token(world):
    scim_token(world.org, domain=DOMAIN, default_school_id=world.school.pk)
    return ScimToken.objects.get(organisation=world.org)


def user(user_name="jo@school.example", **attributes):
    return mapping.UserRecord(user_name=user_name, **attributes)


def test_every_public_action_is_run_through_verify_action_and_refused_or_left_unchanged():
    runs = verified_in(__file__, "actions")
    for name in sorted(public_functions(actions)):
        assert name in runs["verify_action"], f"actions.{name} has no test run through verify_action"
        assert name in runs["verify_refused"] | runs["verify_unchanged"], (
            f"actions.{name} has no test showing that a refusal or a repeat leaves nothing behind"
        )


def status_of(raised: pytest.ExceptionInfo[ScimError]) -> int:
    return raised.value.status


def test_creating_a_user_adds_a_person_as_the_scim_service(world, scim_actor, token):
    with verify_action(audit=[A.PERSON_ADDED], events=[]) as captured:
        person = actions.create_user(user(display_name="Jo"), acting=scim_actor, token=token)
    assert captured.audit[0].actor_service == "scim" and person.name == "Jo"
    with verify_action(audit=[A.PERSON_ADDED, A.PERSON_DEACTIVATED], events=[]):
        actions.create_user(user("al@school.example", active=False), acting=scim_actor, token=token)


def test_a_user_name_taken_is_refused_and_nothing_is_left(world, scim_actor, token):
    with verify_unchanged(), pytest.raises(ScimError) as raised:
        actions.create_user(user(world.teacher.email), acting=scim_actor, token=token)
    assert raised.value.status == 409


def test_changing_a_user_updates_and_deactivates_as_the_scim_service(world, scim_actor, token):
    def leaver(record):
        return mapping.UserRecord(**{**record.__dict__, "active": False, "display_name": "Tara T"})

    with verify_action(audit=[A.PERSON_UPDATED, A.PERSON_DEACTIVATED], events=[]) as captured:
        actions.change_user(str(world.teacher.pk), leaver, acting=scim_actor, token=token)
    assert [e.actor_service for e in captured.audit] == ["scim", "scim"]
    # The directory's own record only (an externalId): nothing for Staffroom to record.
    with verify_action(audit=[], events=[]):
        actions.change_user(
            str(world.teacher.pk), lambda r: mapping.UserRecord(**{**r.__dict__, "external_id": "E-1"}),
            acting=scim_actor, token=token,
        )  # fmt: skip
    assert queries.user_record(queries.user(scim_actor, str(world.teacher.pk))).external_id == "E-1"


def test_a_bad_change_leaves_nothing_not_even_the_directorys_record(world, scim_actor, token):
    with verify_unchanged(), pytest.raises(ScimError) as raised:
        actions.change_user(
            str(world.teacher.pk), lambda r: mapping.UserRecord(**{**r.__dict__, "school": "Nowhere"}),
            acting=scim_actor, token=token,
        )  # fmt: skip
    assert status_of(raised) == 400
    with verify_unchanged(), pytest.raises(ScimError) as raised:
        actions.change_user(str(world.outsider.pk), lambda r: r, acting=scim_actor, token=token)
    assert status_of(raised) == 404


def test_removing_a_user_deactivates_and_records_it(world, scim_actor):
    with verify_action(audit=[A.PERSON_DEACTIVATED, A.SCIM_USER_REMOVED], events=[]):
        actions.remove_user(str(world.teacher.pk), acting=scim_actor)
    with verify_unchanged(), pytest.raises(ScimError) as raised:
        actions.remove_user(str(world.teacher.pk), acting=scim_actor)
    assert status_of(raised) == 404


def test_groups_through_the_messaging_actions(world, scim_actor):
    with verify_action(audit=[A.CONVERSATION_CREATED], events=["membership.added"]):
        conversation = actions.create_group(
            mapping.GroupRecord("Year 9 team", members=[str(world.teacher.pk)]), acting=scim_actor
        )
    group_id = str(conversation.scim.pk)
    with verify_action(
        audit=[A.CONVERSATION_UPDATED, A.MEMBERSHIP_ADDED, A.MEMBERSHIP_REMOVED],
        events=["conversation.updated", "membership.added", "membership.removed"],
    ):
        actions.change_group(
            group_id, lambda r: mapping.GroupRecord("Year 9", members=[str(world.ta.pk)]), acting=scim_actor
        )
    with verify_unchanged():
        actions.change_group(group_id, lambda r: r, acting=scim_actor)
    with verify_unchanged(), pytest.raises(ScimError) as raised:
        actions.create_group(mapping.GroupRecord("Pupils", members=[str(world.pupil.pk)]), acting=scim_actor)
    assert status_of(raised) == 400
    with verify_action(audit=[A.CONVERSATION_ARCHIVED], events=["conversation.updated"]):
        actions.remove_group(group_id, acting=scim_actor)
    with verify_unchanged(), pytest.raises(ScimError) as raised:
        actions.remove_group(group_id, acting=scim_actor)
    assert status_of(raised) == 404
