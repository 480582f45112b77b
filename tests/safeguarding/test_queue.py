"""The DSL queue (KCSIE): the school's safeguarding leads and deputies see its concerns and nobody else does;
every look is audited; deleted and edited text stays readable to the lead; the workflow records the referral and
the outcome; a concern is given only to a lead."""

import pytest

from staffroom.accounts.models import Role
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.messaging import actions as messaging
from staffroom.safeguarding import actions, queries
from staffroom.safeguarding.models import Concern, ConcernNote
from tests import factories
from tests.safeguarding.concern_factory import concern, pupil_message
from tests.verify import public_functions, verified_in, verify_action, verify_refused

pytestmark = pytest.mark.django_db

A = AuditAction
REFUSED = ["teacher", "head", "dpo", "admin", "pupil", "external", "governor", "ta", "office"]


def test_every_public_action_is_run_through_verify_action_and_refused_or_left_unchanged():
    runs = verified_in(__file__, "actions")
    for name in sorted(public_functions(actions)):
        assert name in runs["verify_action"], f"actions.{name} has no test run through verify_action"
        assert name in runs["verify_refused"] | runs["verify_unchanged"], name


@pytest.fixture
def deputy(world):
    return factories.person(world.school, Role.DEPUTY_DSL, Role.TEACHER, name="Dee Deputy")


@pytest.fixture
def other_dsl(world):
    return factories.person(world.other_school, Role.DSL, name="Olive Other DSL")


def test_the_dsl_and_the_deputy_see_their_school_s_concerns_only(world, deputy, other_dsl):
    ours = concern(world)
    theirs = Concern.objects.create(
        organisation=world.org, school=world.other_school, category="bullying", source="report"
    )
    for lead in (world.dsl, deputy):
        with verify_action(audit=[A.CONCERNS_LISTED], events=[]) as captured:
            page = actions.list_concerns(acting=lead)
        assert [c.pk for c in page.items] == [ours.pk]
        assert captured.audit[0].data == {"count": 1, "concern_ids": [ours.pk], "filters": {}}
    assert [c.pk for c in actions.list_concerns(acting=other_dsl).items] == [theirs.pk]
    trust_dsl = factories.person(world.school, Role.DSL, name="Tess Trust DSL", trust_wide=True)
    assert {c.pk for c in actions.list_concerns(acting=trust_dsl).items} == {ours.pk, theirs.pk}
    outsider_dsl = factories.person(world.outsider.school, Role.DSL, trust_wide=True)
    assert actions.list_concerns(acting=outsider_dsl).items == []


@pytest.mark.parametrize("who", REFUSED)
def test_everyone_else_is_refused_the_queue_a_concern_and_changes(world, who):
    item = concern(world)
    person = getattr(world, who)
    with verify_refused(PermissionDenied):
        actions.list_concerns(acting=person)
    with verify_refused(NotFound):
        actions.open_concern(item.pk, acting=person)
    with verify_refused(NotFound):
        actions.update_concern(item.pk, acting=person, note="Looked at it")


def test_a_dsl_of_another_school_cannot_open_or_change_this_school_s_concern(world, other_dsl):
    item = concern(world)
    with verify_refused(NotFound):
        actions.open_concern(item.pk, acting=other_dsl)
    with verify_refused(NotFound):
        actions.update_concern(item.pk, acting=other_dsl, status="reviewed")


def test_the_queue_puts_open_and_high_first_and_filters(world):
    low = concern(world, severity="low")
    high = concern(world, severity="high", category="grooming")
    closed_high = concern(world, severity="high", status="closed")
    medium = concern(world)
    page = actions.list_concerns(acting=world.dsl)
    assert [c.pk for c in page.items] == [high.pk, medium.pk, low.pk, closed_high.pk]
    only = actions.list_concerns(acting=world.dsl, filters=queries.Filters(category="grooming"))
    assert [c.pk for c in only.items] == [high.pk]
    assert [c.pk for c in actions.list_concerns(acting=world.dsl, filters=queries.Filters(status="closed")).items] == [
        closed_high.pk
    ]
    first = queries.queue(world.dsl, limit=2)
    second = queries.queue(world.dsl, cursor=first.next, limit=2)
    assert [c.pk for c in first.items + second.items] == [high.pk, medium.pk, low.pk, closed_high.pk]
    assert second.next is None


def test_the_dsl_reads_what_a_pupil_edited_and_deleted_and_the_look_is_audited(world):
    before = pupil_message(world, "See you at lunch")
    message = pupil_message(world, "I am going to hurt myself tonight", before.conversation)
    messaging.edit_message(message, acting=world.pupil, body="nothing, ignore me")
    messaging.delete_message(message, acting=world.pupil)
    after = pupil_message(world, "Anyone done the homework?", before.conversation)
    item = concern(world, message=message)
    with verify_action(audit=[A.CONCERN_VIEWED], events=[]) as captured:
        opened = actions.open_concern(item.pk, acting=world.dsl)
    from staffroom.safeguarding.payloads import concern_detail_payload

    shown = concern_detail_payload(opened.concern, opened.context, opened.notes)
    assert shown["message"]["body"] == "nothing, ignore me"
    assert shown["message"]["original_body"] == "I am going to hurt myself tonight"
    assert [e["body"] for e in shown["message"]["edits"]] == ["I am going to hurt myself tonight"]
    assert shown["message"]["deleted"] is True and shown["message"]["deleted_by"]["id"] == world.pupil.pk
    ids = [m["id"] for m in shown["context"]]
    assert before.pk in ids and message.pk in ids and after.pk in ids
    data = captured.audit[0].data
    assert data["concern_id"] == item.pk and message.pk in data["message_ids"]
    assert data["deleted_shown"] == 1 and data["edited_shown"] == 1
    assert "hurt" not in str(captured.audit[0].data) + str(captured.audit[0].details)


