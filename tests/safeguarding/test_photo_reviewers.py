"""Who checks a held photo: the list of photos waiting and the release/remove buttons agree for everyone, and a
photo can be held only where someone is sure to be able to check it (safeguarding/policy.py HOLD_KINDS)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.messaging import actions as messaging
from staffroom.messaging import queries as messaging_queries
from staffroom.messaging.models import Attachment
from staffroom.safeguarding import actions, screening
from staffroom.safeguarding.models import PolicyRule
from staffroom.safeguarding.policy import (
    BLOCK,
    CONVERSATION_KINDS,
    HOLD,
    PHOTO_FACES,
    SENDERS,
    Policy,
    default_outcome,
    outcomes_for,
)
from tests.api.conftest import ApiClient, error_of
from tests.safeguarding.faces import photo_from
from tests.verify import verify_refused

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_picture_has_a_face")]
PEOPLE = (
    "admin", "head", "dpo", "dsl", "teacher", "teacher2", "ta", "office", "governor", "pupil", "pupil2",
    "external", "other_teacher", "outsider",
)  # fmt: skip
NOT_CLASS = [k for k in CONVERSATION_KINDS if k != "class"]


def sent(conversation, person, *, hold_anyway: bool = False) -> Attachment:
    """`person` sends a photo; `hold_anyway` marks it held as a policy stored before "hold" was refused outside
    class channels would have."""
    photo = photo_from(person)
    messaging.send_message(conversation, acting=person, body="", attachment_ids=[str(photo.pk)], confirmed=True)
    if hold_anyway:
        Attachment.objects.filter(pk=photo.pk).update(held_at=timezone.now())
    photo.refresh_from_db()
    return photo


class _Undo(Exception):
    pass


def may_release(person, photo: Attachment) -> bool:
    """Does releasing the photo go through for `person`? (Tried, then rolled back.)"""
    try:
        with transaction.atomic():
            actions.release_photo(str(photo.pk), acting=person)
            raise _Undo
    except _Undo:
        return True
    except (NotFound, PermissionDenied):
        return False


# --- the list and the buttons agree ------------------------------------------------------------------------


def test_everyone_is_listed_exactly_the_photos_they_can_release(world, no_alerts):
    in_class = sent(world.class_channel(world.pupil, world.pupil2, world.ta), world.pupil)
    assert in_class.held
    group = world.group(world.ta, world.dsl, by=world.teacher2)  # the DSL is an ordinary member here
    in_group = sent(group, world.ta, hold_anyway=True)
    orphaned = world.channel(world.teacher2, world.office)
    messaging.remove_member(orphaned, world.teacher.pk, acting=world.teacher)  # its only owner leaves
    nobody_runs = sent(orphaned, world.office, hold_anyway=True)
    direct = messaging.create_conversation(acting=world.teacher, kind="direct", title="", member_ids=[world.dsl.pk])
    in_direct = sent(direct, world.teacher, hold_anyway=True)

    waiting = [in_class, in_group, nobody_runs, in_direct]
    for who in PEOPLE:
        person = getattr(world, who)
        listed = {a.pk for a in messaging_queries.held_photos(person)}
        releasable = {p.pk for p in waiting if may_release(person, p)}
        assert listed == releasable, who
        api = ApiClient(person).get("/safeguarding/held-photos")
        if api.status_code == 200:
            assert {i["attachment"]["id"] for i in api.json()["items"]} == {str(pk) for pk in listed}, who

    assert {a.pk for a in messaging_queries.held_photos(world.teacher)} == {in_class.pk}
    assert {a.pk for a in messaging_queries.held_photos(world.dsl)} == {in_class.pk}
    assert {a.pk for a in messaging_queries.held_photos(world.teacher2)} == {in_group.pk}


def test_photos_the_viewer_cannot_check_never_crowd_out_one_they_can(world, no_alerts):
    group = world.group(world.ta, world.dsl, by=world.teacher2)
    for _ in range(3):
        sent(group, world.ta, hold_anyway=True)  # older, visible to the DSL, but theirs to check is none of them
    in_class = sent(world.class_channel(world.pupil), world.pupil)
    assert [a.pk for a in messaging_queries.held_photos(world.dsl, limit=1)] == [in_class.pk]


def test_the_dsl_s_queue_page_lists_what_the_dsl_may_check_and_nothing_else(world, no_alerts):
    in_class = sent(world.class_channel(world.pupil), world.pupil)
    in_group = sent(world.group(world.ta, world.dsl, by=world.teacher2), world.ta, hold_anyway=True)
    client = Client()
    client.force_login(world.dsl)
    html = client.get("/safeguarding/").content.decode()
    section = html.split('id="held-photos-heading"')[1].split("</section>")[0]
    assert f"#message-{in_class.message_id}" in section and f"#message-{in_group.message_id}" not in section


# --- hold only where someone can check ---------------------------------------------------------------------


def test_hold_is_offered_in_class_channels_only():
    assert HOLD in outcomes_for(PHOTO_FACES, "class")
    for kind in NOT_CLASS:
        assert HOLD not in outcomes_for(PHOTO_FACES, kind)
    for row in Policy().table():
        if row["outcome"] == HOLD:
            assert row["conversation_kind"] == "class" and row["detector"] == PHOTO_FACES
    assert default_outcome(PHOTO_FACES, "class", "pupil") == HOLD
    assert default_outcome(PHOTO_FACES, "group", "pupil") == BLOCK  # pupils are never there; if one were


@pytest.mark.parametrize("kind", NOT_CLASS)
@pytest.mark.parametrize("sender", SENDERS)
def test_the_policy_refuses_hold_where_nobody_is_sure_to_check(world, kind, sender):
    rule = {"detector": PHOTO_FACES, "conversation_kind": kind, "sender": sender, "outcome": HOLD}
    with verify_refused(Invalid, field="rules.0.outcome") as refused:
        actions.change_policy(world.school, acting=world.dsl, rules=[rule])
    assert "only in class channels" in refused.value.message


def test_a_refused_cell_refuses_the_whole_change(world):
    rules = [
        {"detector": PHOTO_FACES, "conversation_kind": "class", "sender": "staff", "outcome": HOLD},
        {"detector": PHOTO_FACES, "conversation_kind": "direct", "sender": "staff", "outcome": HOLD},
    ]
    with verify_refused(Invalid, field="rules.1.outcome"):
        actions.change_policy(world.school, acting=world.dsl, rules=rules)
    assert not PolicyRule.objects.exists()
    policy = actions.change_policy(world.school, acting=world.dsl, rules=rules[:1])
    assert policy.outcome(PHOTO_FACES, "class", "staff") == HOLD


@pytest.mark.parametrize("who", ["dsl", "dpo"])
def test_the_api_refuses_hold_in_a_group_with_a_clear_422(world, who):
    answer = ApiClient(getattr(world, who)).patch(
        "/safeguarding/policy",
        {"school_id": world.school.pk,
         "rules": [{"detector": PHOTO_FACES, "conversation_kind": "group", "sender": "staff", "outcome": HOLD}]},
    )  # fmt: skip
    assert answer.status_code == 422, answer.content
    error = error_of(answer)
    assert error["field"] == "rules.0.outcome" and "class channels" in error["message"]
    assert not PolicyRule.objects.exists()


@pytest.mark.parametrize("who", ["teacher", "head", "pupil"])
def test_the_policy_stays_refused_to_those_who_may_not_set_it(world, who):
    answer = ApiClient(getattr(world, who)).patch(
        "/safeguarding/policy",
        {"rules": [{"detector": PHOTO_FACES, "conversation_kind": "class", "sender": "staff", "outcome": HOLD}]},
    )
    assert answer.status_code == 403 and not PolicyRule.objects.exists()


def test_the_policy_page_offers_hold_only_in_class_channel_cells_and_says_why_it_refuses(world):
    client = Client()
    client.force_login(world.dsl)
    html = client.get("/safeguarding/policy").content.decode()
    for kind in CONVERSATION_KINDS:
        cell = html.split(f'id="cell-{PHOTO_FACES}-{kind}-staff"')[1].split("</select>")[0]
        assert ('value="hold"' in cell) == (kind == "class"), kind
    refused = client.post(
        "/safeguarding/policy", {"school": world.school.pk, f"cell-{PHOTO_FACES}-group-staff": HOLD}, follow=True
    )
    assert refused.status_code == 422 and "only in class channels" in refused.content.decode()
    assert not PolicyRule.objects.exists()


def test_a_hold_stored_before_the_rule_counts_as_the_default_and_holds_nothing(world, no_alerts):
    PolicyRule.objects.create(
        school=world.school, detector=PHOTO_FACES, conversation_kind="group", sender="staff", outcome=HOLD
    )
    screening.clear()
    assert screening.school_policy(world.school.pk).outcome(PHOTO_FACES, "group", "staff") == "nudge"
    photo = sent(world.group(world.teacher2), world.teacher)
    assert not photo.held
