"""SCIM tokens: issued by an IT admin (or the operator at the command line), shown once, kept only as a hash,
revocable; and a person's change of sign-in address, which the directory's renames need."""

from datetime import timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.utils import timezone

from staffroom.accounts import actions, queries
from staffroom.accounts.models import Person, ScimToken, hash_token
from staffroom.compliance.audit import AuditAction
from staffroom.errors import Invalid, NotFound, PermissionDenied
from tests import factories
from tests.verify import verify_action, verify_refused, verify_unchanged

pytestmark = pytest.mark.django_db

A = AuditAction


def test_an_it_admin_issues_a_scim_token_shown_once_and_kept_as_a_hash(world):
    with verify_action(audit=[A.SCIM_TOKEN_CREATED], events=[]) as captured:
        token, raw = actions.create_scim_token(
            world.org.pk, acting=world.admin, label="Entra ID", domain="@Oakfield.Example",
            default_school_id=world.school.pk,
        )  # fmt: skip
    assert raw.startswith("srscim_")
    assert token.key_hash == hash_token(raw) and raw not in str(token.__dict__)
    assert token.domain == "oakfield.example" and token.default_school == world.school
    entry = captured.audit[0]
    assert entry.actor == world.admin
    assert entry.data == {"scim_token_id": token.pk, "default_school_id": world.school.pk}
    assert raw not in str(entry.data) + str(entry.details)
    assert queries.scim_token(raw) == token


@pytest.mark.parametrize("who", ["head", "teacher", "dpo", "outsider"])
def test_only_an_it_admin_of_the_organisation_issues_a_scim_token(world, who):
    with verify_refused(PermissionDenied):
        actions.create_scim_token(world.org.pk, acting=getattr(world, who))


def test_a_scim_token_needs_a_real_domain_and_a_school_of_its_organisation(world):
    with verify_refused(Invalid, field="domain"):
        actions.create_scim_token(world.org.pk, acting=world.admin, domain="not a domain")
    elsewhere = world.outsider.school
    with verify_refused(Invalid, field="default_school_id"):
        actions.create_scim_token(world.org.pk, acting=world.admin, default_school_id=elsewhere.pk)


def test_revoking_a_scim_token_stops_it_at_once(world):
    token, raw = actions.create_scim_token(world.org.pk, acting=world.admin)
    with verify_action(audit=[A.SCIM_TOKEN_REVOKED], events=[]):
        actions.revoke_scim_token(token.pk, acting=world.admin, organisation_id=world.org.pk)
    assert queries.scim_token(raw) is None
    with verify_unchanged():
        actions.revoke_scim_token(token.pk, acting=world.admin, organisation_id=world.org.pk)


def test_nobody_revokes_another_organisations_scim_token(world):
    token, _raw = actions.create_scim_token(world.org.pk, acting=world.admin)
    with verify_refused(NotFound):
        actions.revoke_scim_token(token.pk, acting=world.outsider, organisation_id=world.outsider.organisation_id)
    with verify_refused(PermissionDenied):
        actions.revoke_scim_token(token.pk, acting=world.teacher, organisation_id=world.org.pk)


def test_a_scim_tokens_use_is_kept_to_the_minute(world):
    token, _raw = actions.create_scim_token(world.org.pk, acting=world.admin)
    with verify_action(audit=[], events=[]):
        actions.note_scim_token_used(token)
    first = ScimToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with verify_unchanged():
        actions.note_scim_token_used(token)
    token.last_used_at = timezone.now() - timedelta(minutes=2)
    actions.note_scim_token_used(token)
    assert ScimToken.objects.get(pk=token.pk).last_used_at > first


def test_a_persons_api_token_is_not_a_scim_token_nor_the_other_way_round(world):
    api_token = actions.create_token(world.admin, acting=world.admin)
    _token, scim_token = actions.create_scim_token(world.org.pk, acting=world.admin)
    assert queries.scim_token(api_token) is None
    assert queries.person_for_token(scim_token) is None


def test_the_command_prints_only_the_token_of_the_only_organisation(db):
    org = factories.organisation()
    factories.school(org, "Only School")
    out = StringIO()
    call_command("create_scim_token", "--domain", "only.example", stdout=out)
    raw = out.getvalue().strip()
    token = queries.scim_token(raw)
    assert token is not None and token.organisation == org and token.domain == "only.example"
    assert "\n" not in raw and " " not in raw
    entry = token.organisation.audit_entries.get(action=A.SCIM_TOKEN_CREATED)
    assert entry.actor is None and entry.channel == "cli"


def test_the_command_asks_which_organisation_when_there_are_several(world):
    with pytest.raises(CommandError, match="several organisations"):
        call_command("create_scim_token", stdout=StringIO())
    out = StringIO()
    call_command("create_scim_token", "--organisation", world.org.slug, "--school", "high school", stdout=out)
    token = queries.scim_token(out.getvalue().strip())
    assert token is not None and token.default_school == world.school
    with pytest.raises(CommandError, match="No school called"):
        call_command("create_scim_token", "--organisation", world.org.slug, "--school", "Nowhere", stdout=StringIO())


# --- a new sign-in address --------------------------------------------------------------------------------


def test_a_new_sign_in_address_is_recorded_readably_only_in_the_erasable_details(world):
    EmailAddress.objects.create(user=world.teacher, email=world.teacher.email, verified=True, primary=True)
    old = world.teacher.email
    with verify_action(audit=[A.PERSON_UPDATED], events=[]) as captured:
        actions.update_person(world.teacher.pk, acting=world.admin, email="Tara.New@School.Example ")
    world.teacher.refresh_from_db()
    assert world.teacher.email == "tara.new@school.example"
    entry = captured.audit[0]
    assert entry.data == {"changed": ["email"]}
    assert entry.details == {"email": {"before": old, "after": "tara.new@school.example"}}
    # The old address can no longer be used to reset the password.
    assert not EmailAddress.objects.filter(email__iexact=old).exists()


def test_a_sign_in_address_someone_else_has_is_refused(world):
    with verify_refused(Invalid, field="email"):
        actions.update_person(world.teacher.pk, acting=world.admin, email=world.teacher2.email.upper())
    with verify_refused(Invalid, field="email"):
        actions.update_person(world.teacher.pk, acting=world.admin, email="not an address")
    assert Person.objects.get(pk=world.teacher.pk).email != world.teacher2.email