def test_the_workflow_records_the_referral_and_the_outcome(world, deputy):
    item = concern(world)
    with verify_action(audit=[A.CONCERN_ASSIGNED, A.CONCERN_NOTED], events=[]):
        actions.update_concern(item.pk, acting=world.dsl, assigned_to=deputy.pk, note="Deputy knows the family")
    with verify_action(audit=[A.CONCERN_STATUS_CHANGED], events=[]):
        actions.update_concern(item.pk, acting=deputy, status="reviewed")
    with verify_refused(Invalid, field="referral"):
        actions.update_concern(item.pk, acting=deputy, status="escalated")
    with verify_action(audit=[A.CONCERN_STATUS_CHANGED], events=[]) as captured:
        actions.update_concern(item.pk, acting=deputy, status="escalated", referral="MASH, ref 12345")
    assert captured.audit[0].data == {"concern_id": item.pk, "from": "reviewed", "to": "escalated"}
    with verify_refused(Invalid, field="outcome"):
        actions.update_concern(item.pk, acting=deputy, status="closed", outcome="  ")
    with verify_action(audit=[A.CONCERN_STATUS_CHANGED], events=[]):
        actions.update_concern(item.pk, acting=world.dsl, status="closed", outcome="Early help plan in place")
    item.refresh_from_db()
    assert (item.status, item.referral, item.outcome, item.closed_by) == (
        "closed", "MASH, ref 12345", "Early help plan in place", world.dsl,
    )  # fmt: skip
    assert item.referred_at and item.closed_at
    assert [n.kind for n in item.notes.all()] == ["assigned", "note", "status", "status", "status"]
    # Reopening needs a reason; closed concerns move nowhere else.
    with verify_refused(Invalid, field="note"):
        actions.update_concern(item.pk, acting=world.dsl, status="open")
    with verify_refused(Invalid, field="status"):
        actions.update_concern(item.pk, acting=world.dsl, status="reviewed")
    with verify_action(audit=[A.CONCERN_STATUS_CHANGED, A.CONCERN_NOTED], events=[]):
        actions.update_concern(item.pk, acting=world.dsl, status="open", note="The pupil disclosed more today")
    item.refresh_from_db()
    assert item.status == "open" and item.closed_at is None


def test_an_escalated_concern_can_only_be_closed_and_nonsense_is_refused(world):
    item = concern(world, status="escalated", referral="Police, 99")
    with verify_refused(Invalid, field="status"):
        actions.update_concern(item.pk, acting=world.dsl, status="reviewed")
    with verify_refused(Invalid, field="status"):
        actions.update_concern(item.pk, acting=world.dsl, status="lost")
    with verify_refused(Invalid, field="note"):
        actions.update_concern(item.pk, acting=world.dsl)


def test_a_concern_is_given_only_to_a_safeguarding_lead_of_its_school(world, deputy, other_dsl):
    item = concern(world)
    for someone in (world.teacher, world.head, world.dpo, other_dsl, world.outsider):
        with verify_refused(Invalid, field="assigned_to"):
            actions.update_concern(item.pk, acting=world.dsl, assigned_to=someone.pk)
    with verify_action(audit=[A.CONCERN_ASSIGNED], events=[]):
        actions.update_concern(item.pk, acting=world.dsl, assigned_to=world.dsl.pk)
    with verify_action(audit=[A.CONCERN_ASSIGNED], events=[]):
        actions.update_concern(item.pk, acting=world.dsl, assigned_to=None)
    assert ConcernNote.objects.filter(concern=item, kind="assigned").count() == 2
    assert Concern.objects.get(pk=item.pk).assigned_to is None


def test_a_dsl_who_left_sees_nothing(world):
    item = concern(world)
    world.dsl.is_active = False
    world.dsl.save()
    with verify_refused(PermissionDenied):
        actions.list_concerns(acting=world.dsl)
    with verify_refused(NotFound):
        actions.open_concern(item.pk, acting=world.dsl)


def test_the_queue_takes_the_same_queries_however_many_concerns_it_shows(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from staffroom.safeguarding.payloads import concern_payload

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            [concern_payload(c) for c in queries.queue(world.dsl).items]
        return len(captured.captured_queries)

    concern(world, assigned_to=world.dsl, raised_by=world.teacher)
    queries_for_page()  # the viewer's own roles are read once, then kept for the request
    few = queries_for_page()
    for _ in range(5):
        concern(world, assigned_to=world.dsl, raised_by=world.teacher2)
    assert queries_for_page() == few
