"""Checking a held photo answers the concern its hold raised for the DSL (safeguarding/actions/photos.py): an
open one nobody has taken on is closed with what happened; one a lead is working on gets a note instead."""

from __future__ import annotations

import pytest

from staffroom.compliance.audit import AuditAction
from staffroom.errors import NotFound, PermissionDenied
from staffroom.messaging import actions as messaging
from staffroom.messaging.models import Attachment, Message
from staffroom.safeguarding import actions
from staffroom.safeguarding.models import Concern, ConcernNote
from tests.safeguarding.faces import photo_from
from tests.verify import verify_action, verify_refused

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_picture_has_a_face")]
A = AuditAction


def held(world, count: int = 1) -> tuple[Message, list[Attachment], Concern]:
    """A pupil's photos sent in the class channel Tara Teacher runs: held, with one photo concern for the DSL."""
    channel = world.class_channel(world.pupil, world.pupil2)
    sent = [photo_from(world.pupil, f"me{i}.png") for i in range(count)]
    message, _ = messaging.send_message(channel, acting=world.pupil, body="", attachment_ids=[str(p.pk) for p in sent])
    for photo in sent:
        photo.refresh_from_db()
        assert photo.held
    return message, sent, Concern.objects.get(message=message, source=Concern.Source.PHOTO)


def last_note(concern: Concern) -> ConcernNote:
    return ConcernNote.objects.filter(concern=concern).order_by("-id").first()  # type: ignore[return-value]


def test_releasing_closes_the_open_concern_with_what_happened(world, no_alerts):
    _, (photo,), concern = held(world)
    with verify_action(audit=[A.CONCERN_STATUS_CHANGED, A.PHOTO_RELEASED], events=["message.edited"]) as captured:
        actions.release_photo(str(photo.pk), acting=world.teacher)
    concern.refresh_from_db()
    outcome = f"Photo released after a check by {world.teacher.name}."
    assert concern.status == Concern.Status.CLOSED and concern.outcome == outcome
    assert concern.closed_by == world.teacher and concern.closed_at is not None
    assert captured.audit[0].data == {"concern_id": concern.pk, "from": "open", "to": "closed"}
    note = last_note(concern)
    assert note.kind == ConcernNote.Kind.STATUS and note.author == world.teacher and outcome in note.body


def test_removing_closes_it_too_and_a_reviewed_concern_counts_as_nobody_s_work(world, no_alerts):
    _, (photo,), concern = held(world)
    actions.update_concern(concern.pk, acting=world.dsl, status="reviewed")
    with verify_action(audit=[A.CONCERN_STATUS_CHANGED, A.PHOTO_REMOVED], events=["message.edited"]):
        actions.remove_photo(str(photo.pk), acting=world.dsl)
    concern.refresh_from_db()
    assert concern.status == Concern.Status.CLOSED
    assert concern.outcome == f"Photo removed after a check by {world.dsl.name}."


def test_a_concern_given_to_a_lead_is_not_closed_but_noted(world, no_alerts):
    _, (photo,), concern = held(world)
    actions.update_concern(concern.pk, acting=world.dsl, assigned_to=world.dsl.pk)
    with verify_action(audit=[A.CONCERN_NOTED, A.PHOTO_RELEASED], events=["message.edited"]):
        actions.release_photo(str(photo.pk), acting=world.teacher)
    concern.refresh_from_db()
    assert concern.status == Concern.Status.OPEN and concern.outcome == "" and concern.closed_at is None
    note = last_note(concern)
    assert note.kind == ConcernNote.Kind.NOTE and note.author == world.teacher
    assert note.body == f"Photo released after a check by {world.teacher.name}."


def test_an_escalated_concern_is_not_closed_but_noted(world, no_alerts):
    _, (photo,), concern = held(world)
    actions.update_concern(concern.pk, acting=world.dsl, status="escalated", referral="MASH, ref 12")
    with verify_action(audit=[A.CONCERN_NOTED, A.PHOTO_REMOVED], events=["message.edited"]):
        actions.remove_photo(str(photo.pk), acting=world.teacher)
    concern.refresh_from_db()
    assert concern.status == Concern.Status.ESCALATED
    assert last_note(concern).body == f"Photo removed after a check by {world.teacher.name}."


def test_a_closed_concern_is_left_as_it_is(world, no_alerts):
    _, (photo,), concern = held(world)
    actions.update_concern(concern.pk, acting=world.dsl, status="closed", outcome="Consent on file.")
    with verify_action(audit=[A.PHOTO_RELEASED], events=["message.edited"]):
        actions.release_photo(str(photo.pk), acting=world.teacher)
    concern.refresh_from_db()
    assert concern.outcome == "Consent on file." and concern.closed_by == world.dsl


def test_the_concern_waits_for_the_last_photo_of_its_message(world, no_alerts):
    _, (first, second), concern = held(world, count=2)
    with verify_action(audit=[A.CONCERN_NOTED, A.PHOTO_RELEASED], events=["message.edited"]):
        actions.release_photo(str(first.pk), acting=world.teacher)
    concern.refresh_from_db()
    assert concern.status == Concern.Status.OPEN
    with verify_action(audit=[A.CONCERN_STATUS_CHANGED, A.PHOTO_REMOVED], events=["message.edited"]):
        actions.remove_photo(str(second.pk), acting=world.dsl)
    concern.refresh_from_db()
    assert concern.status == Concern.Status.CLOSED
    assert concern.outcome == f"Photo removed after a check by {world.dsl.name}."


def test_other_concerns_on_the_message_are_not_touched(world, no_alerts):
    message, (photo,), _ = held(world)
    reported = actions.report_concern(message, acting=world.pupil2, note="That's me and I didn't say yes")
    actions.release_photo(str(photo.pk), acting=world.teacher)
    reported.refresh_from_db()
    assert reported.status == Concern.Status.OPEN and not reported.notes.exists()


@pytest.mark.parametrize("who", ["pupil", "pupil2", "head", "other_teacher"])
def test_a_refused_check_leaves_the_concern_open(world, no_alerts, who):
    _, (photo,), concern = held(world)
    with verify_refused(PermissionDenied if who in ("pupil", "pupil2") else NotFound):
        actions.release_photo(str(photo.pk), acting=getattr(world, who))
    concern.refresh_from_db()
    assert concern.status == Concern.Status.OPEN and not concern.notes.exists()
