"""/api/v1/safeguarding/concerns: the queue, one concern and working on it, for the school's safeguarding leads
only (DESIGN.md). Everyone else: 403 for the queue, 404 for a concern."""

import pytest

from staffroom.accounts.models import Role
from staffroom.compliance.models import AuditEntry
from staffroom.messaging import actions as messaging
from staffroom.safeguarding.models import Concern
from tests import factories
from tests.api.conftest import ApiClient, error_of
from tests.safeguarding.concern_factory import concern, pupil_message

pytestmark = pytest.mark.django_db

URL = "/safeguarding/concerns"


def test_the_dsl_lists_opens_and_works_a_concern(world):
    deputy = factories.person(world.school, Role.DEPUTY_DSL, name="Dee Deputy")
    message = pupil_message(world, "he said send him pics and not tell anyone")
    messaging.delete_message(message, acting=world.pupil)
    item = Concern.objects.get(message=message)  # raised by the send path's checks as it was posted
    assert (item.category, item.severity) == ("grooming", "high")
    api = ApiClient(world.dsl)

    listed = api.get(URL)
    assert listed.status_code == 200
    (row,) = listed.json()["items"]
    assert listed.json()["next"] is None
    assert {k: row[k] for k in ("id", "category", "severity", "status", "source", "conversation_id")} == {
        "id": item.pk, "category": "grooming", "severity": "high", "status": "open", "source": "detector",
        "conversation_id": message.conversation_id,
    }  # fmt: skip
    assert row["message"]["body"] == "he said send him pics and not tell anyone" and row["message"]["deleted"]
    assert row["created_at"]

    one = api.get(f"{URL}/{item.pk}").json()
    assert one["message"]["id"] == message.pk and [m["id"] for m in one["context"]] == [message.pk]
    assert one["about"]["id"] == world.pupil.pk and one["notes"] == []

    changed = api.patch(f"{URL}/{item.pk}", {"assigned_to": deputy.pk, "note": "Spoke to form tutor"})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["assigned_to"]["id"] == deputy.pk
    assert [n["kind"] for n in changed.json()["notes"]] == ["assigned", "note"]
    refused = api.patch(f"{URL}/{item.pk}", {"status": "escalated"})
    assert refused.status_code == 422 and error_of(refused)["field"] == "referral"
    escalated = api.patch(f"{URL}/{item.pk}", {"status": "escalated", "referral": "MASH, ref 4471"})
    assert escalated.json()["status"] == "escalated" and escalated.json()["referral"] == "MASH, ref 4471"
    refused = api.patch(f"{URL}/{item.pk}", {"status": "closed"})
    assert refused.status_code == 422 and error_of(refused)["field"] == "outcome"
    closed = api.patch(f"{URL}/{item.pk}", {"status": "closed", "outcome": "Police investigating"})
    assert closed.json()["status"] == "closed"
    assert api.patch(f"{URL}/{item.pk}", {"assigned_to": None}).json()["assigned_to"] is None
    assert api.get(URL, {"status": "open"}).json()["items"] == []
    assert [r["id"] for r in api.get(URL, {"assigned_to": world.dsl.pk}).json()["items"]] == []
    actions_written = list(
        AuditEntry.objects.filter(action__startswith="concern.").order_by("pk").values_list("action", flat=True)
    )
    # Raised as the pupil posted; then the DSL's looks, each recorded.
    looks = [a for a in actions_written if a in ("concern.raised", "concern.listed", "concern.viewed")]
    assert looks[:3] == ["concern.raised", "concern.listed", "concern.viewed"]
    assert "concern.status_changed" in actions_written and "concern.assigned" in actions_written


def test_filters_and_bad_input(world):
    concern(world, severity="low")
    high = concern(world, severity="high", category="violence")
    api = ApiClient(world.dsl)
    assert [r["id"] for r in api.get(URL, {"severity": "high"}).json()["items"]] == [high.pk]
    assert [r["id"] for r in api.get(URL, {"category": "violence"}).json()["items"]] == [high.pk]
    assert api.get(URL, {"category": "nonsense"}).json()["items"] == []
    assert api.get(URL, {"status": "lost"}).status_code == 422
    assert api.patch(f"{URL}/{high.pk}", {"status": "lost"}).status_code == 422
    bad = api.patch(f"{URL}/{high.pk}", {"assigned_to": world.teacher.pk})
    assert bad.status_code == 422 and error_of(bad)["field"] == "assigned_to"
    assert api.get(f"{URL}/999999").status_code == 404


@pytest.mark.parametrize("who", ["teacher", "head", "dpo", "admin", "pupil", "external"])
def test_everyone_else_is_refused(world, who):
    item = concern(world)
    api = ApiClient(getattr(world, who))
    assert api.get(URL).status_code == 403
    assert api.get(f"{URL}/{item.pk}").status_code == 404
    assert api.patch(f"{URL}/{item.pk}", {"note": "hello"}).status_code == 404
    assert not AuditEntry.objects.filter(action__startswith="concern.").exists()


def test_nobody_signed_out_sees_anything(world):
    item = concern(world)
    assert ApiClient().get(URL).status_code == 401
    assert ApiClient().get(f"{URL}/{item.pk}").status_code == 401
