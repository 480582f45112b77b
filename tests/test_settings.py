"""Settings read from the environment: HTTPS behind a TLS proxy (HSTS, the forwarded scheme, redirects)."""

import json
import subprocess
import sys

import pytest

HTTPS_SETTINGS = [
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
]


def settings_with(tmp_path, **env: str) -> dict:
    """The HTTPS settings as a fresh process computes them from exactly this environment."""
    code = (
        "import json; from staffroom import settings as s; "
        f"print(json.dumps({{name: getattr(s, name, None) for name in {HTTPS_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"STAFFROOM_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_plain_http_by_default_sends_no_hsts_and_trusts_no_proxy(tmp_path):
    found = settings_with(tmp_path)
    assert found["SESSION_COOKIE_SECURE"] is False
    assert found["SECURE_HSTS_SECONDS"] == 0
    assert found["SECURE_PROXY_SSL_HEADER"] is None
    assert found["SECURE_SSL_REDIRECT"] is False


def test_secure_cookies_turn_on_a_years_hsts_and_nothing_broader(tmp_path):
    found = settings_with(tmp_path, STAFFROOM_SECURE_COOKIES="1")
    assert found["SESSION_COOKIE_SECURE"] is True and found["CSRF_COOKIE_SECURE"] is True
    assert found["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert found["SECURE_HSTS_PRELOAD"] is False


def test_hsts_can_be_tuned_but_never_without_https(tmp_path):
    tuned = settings_with(
        tmp_path,
        STAFFROOM_SECURE_COOKIES="1",
        STAFFROOM_HSTS_SECONDS="300",
        STAFFROOM_HSTS_INCLUDE_SUBDOMAINS="1",
        STAFFROOM_HSTS_PRELOAD="1",
    )
    assert (tuned["SECURE_HSTS_SECONDS"], tuned["SECURE_HSTS_INCLUDE_SUBDOMAINS"], tuned["SECURE_HSTS_PRELOAD"]) == (
        300,
        True,
        True,
    )
    plain = settings_with(tmp_path, STAFFROOM_HSTS_SECONDS="300", STAFFROOM_HSTS_INCLUDE_SUBDOMAINS="1")
    assert plain["SECURE_HSTS_SECONDS"] == 0


def test_the_proxys_forwarded_scheme_is_trusted_only_when_asked(tmp_path):
    found = settings_with(tmp_path, STAFFROOM_TRUST_X_FORWARDED_PROTO="1")
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_redirecting_to_https_spares_the_health_probes(tmp_path):
    found = settings_with(tmp_path, STAFFROOM_SSL_REDIRECT="1", STAFFROOM_TRUST_X_FORWARDED_PROTO="1")
    assert found["SECURE_SSL_REDIRECT"] is True
    assert set(found["SECURE_REDIRECT_EXEMPT"]) >= {r"^healthz$", r"^readyz$"}


# --- what a browser receives behind the proxy -------------------------------------------------------------


@pytest.fixture
def behind_tls_proxy(settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


@pytest.mark.django_db
def test_hsts_is_sent_for_requests_the_proxy_received_over_https(client, behind_tls_proxy):
    over_https = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert over_https["Strict-Transport-Security"] == "max-age=31536000"
    # Without the proxy's word the request looks like plain HTTP, where HSTS means nothing.
    assert "Strict-Transport-Security" not in client.get("/accounts/login/")


@pytest.mark.django_db
def test_ssl_redirect_sends_plain_http_to_https_but_not_the_health_probes(client, behind_tls_proxy):
    behind_tls_proxy.SECURE_SSL_REDIRECT = True
    behind_tls_proxy.SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    plain = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "http"})
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"}).status_code == 200
    assert client.get("/healthz").status_code == 200
