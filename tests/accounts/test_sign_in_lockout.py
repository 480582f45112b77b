"""Failed sign-ins are counted once for an account, whether they came through the web form or the API token
endpoint, and per client address: someone guessing from elsewhere slows themselves down, not the owner."""

from __future__ import annotations

import json
import time

import pytest
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD

RATES = {rate.per: rate for rate in parse_rates(settings.ACCOUNT_RATE_LIMITS["login_failed"])}
PER_ACCOUNT_AND_ADDRESS = RATES["key"].amount
PER_ADDRESS = RATES["ip"].amount

ATTACKER = "203.0.113.7"
OWNER = "198.51.100.20"
TOO_MANY = "Too many failed login attempts"


def web(email: str, password: str, *, ip: str) -> str:
    """Sign in through the form: 'in', 'refused' (too many failures) or 'wrong'."""
    client = Client(REMOTE_ADDR=ip)
    response = client.post("/accounts/login/", {"login": email, "password": password})
    if response.status_code == 302:
        assert "_auth_user_id" in client.session
        return "in"
    assert response.status_code == 200
    return "refused" if TOO_MANY in response.content.decode() else "wrong"


def api(email: str, password: str, *, ip: str, otp: str | None = None) -> str:
    """Ask for a token: 'in', 'refused' (429) or 'wrong' (401)."""
    body = {"email": email, "password": password} | ({"otp": otp} if otp is not None else {})
    response = Client(REMOTE_ADDR=ip).post("/api/v1/auth/token", json.dumps(body), content_type="application/json")
    return {200: "in", 429: "refused", 401: "wrong"}[response.status_code]


@pytest.fixture
def clock(monkeypatch):
    """Moves time on for the rate limits (and the cache entries that hold them) without sleeping."""
    real, offset = time.time, [0.0]
    monkeypatch.setattr(time, "time", lambda: real() + offset[0])

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


def guess_wrong(email: str, times: int, *, ip: str) -> None:
    """Half through the form, half through the API: they are one counter."""
    for attempt in range(times):
        result = (web if attempt % 2 else api)(email, f"wrong guess {attempt}", ip=ip)
        assert result == "wrong", attempt


def test_the_policy_is_per_account_and_address_and_per_address():
    assert set(RATES) == {"key", "ip"}
    assert PER_ACCOUNT_AND_ADDRESS < PER_ADDRESS


@pytest.mark.parametrize("channel", [web, api], ids=["web", "api"])
def test_failures_on_the_web_and_the_api_count_together(world, channel):
    guess_wrong(world.teacher.email, PER_ACCOUNT_AND_ADDRESS, ip=ATTACKER)
    assert channel(world.teacher.email, PASSWORD, ip=ATTACKER) == "refused"


@pytest.mark.parametrize("channel", [web, api], ids=["web", "api"])
def test_the_owner_still_signs_in_from_their_own_device_while_someone_guesses(world, channel):
    guess_wrong(world.teacher.email, PER_ACCOUNT_AND_ADDRESS, ip=ATTACKER)
    assert channel(world.teacher.email, PASSWORD, ip=OWNER) == "in"
    assert web(world.teacher.email, PASSWORD, ip=OWNER) == "in"


@pytest.mark.parametrize("channel", [web, api], ids=["web", "api"])
def test_one_address_guessing_across_accounts_is_stopped(world, channel):
    people = [world.teacher, world.teacher2, world.ta, world.office, world.head, world.dsl]
    for attempt in range(PER_ADDRESS):
        person = people[attempt % len(people)]
        result = (web if attempt % 2 else api)(person.email, f"wrong guess {attempt}", ip=ATTACKER)
        assert result == "wrong", attempt
    assert channel(world.governor.email, PASSWORD, ip=ATTACKER) == "refused"
    assert channel(world.governor.email, PASSWORD, ip=OWNER) == "in"


def test_a_right_password_does_not_use_up_a_guess(world):
    guess_wrong(world.teacher.email, PER_ACCOUNT_AND_ADDRESS - 1, ip=OWNER)
    assert api(world.teacher.email, PASSWORD, ip=OWNER) == "in"
    assert web(world.teacher.email, PASSWORD, ip=OWNER) == "in"
    assert api(world.teacher.email, "one more wrong guess", ip=OWNER) == "wrong"
    assert api(world.teacher.email, PASSWORD, ip=OWNER) == "refused"


