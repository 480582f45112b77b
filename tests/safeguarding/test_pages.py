"""/safeguarding/ and /safeguarding/<id>/: the DSL's pages, with the message as written (edits and deletions
marked), the record and the forms; the header links the queue for leads with the open count; everyone else gets
the 404 page."""

import pytest

from staffroom.accounts.models import Role
from staffroom.compliance.models import AuditEntry
from staffroom.messaging import actions as messaging
from staffroom.safeguarding.models import Concern
from tests import factories
from tests.safeguarding.concern_factory import concern, pupil_message
from tests.web.conftest import assert_no_inline_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_person(client):
    def sign_in(person):
        client.force_login(person)
        return client

    return sign_in


def test_the_dsl_s_queue_lists_the_school_s_concerns_high_first(world, as_person):
    concern(world, severity="low", category="bullying")
    concern(world, severity="high", category="grooming")
    Concern.objects.create(organisation=world.org, school=world.other_school, category="drugs", source="report")
    response = as_person(world.dsl).get("/safeguarding/")
    html = response.content.decode()
    assert response.status_code == 200
    table = html.split("<tbody>")[1]
    assert table.index("Grooming") < table.index("Bullying") and "Drugs" not in table
    assert "<caption" in html and 'scope="col"' in html
    assert 'href="/safeguarding/"' in html and "2 open" in html
    assert_no_inline_code(html)
    assert AuditEntry.objects.filter(action="concern.listed", actor=world.dsl).count() == 1
    filtered = as_person(world.dsl).get("/safeguarding/", {"severity": "low"}).content.decode().split("<tbody>")[1]
    assert "Bullying" in filtered and "Grooming" not in filtered


def test_the_concern_page_shows_edited_and_deleted_text_and_the_forms(world, as_person):
    message = pupil_message(world, "meet me after school, don't tell your mum")
    messaging.edit_message(message, acting=world.pupil, body="never mind")
    messaging.delete_message(message, acting=world.pupil)
    item = concern(world, message=message, severity="high", category="grooming")
    response = as_person(world.dsl).get(f"/safeguarding/{item.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "never mind" in html and "meet me after school, don&#x27;t tell your mum" in html
    assert "Deleted by Pupil One" in html and "Earlier version" in html
    for control in ('name="assigned_to"', 'name="note"', 'name="referral"', 'name="outcome"', "Mark reviewed"):
        assert control in html, control
    assert_no_inline_code(html)
    entry = AuditEntry.objects.get(action="concern.viewed")
    assert entry.data["message_ids"] == [message.pk] and entry.data["deleted_shown"] == 1


def test_the_forms_work_the_concern(world, as_person):
    deputy = factories.person(world.school, Role.DEPUTY_DSL, name="Dee Deputy")
    item = concern(world)
    client = as_person(world.dsl)
    url = f"/safeguarding/{item.pk}/update"
    assert client.post(url, {"assigned_to": deputy.pk}).status_code == 302
    client.post(url, {"note": "Called home"})
    client.post(url, {"status": "escalated"})  # no referral: refused, nothing changes
    assert Concern.objects.get(pk=item.pk).status == "open"
    page = client.get(f"/safeguarding/{item.pk}/").content.decode()
    assert "Say to whom it was referred" in page
    client.post(url, {"status": "escalated", "referral": "MASH 42"})
    client.post(url, {"status": "closed", "outcome": "Family supported"})
    item.refresh_from_db()
    assert (item.assigned_to, item.status, item.referral, item.outcome) == (
        deputy, "closed", "MASH 42", "Family supported",
    )  # fmt: skip
    page = client.get(f"/safeguarding/{item.pk}/").content.decode()
    assert "Called home" in page and "Reopen" in page and "0 open" not in page


@pytest.mark.parametrize("who", ["teacher", "head", "dpo", "admin", "pupil", "external"])
def test_everyone_else_gets_the_404_page_and_no_header_link(world, as_person, who):
    item = concern(world)
    client = as_person(getattr(world, who))
    assert client.get("/safeguarding/").status_code == 404
    assert client.get(f"/safeguarding/{item.pk}/").status_code == 404
    assert client.post(f"/safeguarding/{item.pk}/update", {"note": "x"}).status_code == 404
    assert 'href="/safeguarding/"' not in client.get("/").content.decode()
    assert not item.notes.exists()


def test_the_live_script_has_the_words_and_the_handler_for_an_alert(world, as_person):
    from pathlib import Path

    html = as_person(world.dsl).get("/").content.decode()
    assert 'data-concern="A safeguarding concern needs you. Open it."' in html
    script = (Path(__file__).parents[2] / "src/staffroom/web/static/staffroom/live.js").read_text()
    assert 'case "concern.raised":' in script and '"/safeguarding/" + Number(event.concern_id)' in script


def test_a_deputy_works_the_queue_from_the_pages_too(world, as_person):
    deputy = factories.person(world.school, Role.DEPUTY_DSL, Role.TEACHER, name="Dee Deputy")
    factories.authenticator_app(deputy)  # safeguarding leads must have a second sign-in step
    item = concern(world, severity="high")
    client = as_person(deputy)
    assert "Self-harm" in client.get("/safeguarding/").content.decode()
    assert client.get(f"/safeguarding/{item.pk}/").status_code == 200
    client.post(f"/safeguarding/{item.pk}/update", {"status": "reviewed"})
    assert Concern.objects.get(pk=item.pk).status == "reviewed"


def test_the_queue_and_the_page_say_how_each_concern_was_raised(world, as_person, no_alerts):
    from staffroom.safeguarding import actions as sg_actions

    klass = world.class_channel(world.pupil, world.pupil2)
    by_model, _ = messaging.send_message(klass, acting=world.pupil, body="Sometimes I think about ending it all")
    messaging.send_message(klass, acting=world.pupil, body="I want to kill myself")
    plain, _ = messaging.send_message(klass, acting=world.pupil2, body="see you at lunch")
    sg_actions.report_concern(plain, acting=world.pupil, category="bullying", note="It keeps happening")
    table = as_person(world.dsl).get("/safeguarding/").content.decode().split("<tbody>")[1]
    assert "How it was raised" not in table
    assert table.count("Found by the text model") == 1 and table.count("Found by the detectors") == 1
    assert f"Reported by {world.pupil.name}" in table
    (model_concern,) = [c for c in Concern.objects.all() if c.message == by_model]
    page = as_person(world.dsl).get(f"/safeguarding/{model_concern.pk}/").content.decode()
    assert "Found by the text model" in page
    assert "Self-harm and suicide: the text model&#x27;s reading, no phrase matched" in page
    (by_rules,) = [c for c in Concern.objects.all() if c.findings and c.findings[0]["source"] == "rules"]
    assert len(by_rules.findings) > 1  # "kill myself" matches more than one phrase of one kind...
    page = as_person(world.dsl).get(f"/safeguarding/{by_rules.pk}/").content.decode()
    assert page.count("<li>Self-harm and suicide</li>") == 1  # ...and the DSL reads the kind once
