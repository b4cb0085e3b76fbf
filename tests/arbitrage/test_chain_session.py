"""The RPC session reads proxies and CA bundles from the environment once, not per request."""

from __future__ import annotations

import pytest

from arbitrage.chain.client import _session

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture
def no_proxies(monkeypatch):
    for name in (*PROXY_VARS, "NETRC", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_without_proxies_the_session_does_not_read_the_environment(no_proxies):
    no_proxies.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    session = _session()
    assert session.trust_env is False
    assert session.verify == "/etc/ssl/certs/ca-certificates.crt"  # the bundle still applies


def test_a_configured_proxy_keeps_the_environment_in_charge(no_proxies):
    no_proxies.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    session = _session()
    assert session.trust_env is True
    assert session.verify is True