def test_the_lockout_ends_when_its_window_has_passed(world, clock):
    guess_wrong(world.teacher.email, PER_ACCOUNT_AND_ADDRESS, ip=ATTACKER)
    assert api(world.teacher.email, PASSWORD, ip=ATTACKER) == "refused"
    clock(RATES["key"].duration - 1)
    assert web(world.teacher.email, PASSWORD, ip=ATTACKER) == "refused"
    clock(2)
    assert web(world.teacher.email, PASSWORD, ip=ATTACKER) == "in"
    assert api(world.teacher.email, PASSWORD, ip=ATTACKER) == "in"


def test_changing_the_host_name_does_not_give_more_guesses(world):
    for attempt in range(PER_ACCOUNT_AND_ADDRESS):
        host = ["localhost", "127.0.0.1", "testserver"][attempt % 3]
        client = Client(REMOTE_ADDR=ATTACKER, HTTP_HOST=host)
        client.post("/accounts/login/", {"login": world.teacher.email, "password": f"wrong {attempt}"})
    assert api(world.teacher.email, PASSWORD, ip=ATTACKER) == "refused"


def test_wrong_one_time_codes_on_the_api_share_the_web_counter(world):
    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value

    secret = generate_totp_secret()
    TOTP.activate(world.teacher, secret)
    web_client = Client(REMOTE_ADDR=OWNER)
    assert web_client.post("/accounts/login/", {"login": world.teacher.email, "password": PASSWORD}).status_code == 302
    for _ in range(PER_ACCOUNT_AND_ADDRESS - 1):
        response = web_client.post("/accounts/2fa/authenticate/", {"code": "000000"})
        assert response.status_code == 200 and "_auth_user_id" not in web_client.session
    assert api(world.teacher.email, PASSWORD, ip=OWNER, otp="000000") == "wrong"
    code = format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
    assert api(world.teacher.email, PASSWORD, ip=OWNER, otp=code) == "refused"


def test_a_missing_one_time_code_is_not_a_guess(world):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(world.teacher, generate_totp_secret())
    for _ in range(PER_ADDRESS + 1):
        assert api(world.teacher.email, PASSWORD, ip=OWNER) == "wrong"
    assert api(world.teacher2.email, PASSWORD, ip=OWNER) == "in"


def test_a_locked_out_person_is_told_for_how_long_and_shown_the_way_back_in(world):
    guess_wrong(world.teacher.email, PER_ACCOUNT_AND_ADDRESS, ip=OWNER)
    response = Client(REMOTE_ADDR=OWNER).post("/accounts/login/", {"login": world.teacher.email, "password": PASSWORD})
    html = response.content.decode()
    assert "Signing in is paused" in html
    assert f"Try again in up to {int(RATES['key'].duration // 60)} minutes" in html
    assert 'href="/accounts/password/reset/"' in html
    assert "IT admin can also send you a sign-in link" in html


def test_a_wrong_password_is_not_called_a_lockout(world):
    html = Client().post("/accounts/login/", {"login": world.teacher.email, "password": "nope"}).content.decode()
    assert "Signing in is paused" not in html and "You could not be signed in" in html


def test_resetting_the_password_lets_them_in_at_once_from_the_same_device(world, mailoutbox):
    import re

    new_password = "a quite different passphrase"
    guess_wrong(world.teacher.email, PER_ACCOUNT_AND_ADDRESS, ip=OWNER)
    assert web(world.teacher.email, PASSWORD, ip=OWNER) == "refused"
    client = Client(REMOTE_ADDR=OWNER)
    client.post("/accounts/password/reset/", {"email": world.teacher.email})
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", mailoutbox[-1].body).group(1)
    form = client.get(link)
    assert form.status_code == 302  # allauth moves the key into the session, then shows the form
    done = client.post(form["Location"], {"password1": new_password, "password2": new_password})
    assert done.status_code == 302, done.content.decode()[:1000]
    assert web(world.teacher.email, new_password, ip=OWNER) == "in"
