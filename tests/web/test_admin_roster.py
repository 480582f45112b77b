"""/admin/roster/: an IT admin uploads a roster ZIP, sees what it would change, and confirms."""

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from staffroom.accounts.models import Person, Preferences
from staffroom.compliance.models import AuditEntry
from staffroom.messaging.models import Conversation
from tests import factories
from tests.rosters.conftest import enrollment, roster, user, zipped
from tests.web.conftest import assert_no_inline_code

pytestmark = pytest.mark.django_db

URL = "/admin/roster/"
APPLY = "/admin/roster/apply"


def upload(client, files: dict[str, bytes] | bytes, **fields):
    data = files if isinstance(files, bytes) else zipped(files)
    return client.post(URL, {"file": SimpleUploadedFile("roster.zip", data, "application/zip"), **fields})


def text(response) -> str:
    html = response.content.decode()
    assert_no_inline_code(html)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def confirm_fields(response) -> dict[str, str]:
    html = response.content.decode()
    return {name: unescape(value) for name, value in re.findall(r'name="(sealed|digest)" value="([^"]*)"', html)}


def hill_roster(**changes):
    # The world's own school, so that the roster links to it by name.
    return roster(orgs=[{"sourcedId": "org-hill", "name": "High School", "type": "school"}], **changes)


def test_the_page_is_an_it_admin_s_section_of_the_console(world, as_person):
    response = as_person(world.admin).get(URL)
    assert response.status_code == 200
    assert "Import a roster" in text(response)
    html = response.content.decode()
    assert '<a href="/admin/roster/" aria-current="page">Roster import</a>' in html
    assert '<a href="/admin/">People</a>' in html
    assert '<label for="id_file">' in html and 'enctype="multipart/form-data"' in html


@pytest.mark.parametrize("who", ["head", "dpo"])
def test_the_console_offers_the_roster_to_it_admins_only(world, as_person, who):
    assert "/admin/roster/" not in as_person(getattr(world, who)).get("/admin/groups/").content.decode()


@pytest.mark.parametrize("who", ["head", "dpo", "dsl", "teacher", "office", "governor", "pupil", "external"])
def test_anyone_else_finds_no_such_page(world, as_person, who):
    client = as_person(getattr(world, who))
    assert client.get(URL).status_code == 404
    assert upload(client, hill_roster()).status_code == 404
    assert client.post(APPLY, {"sealed": "x", "digest": "y"}).status_code == 404
    assert not Person.objects.filter(roster_id__gt="").exists()


def test_someone_signed_out_is_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302


def test_checking_a_roster_shows_what_it_would_change_and_changes_nothing(world, as_person):
    client = as_person(world.admin)
    entries = AuditEntry.objects.count()
    response = upload(client, hill_roster())
    assert response.status_code == 200
    page = text(response)
    assert "What the roster would change" in page
    assert "People to add (3)" in page
    for name in ("Ada Lovelace", "Ben Okafor", "Cal Singh"):
        assert name in page
    assert "9X Science" in page and "Make these changes" in page
    assert "07700900123" not in response.content.decode() and "Letmein-2025" not in response.content.decode()
    assert AuditEntry.objects.count() == entries and not Person.objects.filter(roster_id__gt="").exists()


def test_confirming_makes_the_changes_and_records_who_confirmed(world, as_person):
    client = as_person(world.admin)
    fields = confirm_fields(upload(client, hill_roster()))
    response = client.post(APPLY, fields)
    assert response.status_code == 302 and response["Location"] == URL
    assert set(Person.objects.exclude(roster_id="").values_list("name", flat=True)) == {
        "Ada Lovelace",
        "Ben Okafor",
        "Cal Singh",
    }
    assert Conversation.objects.filter(school_class=world.klass, kind="class").exists()
    last = AuditEntry.objects.order_by("-pk").first()
    assert (last.action, last.actor, last.channel) == ("roster.imported", world.admin, "web")
    assert "The roster was imported: 3 people added" in text(client.get(URL))


def test_confirming_again_changes_nothing_and_says_so(world, as_person):
    client = as_person(world.admin)
    fields = confirm_fields(upload(client, hill_roster()))
    client.post(APPLY, fields)
    response = upload(client, hill_roster())
    assert "Staffroom already matches this roster" in text(response)
    assert confirm_fields(response) == {}


