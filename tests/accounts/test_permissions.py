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
