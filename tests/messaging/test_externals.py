"""Outsiders: sponsored by staff for conversations they run, approved or refused by the DPO or an IT admin,
let in until their end date and no further (DOMAIN.md)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from staffroom.accounts import permissions
from staffroom.accounts.models import ExternalAccessRequest
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.messaging import actions
from tests.verify import verify_action, verify_refused

pytestmark = pytest.mark.django_db

A = AuditAction


def details(world, group, **changes):
    return {
        "acting": world.teacher, "name": "Sal Therapist", "email": "Sal@NHS.example",
        "organisation_name": "Local NHS Trust", "reason": "Weekly sessions with two pupils",
        "conversation_ids": [group.pk], **changes,
    }  # fmt: skip


def ask(world, group, **changes):
    return actions.request_external(**details(world, group, **changes))


def test_a_sponsor_asks_for_an_outsider_for_thirty_days_by_default(world):
    group = world.group(world.teacher2)
    with verify_action(audit=[A.EXTERNAL_REQUESTED], events=[]) as captured:
        request = actions.request_external(**details(world, group))
    assert (request.status, request.email, request.conversation_ids) == ("pending", "sal@nhs.example", [group.pk])
    assert request.access_ends_on == timezone.localdate() + timedelta(days=30)
    assert captured.audit[0].details["email"] == "sal@nhs.example"
    assert not group.memberships.filter(person__email="sal@nhs.example").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"email": "not-an-address"}, "email"),
        ({"reason": ""}, "reason"),
        ({"conversation_ids": []}, "conversation_ids"),
        ({"access_ends_on": "yesterday"}, "access_ends_on"),
        ({"access_ends_on": "next-year"}, "access_ends_on"),
    ],
)
def test_a_request_with_something_missing_or_wrong_is_refused(world, changes, field):
    group = world.group(world.teacher2)
    today = timezone.localdate()
    if changes.get("access_ends_on") == "yesterday":
        changes["access_ends_on"] = today - timedelta(days=1)
    elif changes.get("access_ends_on") == "next-year":
        changes["access_ends_on"] = today + timedelta(days=400)
    with verify_refused(Invalid, field=field):
        actions.request_external(**details(world, group, **changes))


def test_only_conversations_the_sponsor_runs_and_never_a_class_channel(world):
    theirs = world.group(world.teacher, by=world.teacher2)  # teacher is a plain member
    with verify_refused(Invalid, field="conversation_ids"):
        actions.request_external(**details(world, theirs))
    klass = world.class_channel(world.pupil)
    with verify_refused(Invalid, field="conversation_ids"):
        actions.request_external(**details(world, klass))
    elsewhere = world.group(world.teacher2, by=world.teacher2)
    with verify_refused(Invalid, field="conversation_ids"):
        actions.request_external(**details(world, elsewhere))


@pytest.mark.parametrize("who", ["pupil", "external", "governor"])
def test_pupils_externals_and_governors_cannot_sponsor(world, who):
    group = world.group(world.teacher2)
    with verify_refused(PermissionDenied):
        actions.request_external(**details(world, group, acting=getattr(world, who)))


def test_approving_lets_them_into_those_conversations_only_marked_external_until_the_date(world):
    group = world.group(world.teacher2)
    request = ask(world, group)
    with verify_action(audit=[A.EXTERNAL_APPROVED], events=["membership.added"]) as captured:
        external = actions.approve_external(request.pk, acting=world.dpo, reason="Checked with the SENCo")
    assert external.external and external.role_codes == ["external"] and not external.has_usable_password()
    assert external.access_ends_on == request.access_ends_on and external.school_id == world.teacher.school_id
    assert list(external.memberships.values_list("conversation_id", flat=True)) == [group.pk]
    assert captured.event("membership.added").people >= {external.pk}
    request.refresh_from_db()
    assert (request.status, request.person, request.decided_by) == ("approved", external, world.dpo)
    # What an external may do: the conversations they were added to, and nothing else.
    assert not permissions.allows(external, "directory.view", world.org)
    assert not permissions.allows(external, "conversation.create.group", world.org)
    assert not permissions.allows(external, "external.request", world.org)
    with verify_refused(Invalid, field="status"):
        actions.approve_external(request.pk, acting=world.admin)


@pytest.mark.parametrize("who", ["teacher", "head", "dsl", "external"])
def test_only_the_dpo_and_it_admins_decide(world, who):
    request = ask(world, world.group(world.teacher2))
    with verify_refused(PermissionDenied):
        actions.approve_external(request.pk, acting=getattr(world, who))
    with verify_refused(PermissionDenied):
        actions.refuse_external(request.pk, acting=getattr(world, who), reason="No")


def test_another_organisation_s_request_is_not_found(world):
    request = ask(world, world.group(world.teacher2))
    with verify_refused(NotFound):
        actions.approve_external(request.pk, acting=world.outsider)


def test_refusing_needs_a_reason_the_sponsor_will_see(world):
    request = ask(world, world.group(world.teacher2))
    with verify_refused(Invalid, field="reason"):
        actions.refuse_external(request.pk, acting=world.admin, reason="  ")
    with verify_action(audit=[A.EXTERNAL_REFUSED], events=[]):
        actions.refuse_external(request.pk, acting=world.admin, reason="Use the school's therapy portal instead")
    request.refresh_from_db()
    assert request.status == ExternalAccessRequest.Status.REJECTED
    assert request.decision_reason == "Use the school's therapy portal instead"


def test_a_request_whose_end_date_has_passed_cannot_be_approved(world):
    request = ask(world, world.group(world.teacher2))
    ExternalAccessRequest.objects.filter(pk=request.pk).update(access_ends_on=timezone.localdate() - timedelta(days=1))
    with verify_refused(Invalid, field="access_ends_on"):
        actions.approve_external(request.pk, acting=world.admin)
