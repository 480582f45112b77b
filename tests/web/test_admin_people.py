"""The admin console's people pages (/admin/): IT admins manage everyone in the trust, headteachers their own
school, and for everyone else the console does not exist (404, for every address and method)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.utils import timezone

from staffroom.accounts.models import Person
from staffroom.compliance.models import AuditEntry
from staffroom.web.views import admin_people
from tests import factories
from tests.web.conftest import assert_no_inline_code

pytestmark = pytest.mark.django_db

NO_CONSOLE = ["teacher", "ta", "office", "governor", "pupil", "external"]


def page(response) -> str:
    return response.content.decode()


def console_urls(person_id: int) -> list[tuple[str, str]]:
    base = f"/admin/people/{person_id}/"
    return [
        ("get", "/admin/"),
        ("get", "/admin/people/"),
        ("get", "/admin/people/new"),
        ("post", "/admin/people/new"),
        ("get", base),
        *[("post", base + action) for action in ("change", "end-sessions", "deactivate", "restore", "sign-in-link")],
    ]


def signed_in_elsewhere(person: Person) -> Client:
    """The person's own browser, signed in and used once (so allauth tracks its session)."""
    browser = Client()
    browser.force_login(person)
    assert browser.get("/profile").status_code == 200
    return browser


@pytest.fixture
def mail_after_commit(django_capture_on_commit_callbacks):
    """The sign-in link is mailed when the action commits, which a test's own transaction never does."""
    return django_capture_on_commit_callbacks


def starter(school_id, **fields):
    return {"email": "new.starter@test.example", "name": "Nia Newstart", "school_id": school_id,
            "roles": ["teacher"], "leaves_on": "", **fields}  # fmt: skip


# --- who may be here ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", NO_CONSOLE)
def test_the_console_does_not_exist_for_people_who_manage_nobody(world, as_person, who):
    client = as_person(getattr(world, who))
    for method, url in console_urls(world.teacher2.pk):
        response = getattr(client, method)(url, {"reason": "x"} if method == "post" else None)
        assert response.status_code == 404, (method, url, response.status_code)
        assert "Admin console" not in page(response)
    assert "Admin console" not in page(client.get("/"))
    world.teacher2.refresh_from_db()
    assert world.teacher2.is_active


def test_the_dsl_s_console_is_the_safeguarding_policy_alone(world, as_person):
    client = as_person(world.dsl)
    html = page(client.get("/"))
    assert '<a href="/safeguarding/policy">Admin console</a>' in html
    assert client.get("/admin/")["Location"] == "/safeguarding/policy"  # the console opens at its one section
    for method, url in console_urls(world.teacher2.pk)[1:]:
        response = getattr(client, method)(url, {"reason": "x"} if method == "post" else None)
        assert response.status_code == 404, (method, url, response.status_code)
    world.teacher2.refresh_from_db()
    assert world.teacher2.is_active


def test_the_dpo_has_the_console_s_other_sections_but_no_people_pages(world, as_person):
    client = as_person(world.dpo)
    html = page(client.get("/"))
    assert '<a href="/admin/groups/">Admin console</a>' in html
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/admin/groups/"
    for method, url in console_urls(world.teacher2.pk)[1:]:
        response = getattr(client, method)(url, {"reason": "x"} if method == "post" else None)
        assert response.status_code == 404, (method, url, response.status_code)
    nav = page(client.get("/admin/groups/"))
    assert '<a href="/admin/groups/" aria-current="page">Groups</a>' in nav and ">People</a>" not in nav


def test_a_refused_post_without_a_csrf_token_is_still_404_for_someone_who_manages_nobody(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.teacher)
    assert browser.post(f"/admin/people/{world.teacher2.pk}/deactivate", {}).status_code == 404


def test_an_admin_s_post_without_a_csrf_token_is_refused_and_changes_nothing(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.admin)
    response = browser.post(f"/admin/people/{world.teacher2.pk}/deactivate", {"deactivate-confirmed": "on"})
    assert response.status_code == 403
    world.teacher2.refresh_from_db()
    assert world.teacher2.is_active
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page(browser.get("/admin/"))).group(1)
    response = browser.post(
        f"/admin/people/{world.teacher2.pk}/deactivate",
        {"csrfmiddlewaretoken": token, "deactivate-confirmed": "on", "deactivate-reason": "Left"},
    )
    assert response.status_code == 302


