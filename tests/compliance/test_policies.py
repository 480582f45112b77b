"""Staff policies: the DPO publishes versions; everyone a version applies to accepts it, again for each new version
and a year after they last did; pupils only when the DPO includes them. The evidence shows who has and who has
not, per school and role, to the DPO and (for their school) the headteacher."""

from datetime import timedelta

import pytest
from django.utils import timezone

from staffroom.compliance import actions
from staffroom.compliance.audit import AuditAction
from staffroom.compliance.models import PolicyAcknowledgement
from staffroom.compliance.policies import Standing
from staffroom.compliance.queries import my_policies, owes_acknowledgement, policy_evidence
from staffroom.errors import Invalid, NotFound, PermissionDenied
from tests.api.conftest import ApiClient, error_of
from tests.verify import verify_action, verify_refused, verify_unchanged

pytestmark = pytest.mark.django_db

A = AuditAction
NOT_THE_DPO = ["admin", "head", "dsl", "teacher", "ta", "office", "governor", "pupil", "external"]


def publish(world, kind="data_protection", label="2026", **extra):
    extra.setdefault("text", "Keep pupils' data safe.")
    return actions.publish_policy(kind, acting=world.dpo, label=label, **extra)


# --- publishing --------------------------------------------------------------------------------------------


def test_the_dpo_publishes_a_version_and_it_becomes_current(world):
    with verify_action(audit=[A.POLICY_PUBLISHED], events=[]) as captured:
        version = actions.publish_policy(
            "social_media", acting=world.dpo, label="2026", text="# Rules\n\n**Never** post pupils' photos.",
            text_format="markdown",
        )  # fmt: skip
    assert version.policy.current == version and captured.audit[0].data["kind"] == "social_media"
    assert "<strong>Never</strong>" in version.html and "<h1>Rules</h1>" in version.html
    with verify_action(audit=[A.POLICY_PUBLISHED], events=[]) as captured:
        newer = publish(world, "social_media", "2027", summary="Shorter.")
    version.policy.refresh_from_db()
    assert version.policy.current == newer and captured.audit[0].data["previous_version_id"] == version.pk


def test_plain_text_and_markdown_are_shown_safely(world):
    plain = publish(world, text="<script>alert(1)</script>\n\nSecond paragraph")
    assert "<script>" not in plain.html and "&lt;script&gt;" in plain.html and plain.html.count("<p>") == 2
    marked = publish(world, "social_media", text="[x](javascript:alert(1)) <b>hi</b> ![img](http://x/y.png)",
                     text_format="markdown")  # fmt: skip
    assert 'href="javascript' not in marked.html and "<b>" not in marked.html and "<img" not in marked.html


@pytest.mark.parametrize(
    ("kind", "extra", "field"),
    [
        ("poetry", {}, "kind"),
        ("data_protection", {"label": " "}, "label"),
        ("data_protection", {"label": "x" * 41}, "label"),
        ("data_protection", {"text": "\u200b"}, "text"),
        ("data_protection", {"text_format": "html"}, "text_format"),
        ("data_protection", {"includes_pupils": True}, "includes_pupils"),
        ("social_media", {"includes_pupils": True}, "includes_pupils"),
    ],
)
def test_bad_versions_are_refused_and_nothing_is_written(world, kind, extra, field):
    with verify_refused(Invalid, field=field):
        actions.publish_policy(kind, acting=world.dpo, **{"label": "2026", "text": "Text", **extra})


def test_a_later_version_says_what_changed_and_has_its_own_name(world):
    publish(world)
    with verify_refused(Invalid, field="summary"):
        publish(world, label="2027")
    with verify_refused(Invalid, field="label"):
        publish(world, label="2026", summary="Again")


@pytest.mark.parametrize("who", NOT_THE_DPO)
def test_only_the_dpo_publishes(world, who):
    with verify_refused(PermissionDenied):
        actions.publish_policy("data_protection", acting=getattr(world, who), label="2026", text="Text")


