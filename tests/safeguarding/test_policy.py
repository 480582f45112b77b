"""Safeguarding policies: the defaults every school starts with, and changes by the DSL or DPO only."""

from __future__ import annotations

import pytest

from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, PermissionDenied
from staffroom.safeguarding import actions
from staffroom.safeguarding.models import PolicyRule
from staffroom.safeguarding.policy import DETECTORS, Policy, default_outcome
from tests import factories
from tests.api.conftest import error_of
from tests.verify import public_functions, verified_in, verify_action, verify_refused, verify_unchanged

pytestmark = pytest.mark.django_db
A = AuditAction
RULE = {"detector": "postcode", "conversation_kind": "channel", "sender": "staff", "outcome": "block"}


def test_every_public_action_is_run_through_verify_action_and_refused_or_left_unchanged():
    runs = verified_in(__file__, "actions")
    for name in sorted(public_functions(actions)):
        assert name in runs["verify_action"], f"actions.{name} has no test run through verify_action"
        assert name in runs["verify_refused"] | runs["verify_unchanged"], name


# --- defaults ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["channel", "group", "direct", "announcement"])
def test_a_pupil_identifier_in_a_staff_conversation_nudges(kind):
    for detector in ("upn", "nhs_number", "ni_number", "date_of_birth", "address", "pupil_name", "child_protection"):
        assert default_outcome(detector, kind, "staff") == "nudge"
    # Special category words on their own identify nobody ("the SEN pupils' families"); named, pupil_name nudges.
    for detector in ("health", "sen", "religion", "free_school_meals"):
        assert default_outcome(detector, kind, "staff") == "allow"


@pytest.mark.parametrize("kind", ["channel", "group", "direct", "announcement", "class"])
def test_a_concern_in_a_pupils_message_raises_a_concern(kind):
    for category in ("self_harm", "grooming", "bullying", "extremism"):
        assert default_outcome(category, kind, "pupil") == "raise"


def test_the_other_defaults():
    # Identifying numbers and CP status never go in front of pupils; other identifiers nudge there.
    assert default_outcome("upn", "class", "staff") == "block"
    assert default_outcome("child_protection", "class", "staff") == "block"
    assert default_outcome("health", "class", "staff") == "nudge"
    # A pupil sharing personal details is asked to think first.
    assert default_outcome("address", "class", "pupil") == "nudge"
    # Staff worried about something among staff: reminded of the procedure; to pupils: raised.
    assert default_outcome("self_harm", "channel", "staff") == "nudge"
    assert default_outcome("grooming", "class", "staff") == "raise"


def test_every_cell_has_a_known_outcome():
    table = Policy().table()
    assert len(table) == len(DETECTORS) * 5 * 2
    assert {row["outcome"] for row in table} <= {"allow", "nudge", "warn_dpo", "block", "raise", "hold"}
    # Holding for review is for photos only: a text is there to be read.
    assert {row["detector"] for row in table if row["outcome"] == "hold"} == {"photo_faces"}
    assert all(row["default"] for row in table)


# --- changing it ------------------------------------------------------------------------------------------


def test_the_dsl_changes_their_schools_policy(world):
    with verify_action(audit=[A.SAFEGUARDING_POLICY_CHANGED], events=[]) as captured:
        policy = actions.change_policy(world.school, acting=world.dsl, rules=[RULE])
    assert policy.outcome("postcode", "channel", "staff") == "block"
    assert captured.audit[0].data["changes"] == [
        {"detector": "postcode", "conversation_kind": "channel", "sender": "staff", "from": "nudge", "to": "block"}
    ]


def test_setting_a_cell_back_to_its_default_removes_the_override(world):
    actions.change_policy(world.school, acting=world.dpo, rules=[RULE])
    actions.change_policy(world.school, acting=world.dpo, rules=[{**RULE, "outcome": "nudge"}])
    assert not PolicyRule.objects.exists()


def test_a_change_to_what_is_already_so_changes_nothing(world):
    with verify_unchanged():
        actions.change_policy(world.school, acting=world.dsl, rules=[{**RULE, "outcome": "nudge"}])


@pytest.mark.parametrize("who", ["head", "teacher", "admin", "pupil", "governor", "office", "other_teacher"])
def test_only_the_dsl_and_dpo_may_change_the_policy(world, who):
    with verify_refused(PermissionDenied):
        actions.change_policy(world.school, acting=getattr(world, who), rules=[RULE])


def test_a_dsl_of_another_school_may_not(world):
    other_dsl = factories.person(world.other_school, "dsl")
    with verify_refused(PermissionDenied):
        actions.change_policy(world.school, acting=other_dsl, rules=[RULE])


