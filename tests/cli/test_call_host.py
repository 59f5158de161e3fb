"""SPEC sections 4 and 7, `vcc call` PATH and redirects: the token is only ever sent to
the API host. A full URL on another host (or one that URL parsers read differently) is
refused before anything is sent, and a redirect to another host drops the Authorization
header."""

from __future__ import annotations

import pytest

from tests.conftest import API_URL, CI_ENV, TOKEN_URL, api_calls, token_answer

AA = API_URL + "/agents-availability"


def test_full_url_on_another_host_is_refused_before_anything_is_sent(vcc, mock_http):
    result = vcc("call", "https://evil.example.com/agents-availability", env=CI_ENV, expect_error=2)
    assert len(mock_http.calls) == 0 and "not the API host" in result.stderr


def test_full_url_on_the_api_host_is_accepted(vcc, token_ok):
    token_ok.get(AA, json={})
    vcc("call", AA + "?skillNames=French", env=CI_ENV)
    assert api_calls(token_ok)[0].request.url == AA + "?skillNames=French"


def test_redirect_to_another_host_drops_the_authorization_header(vcc, token_ok):
    token_ok.get(AA, status=302, headers={"Location": "https://elsewhere.example.com/x"})
    token_ok.get("https://elsewhere.example.com/x", json={})
    vcc("call", "/agents-availability", env=CI_ENV)
    followed = api_calls(token_ok)[1].request
    assert followed.url == "https://elsewhere.example.com/x" and "Authorization" not in followed.headers


@pytest.mark.parametrize(
    "url",
    [
        "http://emea.api.cc.vonage.com/agents-availability",
        "https://emea.api.cc.vonage.com:8443/agents-availability",
        "https://emea.api.cc.vonage.com.evil.example/agents-availability",
    ],
)
def test_full_url_on_another_origin_is_refused_before_anything_is_sent(vcc, mock_http, url):
    result = vcc("call", url, env=CI_ENV, expect_error=2)
    assert len(mock_http.calls) == 0 and "not the API host" in result.stderr


def test_dry_run_refuses_another_host_too(vcc, mock_http):
    result = vcc("call", "--dry-run", "https://evil.example.com/x", env=CI_ENV, expect_error=2)
    assert result.stdout == "" and "not the API host" in result.stderr


def test_redirect_within_the_api_host_keeps_the_authorization_header(vcc, token_ok):
    token_ok.get(
        API_URL + "/agents-availability", status=302, headers={"Location": API_URL + "/agents-availability/v2"}
    )
    token_ok.get(API_URL + "/agents-availability/v2", json={})
    vcc("call", "/agents-availability", env=CI_ENV)
    assert api_calls(token_ok)[1].request.headers["Authorization"] == "Bearer tok-A"


def test_verbose_says_when_a_redirect_drops_the_authorization_header(vcc, token_ok):
    token_ok.get(API_URL + "/agents-availability", status=307, headers={"Location": "https://cdn.example.com/x"})
    token_ok.get("https://cdn.example.com/x", json={})
    result = vcc("call", "-v", "/agents-availability", env=CI_ENV)
    assert "Authorization" not in api_calls(token_ok)[1].request.headers
    assert "* redirected to https://cdn.example.com/x (Authorization not sent: another host)" in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com\\@emea.api.cc.vonage.com/stats/agent-activities",
        "https://emea.api.cc.vonage.com@evil.example.com/stats",
        "https://user:pw@emea.api.cc.vonage.com/stats",
        "https://emea.api.cc.vonage.com:99999/stats",
        "https://emea.api.cc.vonage.com/stats\r\nX-Injected: 1",
    ],
)
def test_urls_that_parsers_read_differently_are_refused_before_anything_is_sent(vcc, mock_http, url):
    result = vcc("call", url, env=CI_ENV, expect_error=2)
    assert len(mock_http.calls) == 0 and len(result.stderr.strip().splitlines()) <= 2


def test_a_leading_double_slash_stays_on_the_api_host(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.get(API_URL + "/stats/agent-activities", json={})
    vcc("call", "//stats/agent-activities", env=CI_ENV)
    assert mock_http.calls[-1].request.url == API_URL + "/stats/agent-activities"