# --- who is asked, and when ----------------------------------------------------------------------------------


def test_nobody_is_asked_before_anything_is_published(world):
    assert not owes_acknowledgement(world.teacher) and not owes_acknowledgement(world.pupil)


def test_staff_governors_and_externals_are_asked_and_pupils_are_not(world):
    publish(world)
    for who in ["admin", "head", "dpo", "dsl", "teacher", "ta", "office", "governor", "external"]:
        assert owes_acknowledgement(getattr(world, who)), who
    assert not owes_acknowledgement(world.pupil)
    assert not owes_acknowledgement(world.outsider)  # another organisation's policy


def test_pupils_are_asked_when_the_acceptable_use_policy_includes_them(world):
    version = publish(world, "acceptable_use", text="Be kind online.", includes_pupils=True)
    assert owes_acknowledgement(world.pupil)
    with verify_action(audit=[A.POLICY_ACKNOWLEDGED], events=[]):
        actions.acknowledge_policy(version.pk, acting=world.pupil)
    assert not owes_acknowledgement(world.pupil)


def test_a_pupil_cannot_accept_a_policy_that_does_not_ask_them(world):
    version = publish(world)
    with verify_refused(NotFound):
        actions.acknowledge_policy(version.pk, acting=world.pupil)


def test_accepting_clears_what_is_owed_and_accepting_again_changes_nothing(world):
    version = publish(world)
    with verify_action(audit=[A.POLICY_ACKNOWLEDGED], events=[]) as captured:
        first = actions.acknowledge_policy(version.pk, acting=world.teacher)
    assert captured.audit[0].data == {"policy_id": version.policy_id, "version_id": version.pk,
                                      "kind": "data_protection"}  # fmt: skip
    assert not owes_acknowledgement(world.teacher)
    with verify_unchanged():
        again = actions.acknowledge_policy(version.pk, acting=world.teacher)
    assert again == first


def test_a_new_version_asks_again_and_the_old_one_can_no_longer_be_accepted(world):
    old = publish(world)
    actions.acknowledge_policy(old.pk, acting=world.teacher)
    new = publish(world, label="2027", summary="Photos section added")
    assert owes_acknowledgement(world.teacher)
    assert [v.pk for v in my_policies(world.teacher).owed] == [new.pk]
    with verify_refused(Invalid, field="version_id"):
        actions.acknowledge_policy(old.pk, acting=world.teacher2)
    actions.acknowledge_policy(new.pk, acting=world.teacher)
    assert not owes_acknowledgement(world.teacher)


def test_a_year_after_accepting_the_person_is_asked_again(world):
    version = publish(world)
    accepted = actions.acknowledge_policy(version.pk, acting=world.teacher)
    now = accepted.acknowledged_at
    assert not owes_acknowledgement(world.teacher, now=now + timedelta(days=364))
    assert owes_acknowledgement(world.teacher, now=now + timedelta(days=365, seconds=1))
    later = now + timedelta(days=366)
    with verify_action(audit=[A.POLICY_ACKNOWLEDGED], events=[]):
        renewed = actions.acknowledge_policy(version.pk, acting=world.teacher, now=later)
    assert renewed.pk != accepted.pk and PolicyAcknowledgement.objects.filter(person=world.teacher).count() == 2
    assert not owes_acknowledgement(world.teacher, now=later)
    mine = my_policies(world.teacher, now=later)
    assert mine.owed == [] and mine.accepted[0].renew_by == later + timedelta(days=365)


def test_another_organisation_s_version_and_an_unknown_one_are_not_found(world):
    version = publish(world)
    with verify_refused(NotFound):
        actions.acknowledge_policy(version.pk, acting=world.outsider)
    with verify_refused(NotFound):
        actions.acknowledge_policy(version.pk + 1000, acting=world.teacher)


