"""SPEC section 4, `vcc call -v`, `-i`, `--dry-run` and the 403 message: what was sent
and received, tokens redacted; the request as curl, sending nothing; the scope a 403 needs."""

from __future__ import annotations

import base64
import json
import re

import pytest

from tests.conftest import API_URL, CI_ENV, TOKEN_URL, token_answer

AA = API_URL + "/agents-availability"


@pytest.fixture
def token_ok(mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("tok-SECRET-A", scope="agents-availability:read"))
    return mock_http


def test_verbose_shows_the_response_status_headers_and_timing_on_stderr(vcc, token_ok):
    token_ok.get(AA, json={"x": 1}, headers={"X-Request-Id": "r1"})
    result = vcc("call", "-v", "/agents-availability", env=CI_ENV)
    assert "< HTTP/1.1 200 OK" in result.stderr and "< X-Request-Id: r1" in result.stderr
    assert re.search(r"\* HTTP 200 after \d+ ms", result.stderr)
    assert re.search(r"\* 1 request in \d+\.\d+ s", result.stderr)
    assert result.json == {"x": 1}  # stdout holds the body only


def test_verbose_shows_the_request_line_and_every_header_sent(vcc, token_ok):
    token_ok.get(AA, json={})
    stderr = vcc("call", "-v", "/agents-availability", "-q", "skillNames=French", env=CI_ENV).stderr
    assert f"> GET {AA}?skillNames=French" in stderr
    assert "> Accept: application/vnd.newvoicemedia.v1+json" in stderr
    assert re.search(r"> User-Agent: vcc/\S+", stderr)


def test_verbose_redacts_the_bearer_token_and_secret_looking_headers(vcc, token_ok):
    token_ok.get(AA, json={}, headers={"Set-Cookie": "session=abc123"})
    result = vcc("call", "-v", "/agents-availability", "-H", "X-Api-Key: key-SECRET-B", env=CI_ENV)
    assert "> Authorization: Bearer [REDACTED]" in result.stderr and "> X-Api-Key: [REDACTED]" in result.stderr
    assert "SECRET" not in result.stderr + result.stdout and "abc123" not in result.stderr


def test_verbose_shows_each_retry_attempt(vcc, token_ok):
    token_ok.get(AA, status=503)
    token_ok.get(AA, json={})
    stderr = vcc("call", "-v", "/agents-availability", env=CI_ENV).stderr
    assert stderr.count("> GET ") == 2 and "< HTTP/1.1 503" in stderr and "* 2 requests in" in stderr


def test_verbose_says_where_the_token_came_from(vcc, token_ok):
    token_ok.get(AA, json={})
    assert (
        "* bearer token: fetched from the token endpoint"
        in vcc("call", "-v", "/agents-availability", env=CI_ENV).stderr
    )
    assert "* bearer token: from the cache" in vcc("call", "-v", "/agents-availability", env=CI_ENV).stderr


def test_include_prints_the_status_line_and_headers_with_cookies_redacted(vcc, token_ok):
    token_ok.get(AA, json={"x": 1}, headers={"Set-Cookie": "session=abc123"})
    out = vcc("call", "-i", "/agents-availability", env=CI_ENV).stdout
    head, _, body = out.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 200 OK\r\n") and "Set-Cookie: [REDACTED]" in head and json.loads(body) == {"x": 1}


# ---------------------------------------------------------------- --dry-run


def test_dry_run_sends_nothing_not_even_a_token_request(vcc, mock_http, tmp_path):
    vcc("call", "--dry-run", "/agents-availability", env=CI_ENV)
    assert len(mock_http.calls) == 0 and not (tmp_path / "cache").exists()


def test_dry_run_needs_no_credentials(vcc, mock_http):
    result = vcc("call", "--dry-run", "/stats/agent-activities", env={"VCC_REGION": "nam"})
    assert result.stdout.startswith("curl https://nam.api.cc.vonage.com/stats/agent-activities ")


def test_dry_run_passes_region_to_the_token_command(vcc, mock_http):
    result = vcc("call", "--dry-run", "--region", "apac", "/stats/agent-activities", env=CI_ENV)
    assert '"Authorization: Bearer $(vcc token -s stats --region apac)"' in result.stdout


def test_dry_run_shows_range_and_output_as_curl_options(vcc, mock_http):
    path = "/interaction-content/interactions/g1/content/callRecording"
    result = vcc("call", "--dry-run", path, "--range", "0-1023", "-o", "call wav.wav", env=CI_ENV)
    assert "-H 'Range: bytes=0-1023'" in result.stdout and result.stdout.rstrip().endswith("-o 'call wav.wav'")


# ---------------------------------------------------------------- 403


def jwt(payload: dict) -> str:
    part = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJub25lIn0.{part}.c2ln"


def test_403_names_the_scope_from_the_www_authenticate_challenge(vcc, token_ok):
    challenge = 'Bearer error="insufficient_scope", scope="special:read"'
    token_ok.get(AA, status=403, json={}, headers={"WWW-Authenticate": challenge})
    result = vcc("call", "/agents-availability", env=CI_ENV, expect_error=1)
    assert "needs scope 'special:read'; the token has 'agents-availability:read'" in result.stderr


def test_403_with_vcc_token_reads_the_scopes_from_the_jwt(vcc, mock_http):
    mock_http.get(API_URL + "/useradmin/users", status=403, json={})
    env = {"VCC_TOKEN": jwt({"scope": "stats agents-availability:read"}), "VCC_REGION": "emea"}
    result = vcc("call", "/useradmin/users", env=env, expect_error=1)
    assert (
        "needs scope 'users:read' (or 'users:write'); the token has 'stats agents-availability:read'" in result.stderr
    )
