"""The Twilio gateway's HTTP session reads the environment's proxy settings once per host."""

from __future__ import annotations

import requests

from bot.gateways.twilio_http import BaseUrlHttpClient, SettledSession

URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"


def test_the_environment_is_read_once_per_host_and_its_proxy_kept(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = SettledSession()
    first = session.merge_environment_settings(URL, {}, None, None, None)
    monkeypatch.setenv("HTTPS_PROXY", "http://other.example:3128")  # not looked at again
    again = session.merge_environment_settings(URL + "?PageSize=1", {}, None, None, None)
    assert first["proxies"]["https"] == "http://proxy.example:3128"
    assert again == first
    elsewhere = session.merge_environment_settings("https://lookups.twilio.com/v2/x", {}, None,
                                                   None, None)
    assert elsewhere["proxies"]["https"] == "http://other.example:3128"


def test_no_proxy_is_per_host(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    session = SettledSession()
    local = session.merge_environment_settings("http://127.0.0.1:8000/x", {}, None, None, None)
    remote = session.merge_environment_settings("http://twilio.example/x", {}, None, None, None)
    assert "http" not in local["proxies"]
    assert remote["proxies"]["http"] == "http://proxy.example:3128"


def test_a_call_with_its_own_settings_is_answered_as_requests_would(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    session, plain = SettledSession(), requests.Session()
    own = {"https": "http://mine.example:8080"}
    assert session.merge_environment_settings(URL, own, None, False, None) == \
        plain.merge_environment_settings(URL, own, None, False, None)
    session.merge_environment_settings(URL, {}, None, None, None)["proxies"]["https"] = "changed"
    assert session.merge_environment_settings(URL, {}, None, None, None)["proxies"]["https"] == \
        "http://proxy.example:3128"


def test_the_gateway_client_uses_it_with_the_sdk_pools():
    client = BaseUrlHttpClient("http://127.0.0.1:9")
    assert isinstance(client.session, SettledSession)
    assert client.session.get_adapter("http://127.0.0.1:9/x")._pool_maxsize >= 32
    assert client.session.get_adapter("https://api.twilio.com/x") is not None