def test_a_plan_that_changed_since_the_check_is_shown_again_rather_than_applied(world, as_person):
    client = as_person(world.admin)
    fields = confirm_fields(upload(client, hill_roster()))
    factories.person(world.school, "pupil", name="Ben By Hand", email="p-ben@hill.example")
    response = client.post(APPLY, fields)
    assert response.status_code == 409
    assert "Staffroom has changed since you checked this roster" in text(response)
    assert not Person.objects.exclude(roster_id="").exists()


def test_a_check_that_was_altered_or_someone_else_s_is_refused(world, as_person):
    admin2 = factories.person(world.school, "it_admin", trust_wide=True)
    factories.authenticator_app(admin2)  # an IT admin must have a second step (accounts/second_factor.py)
    fields = confirm_fields(upload(as_person(world.admin), hill_roster()))
    response = as_person(admin2).post(APPLY, fields)
    assert response.status_code == 422 and "Upload the file again" in text(response)
    tampered = {**fields, "sealed": fields["sealed"][:-3] + "abc"}
    assert as_person(world.admin).post(APPLY, tampered).status_code == 422
    assert not Person.objects.exclude(roster_id="").exists()


def test_a_bad_roster_lists_its_problems_by_file_and_line_and_cannot_be_confirmed(world, as_person):
    broken = hill_roster(users=[user("p-ben"), user("p-ben")], enrollments=[enrollment("c-9x", "p-nobody")])
    response = upload(as_person(world.admin), broken)
    assert response.status_code == 422
    page = text(response)
    assert "The roster cannot be imported" in page and "Nothing has been changed" in page
    assert "users.csv line 3: sourcedId p-ben is also on line 2." in page
    assert "enrollments.csv line 2: userSourcedId p-nobody is not in users.csv." in page
    assert confirm_fields(response) == {}


def test_a_bad_roster_s_problems_are_in_welsh_for_an_admin_who_chose_welsh(world, as_person):
    Preferences.objects.update_or_create(person=world.admin, defaults={"language": "cy"})
    broken = hill_roster(users=[user("p-ben"), user("p-ben")], enrollments=[enrollment("c-9x", "p-nobody")])
    page = text(upload(as_person(world.admin), broken))
    assert "users.csv llinell 3: Mae sourcedId p-ben hefyd ar linell 2." in page
    assert "enrollments.csv llinell 2: Nid yw userSourcedId p-nobody yn users.csv." in page
    assert "is also on line" not in page


def test_something_that_is_not_a_zip_is_refused_beside_the_file_field(world, as_person):
    response = upload(as_person(world.admin), b"sourcedId,name\r\n")
    assert response.status_code == 422
    assert "This is not a ZIP file" in text(response)
    assert 'aria-invalid="true"' in response.content.decode()


def test_a_file_over_the_limit_is_refused_without_being_kept(world, as_person, settings):
    settings.STAFFROOM_MAX_ROSTER_UPLOAD_BYTES = 1024
    response = upload(as_person(world.admin), zipped({**hill_roster(), "users.csv": bytes(range(256)) * 40}))
    assert response.status_code == 422 and "too large" in text(response)


def test_an_upload_without_a_csrf_token_is_refused(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin)
    response = upload(client, hill_roster())
    assert response.status_code == 403


def test_people_without_email_can_be_given_an_address_at_the_school_s_domain(world, as_person):
    files = hill_roster(users=[user("p-ben", given="Ben", family="Okafor", email="", username="ben.okafor")],
                        enrollments=[enrollment("c-9x", "p-ben")])  # fmt: skip
    client = as_person(world.admin)
    without = text(upload(client, files))
    assert "People to add 0" in without and "p-ben has no email" in without
    with_domain = upload(client, files, email_domain="high.example")
    assert "ben.okafor@high.example" in text(with_domain)
    assert "not a domain" not in text(with_domain)
    bad = upload(client, files, email_domain="not a domain")
    assert bad.status_code == 422 and "Give a domain name" in text(bad)


def test_a_roster_too_large_to_post_back_is_left_to_the_command(world, as_person, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024 + 100
    response = upload(as_person(world.admin), hill_roster())
    assert response.status_code == 200
    assert "too large to confirm from the browser" in text(response) and confirm_fields(response) == {}
