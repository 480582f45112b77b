from staffroom.compliance.middleware import client_ip


def test_forwarded_for_is_ignored_unless_trusted(settings):
    settings.STAFFROOM_TRUST_X_FORWARDED_FOR = False
    meta = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client_ip(meta) == "10.0.0.1"


def test_trusted_forwarded_for_uses_the_address_our_proxy_added(settings):
    settings.STAFFROOM_TRUST_X_FORWARDED_FOR = True
    meta = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.9"}
    assert client_ip(meta) == "203.0.113.9"  # "1.2.3.4" was written by the client and could be anything