def test_signing_in_comes_first(client, world):
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_nothing_else_answers_under_admin(world, as_person):
    client = as_person(world.admin)
    for url in ["/admin/login/", "/admin/auth/", "/admin/accounts/person/", f"/admin/people/{world.teacher.pk}/x"]:
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("who", ["admin", "head"])
def test_admins_and_headteachers_find_the_console_in_the_header(world, as_person, who):
    html = page(as_person(getattr(world, who)).get("/"))
    assert '<a href="/admin/">Admin console</a>' in html


def test_an_it_admin_sees_everyone_in_the_trust(world, as_person):
    response = as_person(world.admin).get("/admin/")
    html = page(response)
    assert response.status_code == 200
    for person in (world.teacher, world.other_teacher, world.pupil, world.head):
        assert f'href="/admin/people/{person.pk}/">{person.name}</a>' in html
    assert world.outsider.name not in html
    assert "<caption>Everyone you manage</caption>" in html
    assert '<th scope="col">Status</th>' in html and '<th scope="row">' in html
    assert '<span class="tag tag-external">External</span>' in html
    assert 'href="/admin/people/new">Add a person</a>' in html
    assert '<a href="/admin/" aria-current="page">People</a>' in html
    assert '<a href="/admin/groups/">Groups</a>' in html and '<a href="/admin/externals/">Outsiders</a>' in html
    assert_no_inline_code(html)


def test_a_headteacher_sees_and_reaches_only_their_own_school(world, as_person):
    client = as_person(world.head)
    html = page(client.get("/admin/"))
    assert world.teacher.name in html and world.pupil.name in html
    assert world.other_teacher.name not in html
    assert client.get(f"/admin/people/{world.teacher.pk}/").status_code == 200
    assert client.get(f"/admin/people/{world.other_teacher.pk}/").status_code == 404
    assert client.get(f"/admin/people/{world.outsider.pk}/").status_code == 404
    response = client.post(f"/admin/people/{world.other_teacher.pk}/change", {"change-name": "Renamed"})
    assert response.status_code == 404
    response = client.post(
        f"/admin/people/{world.other_teacher.pk}/deactivate", {"deactivate-confirmed": "on", "deactivate-reason": "x"}
    )
    assert response.status_code == 404
    world.other_teacher.refresh_from_db()
    assert world.other_teacher.name == "Pat Primary" and world.other_teacher.is_active


def test_the_school_filter_offers_only_the_schools_one_manages(world, as_person):
    head = page(as_person(world.head).get("/admin/"))
    assert world.school.name in head and f">{world.other_school.name}</option>" not in head
    admin = page(as_person(world.admin).get("/admin/"))
    assert f'<option value="{world.other_school.pk}">{world.other_school.name}</option>' in admin


# --- finding people ----------------------------------------------------------------------------------------


def test_searching_by_name_email_or_mention_name(world, as_person):
    client = as_person(world.admin)
    for q in ("tara", world.teacher.email.split("@")[0], world.teacher.handle):
        html = page(client.get("/admin/", {"q": q}))
        assert world.teacher.name in html, q
        assert world.teacher2.name not in html, q
        assert "<caption>People matching your search</caption>" in html


def test_filtering_by_school_role_and_status(world, as_person):
    from staffroom.accounts import actions

    actions.deactivate_person(world.teacher2, acting=world.admin, reason="Left")
    actions.update_person(world.ta.pk, acting=world.admin, leaves_on=timezone.localdate() + timedelta(days=10))
    client = as_person(world.admin)
    inactive = page(client.get("/admin/", {"status": "inactive"}))
    assert world.teacher2.name in inactive and world.teacher.name not in inactive
    assert "Inactive</span>" in inactive
    leaving = page(client.get("/admin/", {"status": "leaving"}))
    assert world.ta.name in leaving and world.teacher.name not in leaving and "Leaving</span>" in leaving
    pupils = page(client.get("/admin/", {"role": "pupil"}))
    assert world.pupil.name in pupils and world.teacher.name not in pupils
    primary = page(client.get("/admin/", {"school_id": world.other_school.pk}))
    assert world.other_teacher.name in primary and world.teacher.name not in primary


