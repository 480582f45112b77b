"""Retention and legal holds through the API and the console pages: the DPO reads and changes rules, previews the
next run, places and releases holds; the headteacher reads; everyone else is refused. The page and the API reach
the same actions, so they leave the same records."""

from __future__ import annotations

from datetime import date

import pytest

from staffroom.compliance.models import AuditEntry, LegalHold, RetentionRule
from tests.api.conftest import ApiClient, error_of
from tests.compliance.test_retention import TODAY, say
from tests.web.conftest import assert_no_inline_code

pytestmark = pytest.mark.django_db

RULE = {"kind": "group", "keep_months": 18, "basis": "last_activity", "source": "Trust policy", "reason": "Board"}
OTHERS = ["admin", "dsl", "teacher", "ta", "office", "governor", "pupil", "external"]


@pytest.fixture
def old(world):
    trip = world.group(world.teacher2, title="Old trip")
    say(trip, world.teacher, "coach at 8", on=date(2028, 1, 10))
    return trip


# --- API ---------------------------------------------------------------------------------------------------


def test_the_dpo_reads_the_rules_with_their_sources_and_changes_one(world):
    api = ApiClient(world.dpo)
    items = api.get("/compliance/retention/rules").json()["items"]
    assert [i["kind"] for i in items] == ["channel", "group", "direct", "announcement", "class", "external"]
    assert all(i["origin"] == "default" and i["source"] and i["id"] is None for i in items)

    changed = api.post("/compliance/retention/rules", RULE)
    assert changed.status_code == 200, changed.content
    assert (changed.json()["keep_months"], changed.json()["origin"]) == (18, "trust")
    school = api.post("/compliance/retention/rules", {**RULE, "keep_months": 6, "school_id": world.other_school.pk})
    assert school.json()["origin"] == "school"
    items = api.get("/compliance/retention/rules").json()["items"]
    assert [(i["kind"], i["school_id"], i["keep_months"]) for i in items][-1] == ("group", world.other_school.pk, 6)

    removed = api.delete(f"/compliance/retention/rules/{school.json()['id']}?reason=Back%20in%20line")
    assert removed.status_code == 204
    assert api.delete(f"/compliance/retention/rules/{changed.json()['id']}").status_code == 422  # no reason


def test_bad_rules_are_refused_with_the_field(world):
    api = ApiClient(world.dpo)
    for changes, field in (({"basis": "access_ended"}, "basis"), ({"keep_months": 0}, "keep_months"),
                           ({"kind": "nonsense"}, "kind"), ({"reason": ""}, "reason")):  # fmt: skip
        response = api.post("/compliance/retention/rules", {**RULE, **changes})
        assert response.status_code == 422 and error_of(response)["field"] == field, response.content
    assert api.post("/compliance/retention/rules", {**RULE, "school_id": world.outsider.school_id}).status_code == 404
    assert not RetentionRule.objects.exists()


def test_the_preview_counts_per_rule_and_per_conversation_without_text(world, old):
    api = ApiClient(world.dpo)
    preview = api.get("/compliance/retention/preview", {"today": TODAY.isoformat()}).json()
    assert preview["totals"]["messages"] == 1
    assert preview["conversations"] == [
        {"conversation_id": old.pk, "title": "Old trip", "kind": "group", "messages": 1, "held": 0, "attachments": 0}
    ]
    assert preview["rules"][0]["kind"] == "group" and preview["rules"][0]["origin"] == "default"
    assert "coach" not in str(preview)
    assert api.get("/compliance/retention/preview", {"today": "2031-02-30"}).status_code == 422
    assert api.get("/compliance/retention/runs").json() == {"items": [], "next": None}


def test_the_headteacher_reads_their_schools_part_but_changes_nothing(world, old):
    api = ApiClient(world.head)
    assert api.get("/compliance/retention/rules").status_code == 200
    preview = api.get("/compliance/retention/preview", {"today": TODAY.isoformat()}).json()
    assert preview["totals"]["messages"] == 1  # the trip is their school's
    assert api.get("/compliance/holds").status_code == 403  # holds are the DPO's alone (they may concern leaders)
    refused = api.post("/compliance/retention/rules", RULE)
    assert refused.status_code == 403 and error_of(refused)
    assert api.post("/compliance/holds", {"reason": "x", "conversation_ids": [old.pk]}).status_code == 403
    assert AuditEntry.objects.filter(action="access.refused", actor=world.head).count() == 3


@pytest.mark.parametrize("who", OTHERS)
def test_everyone_else_is_refused_every_records_endpoint(world, old, who):
    api = ApiClient(getattr(world, who))
    assert api.get("/compliance/retention/rules").status_code == 403
    assert api.get("/compliance/retention/preview").status_code == 403
    assert api.get("/compliance/retention/runs").status_code == 403
    assert api.post("/compliance/retention/rules", RULE).status_code == 403
    assert api.get("/compliance/holds").status_code == 403
    assert api.post("/compliance/holds", {"reason": "x", "conversation_ids": [old.pk]}).status_code == 403
    assert not RetentionRule.objects.exists() and not LegalHold.objects.exists()