def test_someone_whose_access_ended_cannot_accept(world):
    version = publish(world)
    world.external.access_ends_on = timezone.localdate() - timedelta(days=1)
    world.external.save(update_fields=["access_ends_on"])
    with verify_refused(NotFound):
        actions.acknowledge_policy(version.pk, acting=world.external)


# --- the evidence ----------------------------------------------------------------------------------------------


@pytest.fixture
def evidence_world(world):
    """Data protection 2026 (after 2025): the teacher and the head accepted it, the office accepted only 2025,
    teacher2 accepted 2026 more than a year before `later`, and the other school's teacher accepted it."""
    old = publish(world, label="2025")
    actions.acknowledge_policy(old.pk, acting=world.office)
    current = publish(world, label="2026-b", summary="Photos")
    for who in (world.teacher, world.head, world.other_teacher):
        actions.acknowledge_policy(current.pk, acting=who)
    actions.acknowledge_policy(current.pk, acting=world.teacher2, now=timezone.now() - timedelta(days=400))
    world.current = current
    return world


def _standings(evidence):
    return {s.person.name: s.standing for s in evidence.people}


def test_the_evidence_counts_who_has_not_yet_and_out_of_date(evidence_world):
    w = evidence_world
    (evidence,) = policy_evidence(w.dpo)
    standings = _standings(evidence)
    assert standings["Tara Teacher"] == Standing.ACKNOWLEDGED
    assert standings["Olu Office"] == Standing.OUT_OF_DATE  # an older version
    assert standings["Tom Teacher"] == Standing.OUT_OF_DATE  # more than a year ago
    assert standings["Gita Governor"] == Standing.NOT_YET
    assert "Pupil One" not in standings and "Otto Outsider" not in standings
    # Admin, head, DPO, DSL, 3 teachers, TA, office, governor, external (pupils not asked).
    assert (evidence.tally.acknowledged, evidence.tally.out_of_date, evidence.tally.total) == (3, 2, 11)
    assert evidence.tally.not_yet == 6
    groups = {(school, role): t for school, role, t in evidence.by_school_and_role}
    assert (groups[("High School", "teacher")].acknowledged, groups[("High School", "teacher")].total) == (1, 3)
    assert groups[("Primary School", "teacher")].acknowledged == 1
    assert [s.person.name for s in evidence.outstanding][:1] != ["Tara Teacher"]
    assert all(s.standing != Standing.ACKNOWLEDGED for s in evidence.outstanding)


def test_a_headteacher_sees_only_their_own_school(evidence_world):
    (evidence,) = policy_evidence(evidence_world.head)
    names = set(_standings(evidence))
    assert "Tara Teacher" in names and "Pat Primary" not in names
    # The trust-wide admin and DPO are people of the High School too (their Person.school).
    assert evidence.tally.total == 10


def test_leavers_are_not_counted(evidence_world):
    w = evidence_world
    w.governor.is_active = False
    w.governor.save(update_fields=["is_active"])
    (evidence,) = policy_evidence(w.dpo)
    assert "Gita Governor" not in _standings(evidence)


@pytest.mark.parametrize("who", ["admin", "dsl", "teacher", "ta", "office", "governor", "pupil", "external"])
def test_only_the_dpo_and_headteachers_see_the_evidence(evidence_world, who):
    with pytest.raises(PermissionDenied):
        policy_evidence(getattr(evidence_world, who))


def test_an_unknown_or_unpublished_policy_has_no_evidence(evidence_world):
    with pytest.raises(NotFound):
        policy_evidence(evidence_world.dpo, evidence_world.current.policy_id + 1000)


# --- the API ---------------------------------------------------------------------------------------------------