def test_a_filter_value_nobody_offered_is_shown_beside_its_field(world, as_person):
    response = as_person(world.admin).get("/admin/", {"status": "sleeping"})
    html = page(response)
    assert response.status_code == 422
    assert '<p class="field-error" id="id_status_error">Status is one of: active, leaving, inactive.</p>' in html
    assert 'aria-invalid="true" aria-describedby="id_status_error"' in html


def test_the_list_comes_a_page_at_a_time_and_keeps_the_search(world, as_person, monkeypatch):
    monkeypatch.setattr(admin_people, "PAGE_SIZE", 2)
    for n in range(3):
        factories.person(world.school, name=f"Supply Teacher {n}")
    client = as_person(world.admin)
    first = page(client.get("/admin/", {"q": "supply"}))
    assert "Page 1 of 2" in first and 'href="?q=supply&amp;page=2" rel="next"' in first
    second = page(client.get("/admin/", {"q": "supply", "page": 2}))
    assert "Supply Teacher 2" in second and "Supply Teacher 0" not in second


def test_people_slash_is_the_list_too(world, as_person):
    response = as_person(world.admin).get("/admin/people/", {"q": "tara"})
    assert response.status_code == 302 and response["Location"] == "/admin/?q=tara"


# --- a starter ---------------------------------------------------------------------------------------------


def test_adding_a_starter_and_sending_their_sign_in_link(world, as_person, mail_after_commit):
    client = as_person(world.admin)
    form = page(client.get("/admin/people/new"))
    assert '<input type="date" id="id_leaves_on" name="leaves_on"' in form
    assert '<label for="id_roles-teaching_assistant">Teaching assistant</label>' in form
    assert "Whole trust (no one school)" in form
    leaves_on = (timezone.localdate() + timedelta(days=60)).isoformat()
    with mail_after_commit(execute=True):
        response = client.post(
            "/admin/people/new",
            starter(world.school.pk, roles=["teacher", "dsl"], leaves_on=leaves_on, send_link="on"),
        )
    person = Person.objects.get(email="new.starter@test.example")
    assert response.status_code == 302 and response["Location"] == f"/admin/people/{person.pk}/"
    assert sorted(person.role_codes) == ["dsl", "teacher"] and person.access_ends_on.isoformat() == leaves_on
    assert [m.to for m in mail.outbox] == [["new.starter@test.example"]]
    actions = list(AuditEntry.objects.filter(target_id=str(person.pk)).values_list("action", flat=True))
    assert actions == ["person.added", "person.sign_in_link_sent"]
    html = page(client.get(response["Location"]))
    assert "Nia Newstart was added." in html
    assert "A sign-in link is on its way to new.starter@test.example." in html


def test_a_headteacher_adds_to_their_own_school_without_a_link(world, as_person, mail_after_commit):
    client = as_person(world.head)
    form = page(client.get("/admin/people/new"))
    assert "Whole trust" not in form and "IT admin" not in form and "Data protection officer" not in form
    with mail_after_commit(execute=True):
        response = client.post("/admin/people/new", starter(world.school.pk, roles=["teaching_assistant"]))
    assert response.status_code == 302
    assert Person.objects.get(email="new.starter@test.example").school_id == world.school.pk
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email": "not an address"}, "email", "Enter the school email address this person signs in with."),
        ({"email": "TARA@TAKEN.EXAMPLE"}, "email", "Someone already signs in to Staffroom with this address."),
        ({"roles": []}, "roles", "Choose at least one role."),
        ({"roles": ["pupil", "teacher"]}, "roles", "A pupil cannot also hold a staff role"),
        ({"name": "   "}, "name", "Enter the person&#x27;s name as the school knows them."),
        ({"leaves_on": "2026-02-30"}, "leaves_on", "Enter a real date."),
        ({"leaves_on": "2001-01-01"}, "leaves_on", "A leave date cannot be in the past."),
    ],
)
def test_a_starter_with_a_mistake_is_shown_the_form_again_with_the_problem_beside_the_field(
    world, as_person, fields, field, message
):
    world.teacher.email = "tara@taken.example"
    world.teacher.save(update_fields=["email"])
    before = Person.objects.count()
    response = as_person(world.admin).post("/admin/people/new", starter(world.school.pk, **fields))
    html = page(response)
    assert response.status_code == 422
    assert f'id="id_{field}_error">{message}' in html
    assert f'<a href="#id_{field}">{message}' in html
    if field != "roles":  # a group of checkboxes carries it on its fieldset
        assert re.search(rf'id="id_{field}" name="{field}"[^>]*aria-describedby="[^"]*id_{field}_error"', html)
        assert re.search(rf'id="id_{field}" name="{field}"[^>]*aria-invalid="true"', html)
    assert Person.objects.count() == before