def test_placing_and_releasing_a_hold_through_the_api(world, old):
    api = ApiClient(world.dpo)
    placed = api.post(
        "/compliance/holds",
        {"reason": "Tribunal", "person_ids": [world.teacher.pk], "conversation_ids": [old.pk],
         "starts_on": "2027-01-01", "ends_on": "2028-12-31"},
    )  # fmt: skip
    assert placed.status_code == 201, placed.content
    hold = placed.json()
    assert hold["in_force"] and hold["people"] == [{"id": world.teacher.pk, "name": world.teacher.name}]
    assert hold["conversations"][0]["id"] == old.pk
    assert api.get("/compliance/holds").json()["items"][0]["id"] == hold["id"]

    assert error_of(api.delete(f"/compliance/holds/{hold['id']}"))["field"] == "reason"
    released = api.delete(f"/compliance/holds/{hold['id']}", {"reason": "Settled"})
    assert released.status_code == 200 and released.json()["in_force"] is False
    assert released.json()["release_reason"] == "Settled"
    assert api.delete("/compliance/holds/999999", {"reason": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "Claim", "conversation_ids": [1], "starts_on": "2028-03-10", "ends_on": "2028-03-01"}, "ends_on"),
        ({"reason": "Claim"}, "person_ids"),
        ({"reason": "Claim", "person_ids": [], "conversation_ids": []}, "person_ids"),
        ({"reason": "", "conversation_ids": [1]}, "reason"),
        ({"reason": "Claim", "conversation_ids": [1], "starts_on": "March"}, "starts_on"),
    ],
)
def test_a_bad_hold_is_refused_422_and_nothing_is_written(world, old, body, field):
    if body.get("conversation_ids") == [1]:
        body = {**body, "conversation_ids": [old.pk]}
    response = ApiClient(world.dpo).post("/compliance/holds", body)
    assert response.status_code == 422 and error_of(response)["field"] == field, response.content
    assert not LegalHold.objects.exists()


# --- pages -------------------------------------------------------------------------------------------------


def test_the_dpo_changes_a_rule_on_the_page_as_through_the_api(world, client):
    client.force_login(world.dpo)
    page = client.get("/compliance/retention/")
    html = page.content.decode()
    assert page.status_code == 200 and "IRMS" in html and "Change a rule" in html
    assert_no_inline_code(html)
    response = client.post("/compliance/retention/", {**RULE, "school_id": ""})
    assert response.status_code == 302
    ApiClient(world.dpo).post("/compliance/retention/rules", {**RULE, "keep_months": 20})
    entries = AuditEntry.objects.filter(action="retention.rule_changed").order_by("id")
    assert [(e.channel, e.data["keep_months"]) for e in entries] == [("web", 18), ("api", 20)]
    assert set(entries[0].data) == set(entries[1].data)

    bad = client.post("/compliance/retention/", {**RULE, "basis": "access_ended", "school_id": ""})
    assert bad.status_code == 422 and "outsiders" in bad.content.decode()
    rule = RetentionRule.objects.get()
    assert client.post(f"/compliance/retention/rules/{rule.pk}/remove", {"reason": "Default again"}).status_code == 302
    assert not RetentionRule.objects.exists()


def test_the_page_previews_on_request_and_lists_runs(world, client, old):
    from staffroom.accounts.actors import Service, ServiceActor
    from staffroom.compliance import actions

    actions.run_retention(acting=ServiceActor(Service.RETENTION, world.org.pk), today=date(2020, 1, 1))
    client.force_login(world.dpo)
    html = client.get("/compliance/retention/", {"preview": "1"}).content.decode()
    assert "What the next run removes" in html and "Recent runs" in html and "Removal" in html


def test_the_headteacher_reads_the_pages_without_forms(world, client, old):
    client.force_login(world.head)
    html = client.get("/compliance/retention/").content.decode()
    assert "Built-in default" in html and "Change a rule" not in html and "Remove this rule" not in html
    assert client.get("/compliance/holds/").status_code == 404  # the DPO's alone
    assert client.post("/compliance/retention/", {**RULE, "school_id": ""}).status_code == 403
    assert client.post("/compliance/holds/", {"reason": "x", "conversation_ids": [old.pk]}).status_code == 404


@pytest.mark.parametrize("who", OTHERS)
def test_the_pages_are_not_there_for_others(world, client, who):
    client.force_login(getattr(world, who))
    assert client.get("/compliance/retention/").status_code == 404
    assert client.get("/compliance/holds/").status_code == 404
    assert client.post("/compliance/holds/1/release", {"reason": "x"}).status_code == 404


def test_the_dpo_places_and_releases_a_hold_on_the_page(world, client, old):
    client.force_login(world.dpo)
    html = client.get("/compliance/holds/").content.decode()
    assert "Place a hold" in html and "Old trip" in html
    assert_no_inline_code(html)
    bad = client.post(
        "/compliance/holds/",
        {"reason": "Claim", "conversation_ids": [old.pk], "starts_on": "2028-03-10", "ends_on": "2028-03-01"},
    )
    assert bad.status_code == 422 and "cannot end before it starts" in bad.content.decode()
    empty = client.post("/compliance/holds/", {"reason": "Claim"})
    assert empty.status_code == 422 and not LegalHold.objects.exists()
    placed = client.post("/compliance/holds/", {"reason": "Claim", "conversation_ids": [old.pk]})
    assert placed.status_code == 302
    hold = LegalHold.objects.get()
    assert "In force" in client.get("/compliance/holds/").content.decode()
    client.post(f"/compliance/holds/{hold.pk}/release", {"reason": "Settled"})
    hold.refresh_from_db()
    assert hold.released_at and hold.release_reason == "Settled"
    entries = AuditEntry.objects.filter(action__startswith="hold.").order_by("id")
    assert [(e.action, e.channel) for e in entries] == [("hold.placed", "web"), ("hold.released", "web")]


def test_the_console_offers_the_records_pages_to_the_dpo_and_headteacher_only(world, client):
    from staffroom.web.console import sections

    assert {"retention", "holds"} <= {s.key for s in sections(world.dpo)}
    assert "retention" in {s.key for s in sections(world.head)}
    assert "holds" not in {s.key for s in sections(world.head)}
    assert not {"retention", "holds"} & {s.key for s in sections(world.admin)}
    assert not {"retention", "holds"} & {s.key for s in sections(world.teacher)}
