"""SPEC section 4, `vcc call`: method and path, the inferred scope and Accept version,
bodies and headers, output on a terminal and piped, errors and their exit codes, the
401 refresh and retries; in-process, with the network mocked by `responses`."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from tests.conftest import API_URL, CI_ENV, TOKEN_URL, api_calls, token_answer, token_calls

AA = API_URL + "/agents-availability"


def test_get_sends_bearer_and_versioned_accept_inferred_from_the_path(vcc, token_ok):
    token_ok.get(AA, json={"items": []})
    vcc("call", "/agents-availability", "-q", "skillNames=French,English", env=CI_ENV)
    req = api_calls(token_ok)[0].request
    assert req.headers["Authorization"] == "Bearer tok-A"
    assert req.headers["Accept"] == "application/vnd.newvoicemedia.v1+json"
    assert req.url == AA + "?skillNames=French%2CEnglish"
    assert "scope=agents-availability%3Aread" in token_calls(token_ok)[0].request.body


def test_stats_path_infers_scope_stats_and_v3(vcc, token_ok):
    token_ok.get(API_URL + "/stats/agent-activities", json={})
    vcc("call", "/stats/agent-activities", env=CI_ENV)
    assert api_calls(token_ok)[0].request.headers["Accept"] == "application/vnd.newvoicemedia.v3+json"
    assert "scope=stats" in token_calls(token_ok)[0].request.body


def test_method_in_any_case_and_write_scope_inferred(vcc, token_ok):
    token_ok.patch(API_URL + "/useradmin/users/42", json={"ok": True})
    vcc("call", "patch", "/useradmin/users/42", "-d", '{"firstName": "A"}', env=CI_ENV)
    req = api_calls(token_ok)[0].request
    assert req.method == "PATCH" and req.headers["Content-Type"] == "application/json"
    assert req.headers["Accept"] == "application/vnd.newvoicemedia.v4+json"
    assert "scope=users%3Awrite" in token_calls(token_ok)[0].request.body


def test_body_makes_the_default_method_post(vcc, token_ok):
    token_ok.post(API_URL + "/interactions/invoke", json={}, status=201)
    vcc("call", "/interactions/invoke", "-d", "{}", env=CI_ENV)
    assert api_calls(token_ok)[0].request.method == "POST"


def test_body_from_file_and_stdin(vcc, token_ok, tmp_path):
    token_ok.post(API_URL + "/useradmin/users", json={}, status=201)
    f = tmp_path / "b.json"
    f.write_text('{"a": 1}')
    vcc("call", "POST", "/useradmin/users", "-d", f"@{f}", env=CI_ENV)
    vcc("call", "POST", "/useradmin/users", "-d", "@-", stdin='{"b": 2}', env=CI_ENV)
    bodies = [c.request.body for c in api_calls(token_ok)]
    assert bodies == [b'{"a": 1}', b'{"b": 2}']


def test_bad_json_body_is_exit_2_and_says_where(vcc, token_ok):
    result = vcc("call", "POST", "/useradmin/users", "-d", '{"a": }', env=CI_ENV, expect_error=2)
    assert "line 1 column 7" in result.stderr and len(token_ok.calls) == 0


def test_header_option_replaces_accept(vcc, token_ok):
    token_ok.get(AA, json={})
    vcc("call", "/agents-availability", "-H", "accept: application/json;version=6", env=CI_ENV)
    headers = api_calls(token_ok)[0].request.headers
    assert headers["Accept"] == "application/json;version=6"


def test_api_version_option(vcc, token_ok):
    token_ok.get(API_URL + "/interaction-content/interactions", json={})
    vcc("call", "/interaction-content/interactions", "--api-version", "2", env=CI_ENV)
    assert api_calls(token_ok)[0].request.headers["Accept"] == "application/vnd.newvoicemedia.v2+json"


def test_scope_option_overrides_inference(vcc, token_ok):
    token_ok.get(AA, json={})
    vcc("call", "/agents-availability", "-s", "stats", env=CI_ENV)
    assert "scope=stats" in token_calls(token_ok)[0].request.body


def test_unknown_path_without_scope_is_a_usage_error(vcc, token_ok):
    result = vcc("call", "/nowhere", env=CI_ENV, expect_error=2)
    assert "-s SCOPE" in result.stderr


def test_piped_output_is_byte_for_byte(vcc, token_ok):
    raw = b'{"b":1,  "a":[1,2]}'
    token_ok.get(AA, body=raw, content_type="application/json")
    assert vcc("call", "/agents-availability", env=CI_ENV).stdout_bytes == raw


def test_terminal_output_is_pretty_json(vcc, token_ok):
    token_ok.get(AA, body=b'{"b":1,"a":[1,2]}', content_type="application/json")
    out = vcc("call", "/agents-availability", env={**CI_ENV, "NO_COLOR": "1"}, tty=True).stdout
    assert json.loads(out) == {"b": 1, "a": [1, 2]} and "\n  " in out


def test_binary_body_is_not_printed_on_a_terminal(vcc, token_ok):
    token_ok.get(API_URL + "/interaction-content/x", body=b"RIFF\x00\x01\x02", content_type="audio/wav")
    result = vcc("call", "/interaction-content/x", env=CI_ENV, tty=True)
    assert result.stdout_bytes == b"" and "-o FILE" in result.stderr


def test_include_prints_status_and_headers_first(vcc, token_ok):
    token_ok.get(AA, json={"x": 1}, headers={"X-Request-Id": "r1"})
    out = vcc("call", "-i", "/agents-availability", env=CI_ENV).stdout
    assert out.startswith("HTTP/1.1 200 OK\r\n") and "X-Request-Id: r1" in out and out.endswith('{"x": 1}')


def test_output_file_gets_the_body_and_no_partial_file_remains(vcc, token_ok, tmp_path):
    data = bytes(range(256)) * 1000
    token_ok.get(API_URL + "/interaction-content/rec", body=data, content_type="audio/wav")
    target = tmp_path / "rec.wav"
    vcc("call", "/interaction-content/rec", "-o", str(target), env=CI_ENV)
    assert target.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir() if "rec" in p.name) == ["rec.wav"]


def test_api_error_prints_body_and_exits_1(vcc, token_ok):
    token_ok.get(AA, status=404, json={"message": "not here"})
    result = vcc("call", "/agents-availability", env=CI_ENV, expect_error=1)
    assert json.loads(result.stdout) == {"message": "not here"} and "HTTP 404" in result.stderr


def test_403_names_the_needed_scope_and_the_token_scopes(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("t", scope="stats"))
    mock_http.delete(API_URL + "/interaction-content/interactions/1/content/2", status=403, json={})
    result = vcc(
        "call", "DELETE", "/interaction-content/interactions/1/content/2", "-s", "stats", env=CI_ENV, expect_error=1
    )
    assert "interaction-content:delete" in result.stderr and "'stats'" in result.stderr


def test_401_with_cached_token_refreshes_once_and_retries(vcc, token_ok):
    token_ok.get(AA, json={})
    vcc("call", "/agents-availability", env=CI_ENV)  # caches tok-A
    token_ok.replace(responses.GET, AA, status=401, json={"message": "The access token is invalid or has expired"})
    token_ok.add(responses.GET, AA, json={"fresh": True})
    result = vcc("call", "/agents-availability", env=CI_ENV)
    assert json.loads(result.stdout) == {"fresh": True}
    auths = [c.request.headers["Authorization"] for c in api_calls(token_ok)]
    assert auths == ["Bearer tok-A", "Bearer tok-A", "Bearer tok-B"]
    # the new token replaced the rejected one in the cache
    assert vcc("token", "-s", "agents-availability:read", env=CI_ENV).stdout == "tok-B\n"


def test_401_after_refresh_is_exit_3(vcc, token_ok):
    token_ok.get(AA, status=401, json={})
    result = vcc("call", "/agents-availability", env=CI_ENV, expect_error=3)
    assert len(token_calls(token_ok)) == 2 and len(api_calls(token_ok)) == 2
    assert "401" in result.stderr


def test_401_with_vcc_token_is_final(vcc, mock_http):
    mock_http.get(AA, status=401, json={})
    result = vcc("call", "/agents-availability", env={"VCC_TOKEN": "given", "VCC_REGION": "emea"}, expect_error=3)
    assert len(mock_http.calls) == 1 and "VCC_TOKEN" in result.stderr


@pytest.mark.parametrize("status", [429, 503])
def test_get_is_retried_on_429_and_503_honouring_retry_after(vcc, token_ok, status):
    token_ok.get(AA, status=status, headers={"Retry-After": "2"})
    token_ok.get(AA, json={"ok": 1})
    result = vcc("call", "/agents-availability", env=CI_ENV)
    assert result.sleeps == [2.0] and "retry 1/3" in result.stderr


def test_post_is_not_retried_on_503(vcc, token_ok):
    token_ok.post(API_URL + "/useradmin/users", status=503, json={})
    vcc("call", "POST", "/useradmin/users", "-d", "{}", env=CI_ENV, expect_error=1)
    assert len(api_calls(token_ok)) == 1


def test_retries_stop_after_the_limit_and_exit_1(vcc, token_ok):
    token_ok.get(AA, status=429, headers={"Retry-After": "100"})
    result = vcc("call", "/agents-availability", "--retries", "2", env=CI_ENV, expect_error=1)
    assert len(api_calls(token_ok)) == 3 and result.sleeps == [30.0, 30.0]  # each wait capped


def test_verbose_shows_headers_with_the_token_redacted(vcc, token_ok):
    token_ok.get(AA, json={})
    result = vcc("call", "-v", "/agents-availability", env=CI_ENV)
    assert "> GET " in result.stderr and "Authorization: Bearer [REDACTED]" in result.stderr
    assert "tok-A" not in result.stderr + result.stdout


def test_dry_run_prints_curl_and_sends_nothing(vcc, mock_http):
    result = vcc("call", "/stats/agent-activities", "-q", "start=2026-01-01", "--dry-run", env=CI_ENV)
    assert len(mock_http.calls) == 0
    assert result.stdout.startswith("curl 'https://emea.api.cc.vonage.com/stats/agent-activities?start=2026-01-01'")
    assert '"Authorization: Bearer $(vcc token -s stats)"' in result.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["FETCH", "/x"], "unknown method"),
        (["/agents-availability", "-q", "novalue"], "key=value"),
        (["/agents-availability", "-H", "NoColon"], "Name: value"),
        (["/agents-availability", "-d", "@/does/not/exist"], "cannot read"),
        (["GET", "/a", "/b", "/c"], "expected [METHOD] PATH"),
    ],
)
def test_bad_input_is_exit_2_with_a_hint(vcc, mock_http, args, words):
    result = vcc("call", *args, env=CI_ENV, expect_error=2)
    assert words in result.stderr and len(mock_http.calls) == 0
    assert len(result.stderr.strip().splitlines()) <= 2


def test_network_failure_is_exit_4(vcc, token_ok):
    token_ok.get(AA, body=requests.exceptions.ConnectTimeout())
    result = vcc("call", "/agents-availability", env=CI_ENV, expect_error=4)
    assert "timed out" in result.stderr
