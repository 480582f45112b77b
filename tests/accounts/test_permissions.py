"""The permission table: every action is known, and scopes behave as the module docstring says."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffroom.accounts import permissions
from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import Role
from staffroom.accounts.permissions import RULES, Scope

pytestmark = pytest.mark.django_db


def test_every_rule_names_real_roles_and_scopes():
    for action, grants in RULES.items():
        assert "." in action
        for role, scopes in grants.items():
            assert role in Role.values or role in Service
            assert scopes and all(scope in Scope.__members__.values() for scope in scopes)


def test_a_role_keeps_every_scope_it_is_granted(world):
    from tests import factories

    dsl_only = factories.person(world.school, Role.DSL, name="Only DSL")
    group = world.group(dsl_only)
    assert permissions.allows(dsl_only, "conversation.view", group)  # member, as well as supervised
    assert permissions.allows(dsl_only, "conversation.view", world.class_channel())


def test_unknown_action_is_a_programming_error(world):
    with pytest.raises(KeyError):
        permissions.allows(world.teacher, "conversation.explode", None)


@settings(max_examples=60, deadline=None)
@given(action=st.sampled_from(sorted(RULES)))
def test_inactive_people_may_do_nothing(action):
    from tests import factories

    sch = factories.school()
    person = factories.person(sch, *Role.values)
    person.is_active = False
    assert not permissions.allows(person, action, sch)


def test_people_of_another_organisation_are_out_of_every_scope(world):
    for action, grants in RULES.items():
        if Role.IT_ADMIN in grants:
            assert not permissions.allows(world.admin, action, world.outsider), action


def test_school_scope_covers_own_school_and_trust_wide_things_only(world):
    assert permissions.allows(world.head, "people.manage", world.teacher)
    assert not permissions.allows(world.head, "people.manage", world.other_teacher)
    assert permissions.allows(world.admin, "people.manage", world.other_teacher)
    assert not permissions.allows(world.teacher, "people.manage", world.teacher2)


def test_trust_wide_creation_needs_a_trust_wide_role(world):
    assert not permissions.allows(world.head, "conversation.create.channel", world.org)
    assert permissions.allows(world.admin, "conversation.create.channel", world.org)


def test_externals_past_their_end_date_may_do_nothing(world):
    import datetime

    world.external.access_ends_on = datetime.date(2020, 1, 1)
    assert not permissions.allows(world.external, "upload.create", world.org)


def test_docs_are_generated_from_the_table():
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
    assert doc.read_text() == permissions.table_markdown(), "run: staffroom permissions_table > docs/permissions.md"


def test_a_service_acts_only_where_the_table_says_and_only_in_its_organisation(world):
    from staffroom.accounts.permissions import allows

    worker = ServiceActor(Service.WORKER, world.org.pk)
    scim = ServiceActor(Service.SCIM, world.org.pk)
    assert allows(worker, "records.purge", world.org)
    assert not allows(worker, "records.purge", world.outsider.organisation)
    assert not allows(worker, "people.manage", world.teacher)
    assert allows(scim, "people.manage", world.teacher)
    assert not allows(scim, "people.manage", world.outsider)
    assert not allows(scim, "conversation.post", world.group(world.teacher2))


@pytest.fixture
def most_favourable(world):
    """For a person holding one role: a message they wrote in a class channel of their school that they run.
    Every scope holds for it (organisation, school, supervised, manager, member, own), so the table alone
    decides: a role in an action's row is allowed, a role missing from it is refused even here."""
    from staffroom.messaging.models import Conversation, Membership, Message
    from tests import factories

    def make(role):
        person = factories.person(world.school, role, name=f"Only {role}")
        conversation = Conversation.objects.create(
            organisation=world.org, school=world.school, kind=Conversation.Kind.CLASS, title="9X Science",
            school_class=world.klass, created_by=person,
        )  # fmt: skip
        Membership.objects.create(conversation=conversation, person=person, role=Membership.Role.OWNER)
        message = Message.objects.create(conversation=conversation, author=person, body="Hello", html="<p>Hello</p>")
        return person, message

    return make


@pytest.mark.parametrize("role", Role.values)
def test_every_cell_of_the_table_allows_or_refuses_as_it_says(most_favourable, role):
    """Each role against every action: the table's answer, denials included (the issue: every denial in the
    permission table has a test)."""
    person, target = most_favourable(role)
    for action, grants in RULES.items():
        assert permissions.allows(person, action, target) is (role in grants), (action, role)


@pytest.mark.parametrize("service", list(Service))
def test_every_service_may_do_only_what_its_column_says(world, service):
    actor = ServiceActor(service, world.org.pk)
    for action, grants in RULES.items():
        expected = Scope.ORGANISATION in grants.get(service, frozenset())
        assert permissions.allows(actor, action, world.teacher) is expected, (action, service)
        assert not permissions.allows(actor, action, world.outsider), (action, service)


def test_subject_access_is_the_dpo_s_and_the_headteacher_sees_their_school_s_records(world):
    assert permissions.allows(world.dpo, "sar.manage", world.org)
    for someone in (world.admin, world.head, world.dsl, world.teacher):
        assert not permissions.allows(someone, "sar.manage", world.org)
    assert permissions.allows(world.head, "records.view", world.teacher)
    assert not permissions.allows(world.head, "records.view", world.other_teacher)
    assert permissions.allows(world.dpo, "records.view", world.other_teacher)
    assert not permissions.allows(world.admin, "records.view", world.teacher)
    assert permissions.allows(ServiceActor(Service.WORKER, world.org.pk), "sar.remind", world.teacher)
