"""The group register: every conversation within the viewer's scope, with counts and owners, never a message."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from staffroom.accounts.models import Person
from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.messaging import actions, queries
from staffroom.messaging.models import Conversation, Membership
from staffroom.messaging.queries import RegisterFilters

pytestmark = pytest.mark.django_db


def ids(viewer, **filters):
    return [c.pk for c in queries.register(viewer, RegisterFilters(**filters))]


def trust_wide_channel(world, *members):
    return actions.create_conversation(
        acting=world.admin, kind="channel", title="All staff", member_ids=[m.pk for m in members], trust_wide=True
    )


def primary_group(world):
    group = world.group(world.other_teacher, by=world.admin, title="Primary leads")
    Conversation.objects.filter(pk=group.pk).update(school=world.other_school)
    return group


def test_trust_wide_viewers_see_every_conversation_of_the_organisation_they_are_not_in(world):
    group = world.group(world.teacher2)
    klass = world.class_channel()
    trust = trust_wide_channel(world, world.teacher)
    primary = primary_group(world)
    world.group(by=world.outsider, title="Elsewhere")
    for viewer in (world.admin, world.dpo):
        assert set(ids(viewer)) == {group.pk, klass.pk, trust.pk, primary.pk}


def test_a_headteacher_sees_their_own_school_s_conversations_only(world):
    group = world.group(world.teacher2)
    trust_wide_channel(world, world.teacher)
    primary_group(world)
    assert ids(world.head) == [group.pk]
    assert queries.in_register(world.head, group)
    assert not queries.in_register(world.head, primary_group(world))


@pytest.mark.parametrize("role", ["dsl", "teacher", "ta", "office", "governor", "pupil", "external"])
def test_everyone_else_has_no_register(world, role):
    world.group(world.teacher2)
    viewer = getattr(world, role)
    assert not queries.may_view_register(viewer)
    with pytest.raises(PermissionDenied):
        queries.register(viewer)
    with pytest.raises(PermissionDenied):
        queries.register_page(viewer)


def test_a_leaver_has_no_register(world):
    world.admin.is_active = False
    assert not queries.may_view_register(world.admin)


def test_a_row_says_who_runs_it_how_many_are_in_it_and_when_it_was_used(world):
    group = world.group(world.teacher2, world.external, world.ta)
    Membership.objects.filter(conversation=group, person=world.teacher2).update(role="owner")
    message, _ = actions.send_message(group, acting=world.teacher2, body="Trip letters are in the office")
    (row,) = queries.register_page(world.admin).items
    assert row.id == group.pk and row.kind == "group" and row.title == "Year 9 team"
    assert (row.school, row.school_id) == ("High School", world.school.pk)
    assert [(o.id, o.name) for o in row.owners] == [
        (world.teacher.pk, "Tara Teacher"),
        (world.teacher2.pk, "Tom Teacher"),
    ]
    assert (row.member_count, row.external_count) == (4, 1)
    group.refresh_from_db()
    assert row.last_activity_at == group.last_message_at == message.created_at
    assert row.created_at == group.created_at
    assert row.last_reviewed_at is None and row.archived is False
    assert "Trip letters" not in repr(row)


def test_a_direct_message_has_no_owners_even_from_an_old_row(world):
    direct = actions.create_conversation(acting=world.teacher, kind="direct", member_ids=[world.teacher2.pk])
    Membership.objects.filter(conversation=direct, person=world.teacher).update(role="owner")
    (row,) = queries.register_page(world.admin).items
    assert (row.kind, row.owners, row.member_count) == ("direct", [], 2)


def test_an_unused_conversation_s_activity_is_when_it_was_started(world):
    group = world.group(world.teacher2)
    (row,) = queries.register_page(world.admin).items
    assert row.last_activity_at == group.created_at


def test_filters_narrow_by_title_kind_school_and_externals(world):
    group = world.group(world.teacher2, title="Year 9 team")
    with_external = world.group(world.external, title="Trip planning")
    channel = world.channel(title="Staffroom")
    primary = primary_group(world)
    assert ids(world.admin, q="trip") == [with_external.pk]
    assert ids(world.admin, q="  YEAR 9 ") == [group.pk]
    assert ids(world.admin, kind="channel") == [channel.pk]
    assert ids(world.admin, school_id=world.other_school.pk) == [primary.pk]
    assert ids(world.admin, externals=True) == [with_external.pk]
    assert with_external.pk not in ids(world.admin, externals=False)
    with pytest.raises(Invalid) as bad_kind:
        ids(world.admin, kind="chatroom")
    assert bad_kind.value.field == "kind"


def test_pages_run_newest_activity_first_and_never_repeat_or_skip(world):
    now = timezone.now()
    made = []
    for n in range(7):
        group = world.group(world.teacher2, title=f"Group {n}")
        # Three share one moment, so the id breaks the tie.
        Conversation.objects.filter(pk=group.pk).update(created_at=now - timedelta(minutes=n if n > 3 else 0))
        made.append(group.pk)
    everything = ids(world.admin)
    seen, after = [], None
    while True:
        page = queries.register_page(world.admin, after=after, limit=2)
        seen += [row.id for row in page.items]
        if page.next is None:
            break
        after = page.next
    assert seen == everything
    assert sorted(seen) == sorted(made)
    assert everything[:4] == sorted(made[:4], reverse=True)  # same time: highest id first


@pytest.mark.parametrize("marker", ["x", "1.", ".5", "12.0", "1.-3", "9" * 40 + ".1", "1." + "9" * 30])
def test_a_broken_page_marker_is_invalid(world, marker):
    with pytest.raises(Invalid) as refused:
        queries.register_page(world.admin, after=marker)
    assert refused.value.field == "after"


def test_reading_a_page_takes_the_same_queries_however_many_conversations_there_are(world):
    def count_queries():
        viewer = Person.objects.get(pk=world.admin.pk)  # fresh: no cached roles
        with CaptureQueriesContext(connection) as captured:
            queries.register_page(viewer, limit=200)
            list(queries.register_rows(viewer))
        return len(captured)

    world.group(world.teacher2, world.external)
    few = count_queries()
    for n in range(12):
        group = world.group(world.teacher2, world.ta, world.external, title=f"Group {n}")
        Membership.objects.filter(conversation=group, person=world.ta).update(role="owner")
    assert count_queries() == few


def test_an_entry_lists_the_members_and_is_not_found_outside_the_register(world):
    group = world.group(world.teacher2, world.external)
    entry = queries.register_entry(world.admin, group.pk)
    assert [m.person.name for m in entry.members] == ["Eve External", "Tara Teacher", "Tom Teacher"]
    assert entry.row.external_count == 1
    elsewhere = world.group(by=world.outsider, title="Elsewhere")
    for viewer, conversation_id in [(world.admin, elsewhere.pk), (world.head, primary_group(world).pk)]:
        with pytest.raises(NotFound):
            queries.register_entry(viewer, conversation_id)