def test_the_api_says_what_is_owed_and_accepts(world):
    teacher = ApiClient(world.teacher)
    assert teacher.get("/me/policies").json() == {"owed": [], "acknowledged": []}
    version = publish(world, text="Line one")
    owed = teacher.get("/me/policies").json()["owed"]
    assert [v["id"] for v in owed] == [version.pk] and owed[0]["html"] == "<p>Line one</p>"
    assert teacher.get("/conversations").status_code == 200  # the API is never blocked
    accepted = teacher.post(f"/me/policies/{version.pk}/acknowledge")
    assert accepted.status_code == 200 and accepted.json()["version_id"] == version.pk
    mine = teacher.get("/me/policies").json()
    assert mine["owed"] == [] and mine["acknowledged"][0]["version"]["id"] == version.pk
    assert error_of(ApiClient(world.pupil).post(f"/me/policies/{version.pk}/acknowledge"))["code"] == "not_found"
    assert ApiClient(world.outsider).post(f"/me/policies/{version.pk}/acknowledge").status_code == 404
    newer = publish(world, label="2027", summary="More")
    stale = teacher.post(f"/me/policies/{version.pk}/acknowledge")
    assert stale.status_code == 422 and error_of(stale)["field"] == "version_id"
    assert teacher.post(f"/me/policies/{newer.pk}/acknowledge").status_code == 200


def test_the_api_evidence_for_the_dpo_and_the_headteacher(evidence_world):
    w = evidence_world
    dpo = ApiClient(w.dpo)
    items = dpo.get("/compliance/policies").json()["items"]
    assert len(items) == 1 and items[0]["current_version"]["label"] == "2026-b"
    assert (items[0]["acknowledged"], items[0]["not_yet"], items[0]["out_of_date"]) == (3, 6, 2)
    assert items[0]["rate"] == round(3 / 11, 3)
    evidence = dpo.get(f"/compliance/policies/{items[0]['id']}/evidence").json()
    outstanding = {row["person"]["name"]: row for row in evidence["items"]}
    assert outstanding["Olu Office"]["standing"] == "out_of_date"
    assert outstanding["Olu Office"]["last_acknowledged_version"] == "2025"
    assert outstanding["Gita Governor"]["last_acknowledged_at"] is None and "Tara Teacher" not in outstanding
    assert evidence["next"] is None
    head = ApiClient(w.head).get(f"/compliance/policies/{items[0]['id']}/evidence").json()
    assert "Pat Primary" not in {row["person"]["name"] for row in head["items"]} and head["total"] == 10
    csv = dpo.client.get(f"/api/v1/compliance/policies/{items[0]['id']}/evidence.csv", headers=dpo.headers)
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert dpo.get(f"/compliance/policies/{items[0]['id'] + 1000}/evidence").status_code == 404


@pytest.mark.parametrize("who", ["admin", "dsl", "teacher", "governor", "pupil", "external"])
def test_the_api_refuses_the_evidence_to_others(evidence_world, who):
    client = ApiClient(getattr(evidence_world, who))
    assert error_of(client.get("/compliance/policies"))["code"] == "forbidden"
    assert client.get(f"/compliance/policies/{evidence_world.current.policy_id}/evidence").status_code == 403


@pytest.mark.parametrize("who", NOT_THE_DPO)
def test_the_api_refuses_publishing_to_everyone_but_the_dpo(world, who):
    response = ApiClient(getattr(world, who)).post("/compliance/policies", {"kind": "data_protection",
                                                                             "label": "1", "text": "T"})  # fmt: skip
    assert response.status_code == 403


def test_the_api_publishes(world):
    dpo = ApiClient(world.dpo)
    made = dpo.post("/compliance/policies", {"kind": "acceptable_use", "label": "v1", "text": "Be kind.",
                                             "includes_pupils": True})  # fmt: skip
    assert made.status_code == 201 and made.json()["includes_pupils"] is True
    refused = dpo.post("/compliance/policies", {"kind": "acceptable_use", "label": "v2", "text": "Be kind."})
    assert error_of(refused)["field"] == "summary"