def test_a_headteacher_giving_a_trust_role_or_another_school_is_told_why(world, as_person):
    client = as_person(world.head)
    response = client.post("/admin/people/new", starter(world.school.pk, roles=["it_admin"]))
    assert response.status_code == 403
    assert "Only someone who manages people across the trust can give the IT admin or DPO role." in page(response)
    assert '<form method="post" action="/admin/people/new"' in page(response)
    response = client.post("/admin/people/new", starter(world.other_school.pk))
    assert response.status_code == 422
    assert 'id="id_school_id_error">Choose one of the schools you manage people for.' in page(response)
    assert not Person.objects.filter(email="new.starter@test.example").exists()


# --- one person --------------------------------------------------------------------------------------------


def test_the_details_page_shows_what_an_admin_needs_and_no_contact_details(world, as_person):
    from staffroom.accounts import actions

    actions.update_person(world.teacher.pk, acting=world.admin, leaves_on=timezone.localdate() + timedelta(days=5))
    signed_in_elsewhere(world.teacher)
    html = page(as_person(world.head).get(f"/admin/people/{world.teacher.pk}/"))
    assert "<h1>Tara Teacher" in html
    assert world.teacher.email in html and "Leaving</span>" in html
    assert "<dt>Last seen</dt><dd><time" in html
    for section in ("Change details", "Send a sign-in link", "Sign out everywhere", "Deactivate now"):
        assert f">{section}</h2>" in html
    assert "Restore access</h2>" not in html
    assert_no_inline_code(html)


@pytest.mark.parametrize("who", ["admin", "head"])
def test_no_console_page_asks_for_or_shows_a_phone_number_or_personal_contact(world, as_person, who):
    from staffroom.accounts import actions

    actions.deactivate_person(world.teacher2, acting=world.admin, reason="Left")
    client = as_person(getattr(world, who))
    pages = [
        client.get("/admin/"),
        client.get("/admin/people/new"),
        client.get(f"/admin/people/{world.teacher.pk}/"),
        client.get(f"/admin/people/{world.teacher2.pk}/"),
        client.post(f"/admin/people/{world.teacher.pk}/deactivate", {"deactivate-reason": "Left"}),
        client.post("/admin/people/new", {"email": "x"}),
    ]
    for response in pages:
        html = page(response)
        assert response.status_code in (200, 422), response.status_code
        assert not re.search(
            r'type="tel"|<(input|select|textarea)[^>]*name="[^"]*(phone|mobile|sms)', html, re.IGNORECASE
        )
        assert not re.search(r">[^<]*(phone number|mobile number|personal email)[^<]*</label>", html, re.IGNORECASE)
        assert_no_inline_code(html)