@pytest.mark.parametrize(
    "bad, field",
    [
        ({**RULE, "detector": "astrology"}, "rules.0.detector"),
        ({**RULE, "conversation_kind": "forum"}, "rules.0.conversation_kind"),
        ({**RULE, "sender": "parent"}, "rules.0.sender"),
        ({**RULE, "outcome": "shout"}, "rules.0.outcome"),
    ],
)
def test_unknown_values_are_refused(world, bad, field):
    with verify_refused(Invalid, field=field):
        actions.change_policy(world.school, acting=world.dsl, rules=[bad])


def test_a_policy_change_applies_to_the_next_send_at_once(world):
    from staffroom.messaging import actions as messaging

    staff = world.channel(world.teacher2)
    actions.change_policy(
        world.school, acting=world.dsl,
        rules=[{"detector": "nhs_number", "conversation_kind": "channel", "sender": "staff", "outcome": "allow"}],
    )  # fmt: skip
    _message, created = messaging.send_message(staff, acting=world.teacher, body="NHS number 943 476 5919")
    assert created


# --- the API ----------------------------------------------------------------------------------------------


def test_the_api_shows_and_changes_the_policy(world, as_person):
    api = as_person(world.dsl)
    table = api.get("/safeguarding/policy").json()
    assert table["school_id"] == world.school.pk
    cell = next(r for r in table["rules"] if (r["detector"], r["conversation_kind"], r["sender"]) == (
        "postcode", "channel", "staff"))  # fmt: skip
    assert cell == {
        "detector": "postcode", "group": "identifier", "label": "a postcode", "conversation_kind": "channel",
        "sender": "staff", "outcome": "nudge", "default": True,
    }  # fmt: skip
    changed = api.patch("/safeguarding/policy", {"rules": [RULE]})
    assert changed.status_code == 200
    cell = next(r for r in changed.json()["rules"] if (r["detector"], r["conversation_kind"], r["sender"]) == (
        "postcode", "channel", "staff"))  # fmt: skip
    assert (cell["outcome"], cell["default"]) == ("block", False)


def test_the_dpo_names_the_school(world, as_person):
    response = as_person(world.dpo).patch("/safeguarding/policy", {"school_id": world.other_school.pk, "rules": [RULE]})
    assert response.status_code == 200
    assert response.json()["school_id"] == world.other_school.pk


@pytest.mark.parametrize("who", ["head", "teacher", "pupil", "admin"])
def test_the_api_refuses_everyone_else(world, as_person, who):
    api = as_person(getattr(world, who))
    assert api.get("/safeguarding/policy").status_code == 403
    response = api.patch("/safeguarding/policy", {"rules": [RULE]})
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    assert not PolicyRule.objects.exists()


def test_another_organisations_school_is_404(world, as_person):
    response = as_person(world.dpo).get("/safeguarding/policy", {"school_id": world.outsider.school_id})
    assert response.status_code == 404


def test_a_bad_rule_is_422_naming_the_field(world, as_person):
    response = as_person(world.dsl).patch("/safeguarding/policy", {"rules": [{**RULE, "outcome": "shout"}]})
    assert response.status_code == 422
    assert error_of(response)["field"] == "rules.0.outcome"


# --- the console page -------------------------------------------------------------------------------------


def test_the_dsl_sees_and_saves_the_policy_page(world, client):
    from tests.web.conftest import assert_no_inline_code

    client.force_login(world.dsl)
    page = client.get("/safeguarding/policy")
    assert page.status_code == 200
    html = page.content.decode()
    assert_no_inline_code(html)
    assert '<label class="visually-hidden" for="cell-postcode-channel-staff">' in html
    assert "<caption" in html and 'scope="row"' in html
    saved = client.post("/safeguarding/policy", {"school": world.school.pk, "cell-postcode-channel-staff": "block"})
    assert saved.status_code == 302
    assert PolicyRule.objects.get().outcome == "block"


def test_the_dpo_chooses_the_school_and_the_console_links_the_page(world, client):
    client.force_login(world.dpo)
    page = client.get(f"/safeguarding/policy?school={world.other_school.pk}").content.decode()
    assert f"Safeguarding policy: {world.other_school.name}" in page
    assert 'href="/safeguarding/policy"' in page  # the console's navigation


@pytest.mark.parametrize("who", ["teacher", "pupil", "office"])
def test_the_policy_page_is_404_for_others(world, client, who):
    client.force_login(getattr(world, who))
    assert client.get("/safeguarding/policy").status_code == 404
