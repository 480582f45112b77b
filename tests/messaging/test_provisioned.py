"""Conversations the identity provider keeps (a SCIM Group): made, renamed, given members and archived by the
SCIM service, each step audited as the service and told to the members it concerns."""

import pytest

from staffroom.accounts.actors import Service, ServiceActor
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.messaging import actions
from staffroom.messaging.models import Conversation, Membership
from tests.verify import verify_action, verify_refused, verify_unchanged

pytestmark = pytest.mark.django_db

A = AuditAction


def scim(world):
    return ServiceActor(Service.SCIM, world.org.pk)


def members(conversation):
    return set(Membership.objects.filter(conversation=conversation).values_list("person_id", flat=True))


def test_the_directory_makes_a_private_group_nobody_owns(world):
    with verify_action(audit=[A.CONVERSATION_CREATED], events=["membership.added"]) as captured:
        group = actions.provision_conversation(
            acting=scim(world), title="Year 9 team", member_ids=[world.teacher.pk, world.ta.pk]
        )
    assert group.kind == Conversation.Kind.GROUP and group.provisioned_by == "scim" and group.school is None
    assert members(group) == {world.teacher.pk, world.ta.pk}
    assert not Membership.objects.filter(conversation=group, role=Membership.Role.OWNER).exists()
    assert captured.event("membership.added").people == {world.teacher.pk, world.ta.pk}
    entry = captured.audit[0]
    assert entry.actor is None and entry.actor_service == "scim"


def test_the_directory_never_puts_a_pupil_an_external_or_an_outsider_in_a_group(world):
    for person in (world.pupil, world.external, world.outsider):
        with verify_refused(Invalid, field="member_ids"):
            actions.provision_conversation(acting=scim(world), title="Year 9 team", member_ids=[person.pk])


def test_only_the_scim_service_provisions_conversations(world):
    with verify_refused(PermissionDenied):
        actions.provision_conversation(acting=ServiceActor(Service.ROSTER_SYNC, world.org.pk), title="Team")
    with verify_refused(Invalid, field="title"):
        actions.provision_conversation(acting=scim(world), title="   ")


def test_the_directory_renames_its_group_and_the_members_hear(world):
    group = actions.provision_conversation(acting=scim(world), title="Year 9", member_ids=[world.teacher.pk])
    with verify_action(audit=[A.CONVERSATION_UPDATED], events=["conversation.updated"]) as captured:
        actions.change_provisioned_conversation(group.pk, acting=scim(world), title="Year 9 team")
    assert captured.audit[0].details == {"before": {"title": "Year 9"}, "after": {"title": "Year 9 team"}}
    with verify_unchanged():
        actions.change_provisioned_conversation(group.pk, acting=scim(world), title="Year 9 team")


def test_the_directory_changes_only_its_own_groups(world):
    mine = world.group(world.teacher2)
    with verify_refused(NotFound):
        actions.change_provisioned_conversation(mine.pk, acting=scim(world), title="Taken over")
    group = actions.provision_conversation(acting=scim(world), title="Year 9")
    elsewhere = ServiceActor(Service.SCIM, world.outsider.organisation_id)
    with verify_refused(NotFound):
        actions.change_provisioned_conversation(group.pk, acting=elsewhere, member_ids=[world.outsider.pk])


def test_setting_the_members_adds_and_removes_each_with_its_own_entry_after_every_event(world):
    group = actions.provision_conversation(
        acting=scim(world), title="Year 9", member_ids=[world.teacher.pk, world.teacher2.pk]
    )
    with verify_action(
        audit=[A.CONVERSATION_UPDATED, A.MEMBERSHIP_ADDED, A.MEMBERSHIP_REMOVED],
        events=["conversation.updated", "membership.added", "membership.removed"],
    ) as captured:
        actions.change_provisioned_conversation(
            group.pk, acting=scim(world), title="Year 9 team", member_ids=[world.teacher.pk, world.ta.pk]
        )
    assert members(group) == {world.teacher.pk, world.ta.pk}
    assert [e.target_id for e in captured.audit[1:]] == [str(world.ta.pk), str(world.teacher2.pk)]
    assert world.teacher2.pk in captured.event("membership.removed").people
    with verify_unchanged():
        actions.change_provisioned_conversation(
            group.pk, acting=scim(world), member_ids=[world.ta.pk, world.teacher.pk]
        )
    with verify_refused(Invalid, field="member_ids"):
        actions.change_provisioned_conversation(
            group.pk, acting=scim(world), member_ids=[world.teacher.pk, world.pupil.pk]
        )


def test_archiving_closes_the_group_and_keeps_it_for_the_records(world):
    group = actions.provision_conversation(acting=scim(world), title="Year 9", member_ids=[world.teacher.pk])
    with verify_action(audit=[A.CONVERSATION_ARCHIVED], events=["conversation.updated"]):
        actions.archive_provisioned_conversation(group.pk, acting=scim(world))
    group.refresh_from_db()
    assert group.archived_at is not None and group.provisioned_by == ""
    assert members(group) == {world.teacher.pk}
    with verify_refused(NotFound):
        actions.archive_provisioned_conversation(group.pk, acting=scim(world))
