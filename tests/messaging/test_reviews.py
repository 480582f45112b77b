"""Termly membership reviews: due once a term for conversations that existed before it began, confirmed by
whoever runs them, overdue after the grace period, with their history in the group register."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, PermissionDenied
from staffroom.messaging import actions, queries, reviews
from staffroom.messaging.models import Conversation, MembershipReview
from tests.verify import verify_action, verify_refused

pytestmark = pytest.mark.django_db

A = AuditAction


@pytest.fixture
def terms(settings):
    settings.STAFFROOM_TERM_STARTS = "09-01,01-01,04-15"
    settings.STAFFROOM_REVIEW_GRACE_DAYS = 28


def started_last_term(conversation):
    Conversation.objects.filter(pk=conversation.pk).update(created_at=timezone.now() - timedelta(days=200))
    conversation.refresh_from_db()
    return conversation


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (date(2026, 12, 5), date(2026, 9, 1)),
        (date(2026, 9, 1), date(2026, 9, 1)),
        (date(2027, 1, 1), date(2027, 1, 1)),
        (date(2027, 4, 14), date(2027, 1, 1)),
        (date(2027, 8, 31), date(2027, 4, 15)),
        (date(2026, 3, 3), date(2026, 1, 1)),
    ],
)
def test_a_term_starts_on_the_latest_term_date_on_or_before_today(terms, today, start):
    assert reviews.term_start(today) == start


def test_due_for_the_conversations_one_runs_that_existed_before_the_term(world, terms):
    old = started_last_term(world.group(world.teacher2, title="Old team"))
    world.group(world.teacher2, title="Started this term")
    direct = started_last_term(
        actions.create_conversation(acting=world.teacher, kind="direct", member_ids=[world.ta.pk])
    )
    assert list(reviews.due_for(world.teacher)) == [old]
    assert list(reviews.due_for(world.teacher2)) == []  # a plain member does not review
    assert direct not in reviews.due_for(world.teacher)


def test_confirming_removes_who_should_go_and_is_recorded(world, terms):
    group = started_last_term(world.group(world.teacher2, world.ta))
    with verify_action(audit=[A.MEMBERSHIP_REMOVED, A.MEMBERS_REVIEWED], events=["membership.removed"]) as captured:
        review = actions.review_members(group, acting=world.teacher, remove_ids=[world.ta.pk], note="TA moved on")
    assert (review.kept, review.removed_ids) == (2, [world.ta.pk])
    assert captured.audit[0].reason == "Termly membership review"
    assert captured.audit[1].data == {"kept": 2, "removed": [world.ta.pk]}
    assert list(reviews.due_for(world.teacher)) == []
    group.refresh_from_db()
    assert group.last_reviewed_at is not None


def test_only_whoever_runs_it_reviews_and_nothing_changes_on_a_refusal(world, terms):
    group = started_last_term(world.group(world.teacher2, world.ta))
    with verify_refused(PermissionDenied):
        actions.review_members(group, acting=world.teacher2, remove_ids=[world.ta.pk])
    with verify_refused(Invalid, field="remove_ids"):
        actions.review_members(group, acting=world.teacher, remove_ids=[world.ta.pk, world.pupil.pk])
    assert group.memberships.filter(person=world.ta).exists()
    assert not MembershipReview.objects.exists()


def test_the_register_shows_which_reviews_are_due_and_the_history(world, terms, monkeypatch):
    group = started_last_term(world.group(world.teacher2))
    due = [row.id for row in queries.register_rows(world.admin, queries.RegisterFilters(review="due"))]
    assert due == [group.pk]
    monkeypatch.setattr(reviews, "is_overdue", lambda today=None: True)
    (row,) = [r for r in queries.register_rows(world.admin) if r.id == group.pk]
    assert row.review_due and row.review_overdue
    actions.review_members(group, acting=world.teacher)
    assert list(queries.register_rows(world.admin, queries.RegisterFilters(review="due"))) == []
    entry = queries.register_entry(world.admin, group.pk)
    assert [(r.reviewed_by, r.kept) for r in entry.reviews] == [(world.teacher, 2)]


def test_overdue_after_the_grace_period(terms):
    assert not reviews.is_overdue(date(2026, 9, 28))
    assert reviews.is_overdue(date(2026, 9, 29))


def test_the_owner_sees_the_reviews_they_owe_and_confirms_on_the_web(world, terms, client):
    group = started_last_term(world.group(world.teacher2, world.ta, title="Year 9 team"))
    client.force_login(world.teacher)
    home = client.get("/").content.decode()
    assert f"/c/{group.pk}/review" in home
    page = client.get(f"/c/{group.pk}/review")
    assert page.status_code == 200 and "Tia Assistant" in page.content.decode()
    response = client.post(f"/c/{group.pk}/review", {"remove_ids": [world.ta.pk], "note": ""})
    assert response.status_code == 302
    assert not group.memberships.filter(person=world.ta).exists()
    assert f"/c/{group.pk}/review" not in client.get("/").content.decode()
    client.force_login(world.teacher2)
    assert client.get(f"/c/{group.pk}/review").status_code == 404


def test_the_api_lists_reviews_owed_and_confirms_them(world, terms, as_person):
    group = started_last_term(world.group(world.teacher2))
    api = as_person(world.teacher)
    owed = api.get("/reviews").json()
    assert [c["id"] for c in owed["items"]] == [group.pk]
    done = api.post(f"/conversations/{group.pk}/review", {"remove_ids": []})
    assert done.status_code == 200 and done.json()["kept"] == 2
    assert api.get("/reviews").json()["items"] == []
    assert as_person(world.teacher2).post(f"/conversations/{group.pk}/review", {}).status_code == 403


@pytest.fixture
def as_person(db):
    from tests.api.conftest import ApiClient

    return ApiClient


def test_the_register_page_filters_and_marks_reviews_due(world, terms, client):
    group = started_last_term(world.group(world.teacher2, title="Year 9 team"))
    world.group(world.teacher2, title="Started this term")
    client.force_login(world.admin)
    page = client.get("/admin/groups/", {"review": "due"}).content.decode()
    assert "Year 9 team" in page and "Started this term" not in page
    assert ("Overdue" if reviews.is_overdue() else "Due this term") in page
    actions.review_members(group, acting=world.teacher)
    detail = client.get(f"/admin/groups/{group.pk}/").content.decode()
    assert "Tara Teacher confirmed 2 members and took out 0." in detail