def test_changing_roles_school_and_leave_date(world, as_person):
    client = as_person(world.admin)
    leaves_on = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = client.post(
        f"/admin/people/{world.teacher.pk}/change",
        {"change-name": "Tara Teacher-Jones", "change-school_id": world.other_school.pk,
         "change-roles": ["teacher", "deputy_dsl"], "change-leaves_on": leaves_on,
         "change-reason": "Moving to the primary"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/admin/people/{world.teacher.pk}/"
    world.teacher.refresh_from_db()
    assert world.teacher.name == "Tara Teacher-Jones" and world.teacher.school_id == world.other_school.pk
    assert sorted(world.teacher.role_codes) == ["deputy_dsl", "teacher"]
    assert world.teacher.access_ends_on.isoformat() == leaves_on
    entry = AuditEntry.objects.get(action="person.updated", target_id=str(world.teacher.pk))
    assert entry.reason == "Moving to the primary"
    html = page(client.get(response["Location"]))
    assert "Tara Teacher-Jones&#x27;s details are saved." in html
    assert f'value="{leaves_on}"' in html

    # An empty leave date clears it.
    client.post(
        f"/admin/people/{world.teacher.pk}/change",
        {"change-name": "Tara Teacher-Jones", "change-school_id": world.other_school.pk,
         "change-roles": ["teacher", "deputy_dsl"], "change-leaves_on": ""},
    )  # fmt: skip
    world.teacher.refresh_from_db()
    assert world.teacher.access_ends_on is None


def test_a_headteacher_cannot_make_someone_an_it_admin(world, as_person):
    response = as_person(world.head).post(
        f"/admin/people/{world.teacher.pk}/change",
        {"change-name": "Tara Teacher", "change-school_id": world.school.pk, "change-roles": ["it_admin"]},
    )
    assert response.status_code == 403
    assert "Only someone who manages people across the trust can give the IT admin or DPO role." in page(response)
    assert "Change details</h2>" in page(response)
    assert world.teacher.role_codes == ["teacher"]


def test_a_headteacher_cannot_change_an_it_admin(world, as_person):
    html = page(as_person(world.head).get(f"/admin/people/{world.admin.pk}/"))
    assert "Changes are for an IT admin</h2>" in html and "Sign out everywhere</h2>" not in html
    response = as_person(world.head).post(
        f"/admin/people/{world.admin.pk}/end-sessions", {"sessions-reason": "Lost phone"}
    )
    assert response.status_code == 403
    assert "Only someone who manages people across the trust can change an IT admin or DPO." in page(response)


def test_one_s_own_page_offers_no_changes_and_a_change_sent_anyway_is_refused(world, as_person):
    client = as_person(world.head)
    html = page(client.get(f"/admin/people/{world.head.pk}/"))
    assert "This is you</h2>" in html and "Change details</h2>" not in html and "Deactivate now</h2>" not in html
    response = client.post(
        f"/admin/people/{world.head.pk}/change",
        {"change-name": "Hana Head", "change-school_id": world.school.pk, "change-roles": ["headteacher", "dsl"]},
    )
    assert response.status_code == 403
    assert "You cannot change your own roles, school or access; ask another admin." in page(response)
    assert world.head.role_codes == ["headteacher"]


def test_a_change_with_a_mistake_comes_back_with_the_problem_beside_the_field(world, as_person):
    response = as_person(world.admin).post(
        f"/admin/people/{world.teacher.pk}/change",
        {"change-name": "Tara Teacher", "change-school_id": world.school.pk, "change-roles": []},
    )
    html = page(response)
    assert response.status_code == 422
    assert '<a href="#id_change-roles">Choose at least one role.</a>' in html
    assert 'id="id_change-roles_error">Choose at least one role.' in html


def test_an_external_s_details_change_without_touching_their_role(world, as_person):
    client = as_person(world.admin)
    html = page(client.get(f"/admin/people/{world.external.pk}/"))
    assert 'name="change-roles"' not in html
    response = client.post(
        f"/admin/people/{world.external.pk}/change",
        {"change-name": "Eve Visiting", "change-school_id": world.school.pk},
    )
    assert response.status_code == 302
    world.external.refresh_from_db()
    assert world.external.name == "Eve Visiting" and world.external.role_codes == ["external"]


def test_signing_someone_out_everywhere_needs_a_reason(world, as_person):
    phone = signed_in_elsewhere(world.teacher)
    client = as_person(world.head)
    missing = client.post(f"/admin/people/{world.teacher.pk}/end-sessions", {"sessions-reason": " "})
    assert missing.status_code == 422
    assert 'id="id_sessions-reason_error">Say why, for the record' in page(missing)
    assert phone.get("/profile").status_code == 200
    response = client.post(f"/admin/people/{world.teacher.pk}/end-sessions", {"sessions-reason": "Phone lost"})
    assert response.status_code == 302
    assert "Tara Teacher is signed out everywhere: 1 session or token ended." in page(client.get(response["Location"]))
    assert phone.get("/profile").status_code == 302
    world.teacher.refresh_from_db()
    assert world.teacher.is_active


def test_deactivating_asks_to_confirm_then_ends_access_and_every_session(world, as_person):
    phone = signed_in_elsewhere(world.teacher)
    session_key = phone.session.session_key
    group = world.group(world.teacher2, by=world.teacher)
    client = as_person(world.admin)
    fields = {"deactivate-reason": "Left at the end of term", "deactivate-hand_over_to": world.teacher2.pk}
    confirm = client.post(f"/admin/people/{world.teacher.pk}/deactivate", fields)
    html = page(confirm)
    assert confirm.status_code == 200 and "Deactivate Tara Teacher now?" in html
    assert "Groups and channels that only they run pass to Tom Teacher" in html
    assert '<input type="hidden" name="deactivate-confirmed" value="on">' in html
    world.teacher.refresh_from_db()
    assert world.teacher.is_active

    done = client.post(f"/admin/people/{world.teacher.pk}/deactivate", {**fields, "deactivate-confirmed": "on"})
    assert done.status_code == 302
    world.teacher.refresh_from_db()
    assert not world.teacher.is_active and world.teacher.left_at is not None
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not UserSession.objects.filter(user=world.teacher).exists()
    assert group.memberships.get(person=world.teacher2).role == "owner"
    entry = AuditEntry.objects.get(action="person.deactivated", target_id=str(world.teacher.pk))
    assert entry.reason == "Left at the end of term"
    html = page(client.get(done["Location"]))
    assert "Tara Teacher can no longer use Staffroom" in html
    assert "Inactive</span>" in html and "Restore access</h2>" in html and "Deactivate now</h2>" not in html


def test_handing_over_to_a_pupil_is_refused_beside_the_choice(world, as_person):
    response = as_person(world.admin).post(
        f"/admin/people/{world.teacher.pk}/deactivate",
        {"deactivate-confirmed": "on", "deactivate-hand_over_to": world.pupil.pk},
    )
    assert response.status_code == 422
    assert 'id="id_deactivate-hand_over_to_error">Choose an active member of staff' in page(response)
    world.teacher.refresh_from_db()
    assert world.teacher.is_active


def test_restoring_a_leaver(world, as_person):
    from staffroom.accounts import actions

    actions.deactivate_person(world.teacher2, acting=world.admin, reason="Left")
    client = as_person(world.head)
    response = client.post(f"/admin/people/{world.teacher2.pk}/restore", {"restore-reason": "Came back"})
    assert response.status_code == 302
    world.teacher2.refresh_from_db()
    assert world.teacher2.is_active
    assert "Tom Teacher can use Staffroom again." in page(client.get(response["Location"]))


def test_sending_a_sign_in_link(world, as_person, mail_after_commit):
    client = as_person(world.head)
    with mail_after_commit(execute=True):
        response = client.post(f"/admin/people/{world.teacher.pk}/sign-in-link")
    assert response.status_code == 302
    (sent,) = mail.outbox
    assert sent.to == [world.teacher.email] and "/accounts/password/reset/key/" in sent.body
    assert f"A sign-in link is on its way to {world.teacher.email}." in page(client.get(response["Location"]))
    assert AuditEntry.objects.filter(action="person.sign_in_link_sent", target_id=str(world.teacher.pk)).exists()


def test_no_sign_in_link_for_a_leaver(world, as_person, mail_after_commit):
    from staffroom.accounts import actions

    actions.deactivate_person(world.teacher2, acting=world.admin, reason="Left")
    client = as_person(world.admin)
    assert "Send a sign-in link</h2>" not in page(client.get(f"/admin/people/{world.teacher2.pk}/"))
    with mail_after_commit(execute=True):
        response = client.post(f"/admin/people/{world.teacher2.pk}/sign-in-link")
    assert response.status_code == 422
    assert "Restore their access first, then send the link." in page(response)
    assert mail.outbox == []


def test_a_console_page_refused_to_a_signed_in_person_is_audited(world, client):
    from staffroom.compliance.models import AuditEntry

    client.force_login(world.teacher)
    assert client.get("/admin/").status_code == 404
    assert client.post(f"/admin/people/{world.teacher.pk}/change", {"roles": ["headteacher"]}).status_code == 404
    refused = list(AuditEntry.objects.filter(action="access.refused").order_by("id"))
    assert [(e.actor, e.data["status"], e.data["method"]) for e in refused] == [
        (world.teacher, 404, "GET"),
        (world.teacher, 404, "POST"),
    ]
    assert not AuditEntry.objects.filter(action="person.updated").exists()
