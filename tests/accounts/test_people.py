"""Tokens, leavers and the directory."""

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

from staffroom.accounts import actions, queries
from staffroom.accounts.models import ApiToken
from staffroom.accounts.payloads import person_payload
from staffroom.compliance.models import AuditEntry
from staffroom.errors import NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def test_token_is_stored_only_as_a_hash(world):
    raw = actions.create_token(world.teacher, acting=world.teacher)
    token = ApiToken.objects.get(person=world.teacher)
    assert raw not in token.key_hash
    assert queries.person_for_token(raw) == world.teacher
    assert queries.person_for_token(raw + "x") is None


def test_revoked_token_no_longer_authenticates(world):
    raw = actions.create_token(world.teacher, acting=world.teacher)
    actions.revoke_token_by_raw(raw, acting=world.teacher)
    assert queries.person_for_token(raw) is None


def test_leaver_loses_sessions_and_tokens_at_once(world):
    raw = actions.create_token(world.teacher2, acting=world.teacher2)
    session = SessionStore()
    session["_auth_user_id"] = str(world.teacher2.pk)
    session.create()
    UserSession.objects.create(user=world.teacher2, session_key=session.session_key, ip="127.0.0.1")
    actions.deactivate_person(world.teacher2, acting=world.admin, reason="Left in July")
    world.teacher2.refresh_from_db()
    assert not world.teacher2.is_active and world.teacher2.left_at
    assert queries.person_for_token(raw) is None
    assert not Session.objects.filter(session_key=session.session_key).exists()
    entry = AuditEntry.objects.get(action="person.deactivated")
    assert entry.reason == "Left in July" and entry.actor == world.admin


def test_only_admins_and_heads_deactivate_and_not_themselves(world):
    with pytest.raises(PermissionDenied):
        actions.deactivate_person(world.teacher2, acting=world.teacher)
    with pytest.raises(NotFound):
        actions.deactivate_person(world.outsider, acting=world.admin)
    with pytest.raises(PermissionDenied):
        actions.deactivate_person(world.admin, acting=world.admin)


def test_directory_shows_staff_of_the_organisation_without_contact_details(world):
    people = list(queries.directory(world.teacher))
    assert world.teacher2 in people and world.external in people
    assert world.pupil not in people
    assert world.outsider not in people
    payload = person_payload(world.teacher2)
    assert set(payload) >= {"id", "name", "roles", "school", "external", "active"}
    assert not {"email", "phone", "phone_number", "mobile"} & set(payload)


def test_pupils_see_only_people_they_share_a_class_with(world):
    world.class_channel()
    people = set(queries.directory(world.pupil))
    assert people == {world.teacher, world.pupil, world.pupil2}


def test_leavers_leave_the_directory(world):
    actions.deactivate_person(world.teacher2, acting=world.admin)
    assert world.teacher2 not in queries.directory(world.teacher)


def test_production_passwords_use_argon2():
    from staffroom import settings

    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_createsuperuser_joins_the_first_organisation(world):
    from staffroom.accounts.models import Person

    person = Person.objects.create_superuser("root@example.test", "a long enough password")
    assert person.organisation == world.org and person.is_superuser


def test_createsuperuser_without_an_organisation_says_what_to_do(db):
    from staffroom.accounts.models import Person

    with pytest.raises(ValueError, match="seed_demo"):
        Person.objects.create_superuser("root@example.test", "a long enough password")


def test_may_use_staffroom_until_the_end_of_the_last_day(world):
    import datetime as dt

    world.external.access_ends_on = dt.date(2026, 3, 31)
    assert world.external.may_use_staffroom(today=dt.date(2026, 3, 31))
    assert not world.external.may_use_staffroom(today=dt.date(2026, 4, 1))
    world.teacher.is_active = False
    assert not world.teacher.may_use_staffroom()


def test_create_token_command_refuses_an_external_whose_access_ended(world):
    import datetime as dt

    from django.core.management import CommandError, call_command

    world.external.access_ends_on = dt.date.today() - dt.timedelta(days=1)
    world.external.save()
    with pytest.raises(CommandError, match="access has ended"):
        call_command("create_token", world.external.email)
    assert not ApiToken.objects.filter(person=world.external).exists()


def test_access_ended_ends_every_session_and_token_once_audited(world):
    session = SessionStore()
    session.create()
    UserSession.objects.create(user=world.external, session_key=session.session_key, ip="192.0.2.1")
    actions.create_token(world.external, acting=world.external)
    assert actions.end_access(world.external) == 2
    assert not Session.objects.filter(session_key=session.session_key).exists()
    assert not ApiToken.objects.filter(person=world.external, revoked_at__isnull=True).exists()
    entry = AuditEntry.objects.get(action="session.access_ended")
    assert (entry.actor, entry.actor_service) == (None, "worker")


def test_signing_out_a_device_from_the_sessions_page_is_an_audited_action(world):
    from allauth.usersessions.models import UserSession
    from django.test import Client

    from staffroom.compliance.models import AuditEntry

    phone, laptop = Client(), Client()
    for client in (phone, laptop):
        client.force_login(world.teacher)
        client.get("/api/v1/me")  # allauth records the session
    other = UserSession.objects.exclude(session_key=laptop.session.session_key).get(user=world.teacher)
    response = laptop.post("/accounts/sessions/", {"action": "logout", "sessions": [other.pk]})
    assert response.status_code in (200, 302), response.status_code
    assert not UserSession.objects.filter(pk=other.pk).exists()
    entry = AuditEntry.objects.get(action="session.devices_ended")
    assert (entry.actor, entry.data) == (world.teacher, {"ended": 1})
