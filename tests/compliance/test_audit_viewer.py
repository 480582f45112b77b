"""The audit log viewer of the compliance console: the DPO and IT admins read, filter and download the log and
check its chain; everyone else is refused; nothing of another organisation shows."""

import csv
import io

import pytest

from staffroom.compliance.models import AuditEntry
from staffroom.messaging import actions
from tests.api.conftest import ApiClient, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(world):
    group = world.group(world.teacher2, title='=HYPERLINK("evil")')
    actions.send_message(group, acting=world.teacher, body="Fire drill at ten")
    actions.remove_member(group, world.teacher2.pk, acting=world.teacher, reason="Moved to the primary school")
    other = world.outsider
    actions.create_conversation(acting=other, kind="group", title="Elsewhere", member_ids=[])
    return group


def test_the_dpo_reads_the_log_newest_first_with_who_what_and_why(world, history):
    api = ApiClient(world.dpo)
    items = api.get("/compliance/audit").json()["items"]
    assert [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True)
    removed = next(i for i in items if i["action"] == "membership.removed")
    assert removed["reason"] == "Moved to the primary school" and removed["actor"]["id"] == world.teacher.pk
    assert removed["meaning"] == "Someone was removed from a conversation"
    assert all("Elsewhere" not in i["target"]["label"] for i in items)  # another organisation's


def test_filters_and_paging(world, history):
    api = ApiClient(world.admin)
    sent = api.get("/compliance/audit", {"action": "message.sent"}).json()["items"]
    assert [i["action"] for i in sent] == ["message.sent"]
    in_group = api.get("/compliance/audit", {"conversation_id": history.pk}).json()["items"]
    assert {i["action"] for i in in_group} >= {"conversation.created", "message.sent", "membership.removed"}
    first = api.get("/compliance/audit", {"limit": 2}).json()
    second = api.get("/compliance/audit", {"limit": 2, "after": first["next"]}).json()
    assert first["items"][-1]["id"] > second["items"][0]["id"]
    assert error_of(api.get("/compliance/audit", {"action": "message.stolen"}))["field"] == "action"
    assert error_of(api.get("/compliance/audit", {"since": "2026-02-30"}))["field"] == "since"
    assert error_of(api.get("/compliance/audit", {"since": "2026-03-02", "until": "2026-03-01"}))["field"] == "until"


def test_the_csv_has_every_match_and_no_formula_runs(world, history):
    response = ApiClient(world.dpo).client.get(
        "/api/v1/compliance/audit.csv", headers={"Authorization": f"Bearer {ApiClient(world.dpo).token}"}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == AuditEntry.objects.filter(organisation=world.org).count()
    assert any(r["target_label"].startswith("'=HYPERLINK") for r in rows)


def test_the_chain_check_finds_an_altered_entry(world, history):
    api = ApiClient(world.dpo)
    assert api.get("/compliance/audit/chain").json()["ok"] is True
    entry = AuditEntry.objects.filter(organisation=world.org, action="membership.removed").get()
    AuditEntry.objects.filter(pk=entry.pk).update(reason="Nothing to see")
    broken = api.get("/compliance/audit/chain").json()
    assert broken["ok"] is False and broken["first_bad_id"] == entry.pk


@pytest.mark.parametrize("who", ["head", "teacher", "dsl", "pupil", "external"])
def test_others_cannot_read_the_log(world, history, who):
    api = ApiClient(getattr(world, who))
    assert api.get("/compliance/audit").status_code == 403
    assert api.get("/compliance/audit/chain").status_code == 403


def test_the_console_page_filters_checks_and_downloads(world, history, client):
    client.force_login(world.dpo)
    page = client.get("/compliance/").content.decode()
    assert "Moved to the primary school" in page and "Audit log" in page
    filtered = client.get("/compliance/audit/", {"action": "message.sent"}).content.decode()
    assert "Moved to the primary school" not in filtered and "A message was posted" in filtered
    response = client.post("/compliance/audit/verify", follow=True)
    assert "Intact" in response.content.decode()
    download = client.get("/compliance/audit.csv", {"action": "message.sent"})
    assert download["Content-Type"].startswith("text/csv") and download.content.decode().count("\n") == 2
    bad = client.get("/compliance/audit/", {"since": "not a date"})
    assert bad.status_code == 422


@pytest.mark.parametrize("who", ["head", "teacher", "pupil"])
def test_the_console_page_is_not_there_for_others(world, client, who):
    client.force_login(getattr(world, who))
    assert client.get("/compliance/").status_code == 404
    assert client.get("/compliance/audit.csv").status_code == 404
    assert client.post("/compliance/audit/verify").status_code == 404
