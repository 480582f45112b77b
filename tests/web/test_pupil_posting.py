"""The school's rules for links and files from pupils, on the safeguarding policy page: the DSL and the
headteacher change them with a reason (audited, the same action as the API); nobody else can."""

from __future__ import annotations

import pytest

from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import AuditEntry
from staffroom.messaging import supervision
from staffroom.messaging.models import PupilPostingPolicy
from staffroom.safeguarding.models import PolicyRule
from tests.web.conftest import assert_no_inline_code

PAGE = "/safeguarding/policy"
SAVE = "/safeguarding/policy/pupil-posting"


def form(world, **changes) -> dict:
    data = {"school": str(world.school.pk), "file_types": "none", "reason": "Links to games sites in 9X"}
    return {k: v for k, v in (data | changes).items() if v is not None}


def test_the_dsl_sees_the_rules_beside_the_detector_policy(as_person, world):
    html = as_person(world.dsl).get(PAGE).content.decode()
    assert "Links and files from pupils" in html and "cell-postcode-channel-staff" in html
    assert 'name="links_allowed" id="id_links_allowed" checked' in html
    assert_no_inline_code(html)


def test_the_dsl_changes_the_rules_with_a_reason_and_it_is_audited(as_person, world):
    response = as_person(world.dsl).post(SAVE, form(world))
    assert (response.status_code, response["Location"]) == (302, f"{PAGE}?school={world.school.pk}")
    assert supervision.pupil_policy(world.school.pk) == (False, "none")
    entry = AuditEntry.objects.get(action=AuditAction.PUPIL_POSTING_POLICY_CHANGED)
    assert entry.reason == "Links to games sites in 9X" and entry.actor_id == world.dsl.pk


def test_the_headteacher_sees_only_the_rules_for_pupils_and_changes_them(as_person, world):
    client = as_person(world.head)
    html = client.get(PAGE).content.decode()
    assert "Links and files from pupils" in html and "cell-postcode-channel-staff" not in html
    assert client.post(PAGE, {"school": world.school.pk, "cell-postcode-channel-staff": "block"}).status_code == 404
    assert not PolicyRule.objects.exists()
    assert client.post(SAVE, form(world, links_allowed="on", file_types="all")).status_code == 302
    assert supervision.pupil_policy(world.school.pk) == (True, "all")


def test_the_dpo_sees_the_detector_policy_but_not_the_rules_for_pupils(as_person, world):
    client = as_person(world.dpo)
    assert "Links and files from pupils" not in client.get(PAGE).content.decode()
    assert client.post(SAVE, form(world)).status_code == 404
    assert not PupilPostingPolicy.objects.exists()


@pytest.mark.parametrize("who", ["teacher", "ta", "office", "governor", "pupil", "external", "other_teacher", "admin"])
def test_everyone_else_is_refused(as_person, world, who):
    client = as_person(getattr(world, who))
    assert client.post(SAVE, form(world)).status_code == 404
    assert not PupilPostingPolicy.objects.exists()


def test_another_school_is_refused_and_a_reason_is_needed(as_person, world):
    client = as_person(world.dsl)
    assert client.post(SAVE, form(world, school=str(world.other_school.pk))).status_code == 404
    assert client.post(SAVE, form(world, school="abc")).status_code == 404
    response = client.post(SAVE, form(world, reason=""))
    assert response.status_code == 422 and 'aria-invalid="true"' in response.content.decode()
    assert client.post(SAVE, form(world, file_types="videos")).status_code == 422
    assert not PupilPostingPolicy.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.PUPIL_POSTING_POLICY_CHANGED).exists()
